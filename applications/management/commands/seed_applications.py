"""Demo residence applications (run by `make run` after seed_usage_requests; idempotent).

株式会社さくら製作所's HR officer (hr_kato) gets a working authentication ID and two foreign employees;
one extension with re-entry is under examination in Tokyo, one change is a draft."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from reportlab.pdfgen import canvas

from applications import examination, services
from applications.models import Application
from applications.receipts import receipts_assign
from applications.rules.catalogue import Procedure
from institutions.models import ForeignEmployee, Institution
from usage_requests.models import AuthenticationId, AuthIdState

DEMO_PASSWORD = "Zairyu-demo-2026"
# A 1×1 white JPEG is enough for a demo photo.
PHOTO = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c1912130f14"
    "1d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0000b080001000101011100"
    "ffc4001f0000010501010101010100000000000000000102030405060708090a0bffda0008010100003f00d2cf20ffd9"
)


def _pdf(text: str) -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text)
    page.save()
    return buffer.getvalue()


class Command(BaseCommand):
    help = "Load demo residence applications: one under examination, one draft."

    def handle(self, *args: Any, **options: Any) -> None:
        if Application.objects.exists():
            self.stdout.write("Demo applications already present.")
            return
        with transaction.atomic():
            self._load()
        self.stdout.write(self.style.SUCCESS("Demo applications loaded."))

    def _load(self) -> None:
        users = {u.username: u for u in get_user_model().objects.all()}
        sakura = Institution.objects.get(name="株式会社さくら製作所")
        today = timezone.localdate()
        AuthenticationId.objects.filter(holder=users["hr_kato"], institution=sakura).update(
            state=AuthIdState.ACTIVE, password=make_password(DEMO_PASSWORD), password_set_on=today,
            valid_until=today + timedelta(days=365),
        )  # fmt: skip
        employees = [
            ForeignEmployee.objects.create(
                institution=sakura,
                name=name,
                nationality=nat,
                date_of_birth=born,
                status_of_residence=status,
                period_of_stay_until=until,
                employed_from=date(2023, 4, 1),
                residence_card_number=card,
            )
            for name, nat, born, status, until, card in [
                (
                    "TRAN THI BINH",
                    "ベトナム",
                    date(1996, 7, 14),
                    "engineer_humanities_international",
                    today + timedelta(days=60),
                    "AB12345678CD",
                ),
                (
                    "KIM MINJUN",
                    "韓国",
                    date(1999, 2, 3),
                    "student",
                    today + timedelta(days=90),
                    "EF23456789GH",
                ),
            ]
        ]
        hr = users["hr_kato"]

        def applicant(employee: ForeignEmployee, procedure: Procedure, status: str, **extra: Any) -> Any:
            return services.ApplicantInput(
                procedure=procedure, status=status, subject_name=employee.name, nationality=employee.nationality,
                date_of_birth=employee.date_of_birth or date(1990, 1, 1), sex="F", prefecture_code="13",
                address="東京都大田区蒲田5-13-14", employee_id=employee.pk, current_status=employee.status_of_residence,
                period_of_stay_until=employee.period_of_stay_until, notification_email="binh@demo.zairyu.example",
                **extra,
            )  # fmt: skip

        extension = services.filing_create(
            actor=hr,
            applicants=[
                applicant(
                    employees[0],
                    Procedure.EXTENSION,
                    "engineer_humanities_international",
                    with_=(Procedure.REENTRY,),
                )
            ],
        )
        principal = extension.applications.get(principal__isnull=True)
        services.attachment_add(
            actor=hr,
            application_id=principal.pk,
            kind="document",
            name="雇用契約書.pdf",
            data=_pdf("Employment contract"),
        )
        services.attachment_add(
            actor=hr, application_id=principal.pk, kind="photo", name="photo.jpg", data=PHOTO
        )
        services.filing_submit(actor=hr, filing_id=extension.pk)
        receipts_assign(now=timezone.now() + timedelta(days=1))
        examination.application_transition(
            actor=users["reviewer_tokyo"], application_id=principal.pk, name="start_examination"
        )
        services.filing_create(
            actor=hr,
            applicants=[applicant(employees[1], Procedure.CHANGE, "engineer_humanities_international")],
        )
