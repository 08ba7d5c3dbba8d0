from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from reportlab.pdfgen import canvas

from backoffice.audit.models import AuditEvent
from usage_requests.models import RequestDocument
from usage_requests.services import usage_request_create, usage_request_transition


def _pdf(*, encrypt: str | None = None) -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, encrypt=encrypt)
    page.drawString(72, 720, "Pledge / 誓約書")
    page.save()
    return buffer.getvalue()


@pytest.fixture
def draft(cast_ur: dict[str, Any]) -> Any:
    return usage_request_create(
        actor=cast_ur["users"]["hr"],
        institution=cast_ur["company"],
        acting_for=None,
        kind="new",
        declared_facts={},
    )


@pytest.mark.django_db
def test_a_pdf_is_attached_audited_and_downloadable(client_for: Any, draft: Any, tmp_path: Any) -> None:
    with override_settings(MEDIA_ROOT=str(tmp_path)):
        client = client_for("hr")
        url = reverse("usage_requests:document_upload", args=[draft.pk])
        client.post(
            url, {"kind": "pledge", "file": SimpleUploadedFile("誓約書.pdf", _pdf(), "application/pdf")}
        )
        document = RequestDocument.objects.get()
        assert document.original_name == "誓約書.pdf" and document.size > 0
        assert (
            AuditEvent.objects.get(action="usage_request.document_attached").data["sha256"] == document.sha256
        )
        response = client.get(reverse("usage_requests:document", args=[draft.pk, document.pk]))
        assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
        assert (
            client_for("hr_other")
            .get(reverse("usage_requests:document", args=[draft.pk, document.pk]))
            .status_code
            == 404
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name,data",
    [("renamed.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 100), ("locked.pdf", None), ("empty.pdf", b"")],
)
def test_bad_files_are_refused_and_nothing_is_kept(
    client_for: Any, draft: Any, tmp_path: Any, name: str, data: Any
) -> None:
    payload = _pdf(encrypt="secret") if data is None else data
    with override_settings(MEDIA_ROOT=str(tmp_path)):
        client = client_for("hr")
        client.post(
            reverse("usage_requests:document_upload", args=[draft.pk]),
            {"kind": "pledge", "file": SimpleUploadedFile(name, payload, "application/pdf")},
        )
        assert not RequestDocument.objects.exists()
        assert not AuditEvent.objects.filter(action="usage_request.document_attached").exists()
        assert not list(tmp_path.rglob("*.pdf"))


@pytest.mark.django_db
def test_documents_are_frozen_once_submitted(
    client_for: Any, cast_ur: dict[str, Any], draft: Any, tmp_path: Any
) -> None:
    with override_settings(MEDIA_ROOT=str(tmp_path)):
        usage_request_transition(actor=cast_ur["users"]["hr"], request_id=draft.pk, name="submit")
        client_for("hr").post(
            reverse("usage_requests:document_upload", args=[draft.pk]),
            {"kind": "pledge", "file": SimpleUploadedFile("p.pdf", _pdf(), "application/pdf")},
        )
        assert not RequestDocument.objects.exists()
