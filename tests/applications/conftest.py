"""Personas for residence applications: the HR officer of the Tokyo company holds an active
authentication ID (from an approved usage request) and the company has foreign employees."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone
from reportlab.pdfgen import canvas

from institutions.models import ForeignEmployee
from tests.usage_requests.conftest import cast_ur, file_and_approve  # noqa: F401  (a fixture, re-used)
from usage_requests.models import AuthenticationId, AuthIdState


def make_pdf(*, encrypt: str | None = None, text: str = "在留期間更新許可申請 添付資料") -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, encrypt=encrypt)
    page.drawString(72, 720, text)
    page.save()
    return buffer.getvalue()


PDF = make_pdf()
ENCRYPTED_PDF = make_pdf(encrypt="secret")
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def activate_id(auth_id: AuthenticationId) -> AuthenticationId:
    today = timezone.localdate()
    AuthenticationId.objects.filter(pk=auth_id.pk).update(
        state=AuthIdState.ACTIVE, password_set_on=today, valid_until=today + timedelta(days=365)
    )
    return AuthenticationId.objects.get(pk=auth_id.pk)


@pytest.fixture
def cast_apps(cast_ur: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    cast = cast_ur
    request = file_and_approve(cast)
    cast["auth_id"] = activate_id(request.auth_id)
    company = cast["company"]
    cast["employee"] = ForeignEmployee.objects.create(
        institution=company, name="NGUYEN VAN AN", nationality="ベトナム", date_of_birth=date(1995, 4, 1),
        status_of_residence="engineer_humanities_international", period_of_stay_until=date(2099, 3, 31),
        residence_card_number="AB12345678CD", employed_from=date(2023, 4, 1),
    )  # fmt: skip
    cast["other_employee"] = ForeignEmployee.objects.create(
        institution=cast["other"], name="LI MING", nationality="中国", date_of_birth=date(1990, 1, 1),
        status_of_residence="student", residence_card_number="CD12345678EF",
    )  # fmt: skip
    return cast
