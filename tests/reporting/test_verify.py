"""/verify/<number>/, the page a document's QR code opens: anyone may look a document up and
check a copy; a genuine copy passes, a tampered one does not; an ID notice says whether the ID is
valid, suspended, revoked or expired; nothing personal is shown; every check is audited."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from backoffice.audit.models import AuditEvent
from reporting.documents import document_issue, verify_url
from reporting.models import DocumentKind, IssuedDocument
from reporting.verification import MAX_UPLOAD_BYTES
from tests.conftest import login_as
from usage_requests.models import AuthenticationId, UsageRequest

pytestmark = pytest.mark.django_db


def _approval(approved: UsageRequest, cast: dict[str, Any], language: str = "ja") -> IssuedDocument:
    document, _new = document_issue(
        actor=cast["users"]["hr"], record=approved, kind=DocumentKind.APPROVAL_NOTICE, language=language
    )
    return document


def _upload(client: Client, number: str, data: bytes, name: str = "notice.pdf") -> Any:
    return client.post(
        reverse("verify_document", args=[number]),
        {"file": SimpleUploadedFile(name, data, content_type="application/pdf")},
    )


def _pdf_text(document: IssuedDocument) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"],
        input=bytes(document.content),
        capture_output=True,
        check=True,
    ).stdout.decode()


def _pdf_info(document: IssuedDocument) -> dict[str, str]:
    out = subprocess.run(
        ["pdfinfo", "-"], input=bytes(document.content), capture_output=True, check=True
    ).stdout
    return {
        k.strip(): v.strip() for k, _sep, v in (line.partition(":") for line in out.decode().splitlines())
    }


def _visible_text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def test_the_qr_code_on_every_page_opens_the_verification_page(
    approved: UsageRequest, cast_ur: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from reportlab.graphics.barcode.qr import QrCodeWidget  # type: ignore[import-untyped]

    from reporting.pdf import common

    encoded: list[str] = []

    class Recording(QrCodeWidget):  # type: ignore[misc]
        def __init__(self, value: str, **kwargs: Any) -> None:
            encoded.append(value)
            super().__init__(value, **kwargs)

    monkeypatch.setattr(common, "QrCodeWidget", Recording)
    document = _approval(approved, cast_ur, "en")  # two pages
    url = verify_url(document.number)
    assert url == f"{settings.SITE_URL.rstrip('/')}/verify/{document.number}/"
    info = _pdf_info(document)
    pages = int(info["Pages"])
    # Two passes (the first counts the pages), one code per page each time: all the same URL.
    assert encoded == [url] * (2 * pages)
    assert Client().get(f"/verify/{document.number}/").status_code == 200
    # The file's own creation date is the issue time (reproducible output, not the year 2000).
    assert str(document.issued_at.astimezone(UTC).year) in info["CreationDate"]


def test_a_genuine_copy_passes_and_a_tampered_one_fails(
    approved: UsageRequest, cast_ur: dict[str, Any]
) -> None:
    document = _approval(approved, cast_ur)
    original = bytes(document.content)
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("verify_document", args=[document.number]))
    token = page.cookies["csrftoken"].value
    genuine = client.post(
        reverse("verify_document", args=[document.number]),
        {
            "file": SimpleUploadedFile("n.pdf", original, content_type="application/pdf"),
            "csrfmiddlewaretoken": token,
        },
    )
    assert genuine.status_code == 200
    assert 'class="badge ok"' in genuine.content.decode() and "verify-result" in genuine.content.decode()
    # One byte changed in the middle: a different file.
    middle = len(original) // 2
    tampered = original[:middle] + bytes([original[middle] ^ 0x01]) + original[middle + 1 :]
    forged = client.post(
        reverse("verify_document", args=[document.number]),
        {
            "file": SimpleUploadedFile("n.pdf", tampered, content_type="application/pdf"),
            "csrfmiddlewaretoken": token,
        },
    )
    body = forged.content.decode()
    assert (
        forged.status_code == 200
        and 'class="badge bad"' in body
        and 'class="badge ok"' not in body.split("id-status")[0]
    )
    # A whole other genuine document of ours is not this one either.
    other, _new = document_issue(
        actor=cast_ur["users"]["hr"], record=approved, kind=DocumentKind.APPROVAL_NOTICE, language="en"
    )
    swapped = _upload(client, document.number, bytes(other.content))
    assert swapped.status_code == 403  # no CSRF token: refused before anything is checked
    events = list(
        AuditEvent.objects.for_target(document).order_by("global_seq").values_list("action", "data")
    )
    assert [action for action, _data in events] == [
        "document.pdf_issued", "document.verified_genuine", "document.verified_not_genuine",
    ]  # fmt: skip
    assert events[2][1]["anonymous"] is True and events[2][1]["genuine"] is False
    assert events[2][1]["uploaded_sha256"] != document.sha256


def test_the_anonymous_page_shows_nothing_personal(approved: UsageRequest, cast_ur: dict[str, Any]) -> None:
    type(approved.filer).objects.filter(pk=approved.filer_id).update(display_name="山田 花子")
    approved.refresh_from_db()
    document = _approval(approved, cast_ur, "en")
    assert "山田 花子" in _pdf_text(document)  # the notice names the holder; the page must not
    response = Client().get(reverse("verify_document", args=[document.number]))
    html = response.content.decode()
    text = _visible_text(html)
    auth_id = approved.auth_id
    for personal in (
        cast_ur["company"].name, cast_ur["company"].address, "山田", "花子", auth_id.code, "緑川",
    ):  # fmt: skip
        assert personal not in html, personal
    assert document.sha256 in text and document.number in text
    assert auth_id.code[:4] in text and "••••" in text  # the masked ID only
    assert "東京出入国在留管理局" in text or "Tokyo" in text


def test_id_status_valid_then_revoked(
    approved: UsageRequest, active_id: AuthenticationId, cast_ur: dict[str, Any]
) -> None:
    from usage_requests.id_services import auth_id_revoke

    document = _approval(approved, cast_ur)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = client.get(reverse("verify_document", args=[document.number])).content.decode()
    status = page.split('id="id-status"')[1]
    assert 'data-verdict="valid"' in status and active_id.valid_until.isoformat() in status
    auth_id_revoke(
        actor=cast_ur["users"]["hr"], auth_id_pk=active_id.pk, reason="own_request", note="退職のため"
    )
    page = client.get(reverse("verify_document", args=[document.number])).content.decode()
    status = page.split('id="id-status"')[1]
    assert 'data-verdict="revoked"' in status and 'class="badge bad"' in status
    assert timezone.localdate().isoformat() in status


def test_id_status_expired_and_suspended(
    approved: UsageRequest, active_id: AuthenticationId, cast_ur: dict[str, Any]
) -> None:
    document = _approval(approved, cast_ur)
    AuthenticationId.objects.filter(pk=active_id.pk).update(
        valid_until=timezone.localdate() - timedelta(days=1)
    )
    status = (
        Client()
        .get(reverse("verify_document", args=[document.number]))
        .content.decode()
        .split('id="id-status"')[1]
    )
    assert 'data-verdict="expired"' in status and 'class="badge bad"' in status
    AuthenticationId.objects.filter(pk=active_id.pk).update(state="suspended")
    status = (
        Client()
        .get(reverse("verify_document", args=[document.number]))
        .content.decode()
        .split('id="id-status"')[1]
    )
    assert 'data-verdict="suspended"' in status


def test_a_periodic_report_acceptance_reports_its_extended_ids(
    periodic: UsageRequest, active_id: AuthenticationId, cast_ur: dict[str, Any]
) -> None:
    document, _new = document_issue(
        actor=cast_ur["users"]["hr"],
        record=periodic,
        kind=DocumentKind.PERIODIC_REPORT_ACCEPTANCE,
        language="ja",
    )
    assert document.authentication_id is None
    status = (
        Client()
        .get(reverse("verify_document", args=[document.number]))
        .content.decode()
        .split('id="id-status"')[1]
    )
    extended = AuthenticationId.objects.get(pk=active_id.pk).valid_until
    assert (
        active_id.code[:4] in status and 'data-verdict="valid"' in status and extended.isoformat() in status
    )


def test_a_receipt_has_no_id_status_and_no_applicant_name(received: Any, cast_apps: dict[str, Any]) -> None:
    document, _new = document_issue(
        actor=cast_apps["users"]["hr"], record=received, kind=DocumentKind.APPLICATION_RECEIPT, language="ja"
    )
    html = Client().get(reverse("verify_document", args=[document.number])).content.decode()
    assert 'id="id-status"' not in html
    for personal in ("NGUYEN", received.receipt_number, received.address, "AB12345678CD"):
        assert personal not in html, personal


def test_unknown_and_malformed_numbers_get_a_clear_404() -> None:
    client = Client()
    unknown = client.get(reverse("verify_document", args=["ABCD-EFGH-JKLM-NPQR"]))
    assert unknown.status_code == 404 and "ABCD-EFGH-JKLM-NPQR" in unknown.content.decode()
    assert "reporting/verify_unknown.html" in [t.name for t in unknown.templates]
    assert client.get(reverse("verify_document", args=["not-a-number"])).status_code == 404
    upload = _upload(client, "ABCD-EFGH-JKLM-NPQR", b"%PDF-1.4")
    assert upload.status_code == 404


def test_a_number_typed_loosely_finds_the_canonical_page(
    approved: UsageRequest, cast_ur: dict[str, Any]
) -> None:
    document = _approval(approved, cast_ur)
    loose = document.number.lower().replace("-", " ")
    response = Client().get(reverse("verify_index"), {"number": loose})
    assert response.status_code == 302 and response["Location"] == reverse(
        "verify_document", args=[document.number]
    )
    loose_path = Client().get(reverse("verify_document", args=[document.number.replace("-", "").lower()]))
    assert loose_path.status_code == 302
    assert Client().get(reverse("verify_index"), {"number": "123"}).status_code == 400


def test_an_upload_over_the_limit_is_refused_unread(approved: UsageRequest, cast_ur: dict[str, Any]) -> None:
    document = _approval(approved, cast_ur)
    big = b"%PDF-1.4\n" + b"0" * (MAX_UPLOAD_BYTES + 1)
    response = _upload(Client(), document.number, big)
    assert response.status_code == 413
    assert not AuditEvent.objects.filter(action__startswith="document.verified").exists()


def test_an_upload_growing_past_the_limit_while_read_is_stopped(
    approved: UsageRequest, cast_ur: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from reporting import verify_views

    document = _approval(approved, cast_ur)
    # The declared length is within bounds (limit lowered for the handler only): the handler stops it.
    monkeypatch.setattr(verify_views, "MAX_UPLOAD_BYTES", 1024)
    response = _upload(Client(), document.number, b"%PDF-1.4\n" + b"0" * 4096)
    assert response.status_code == 413
    assert not AuditEvent.objects.filter(action__startswith="document.verified").exists()


def test_a_logged_in_user_who_may_see_the_record_gets_links(
    approved: UsageRequest, cast_ur: dict[str, Any]
) -> None:
    document = _approval(approved, cast_ur)
    url = reverse("verify_document", args=[document.number])
    hr = login_as(Client(), cast_ur["users"]["hr"]).get(url).content.decode()
    assert reverse("usage_requests:detail", args=[approved.pk]) in hr
    other = login_as(Client(), cast_ur["users"]["hr_other"]).get(url).content.decode()
    assert reverse("usage_requests:detail", args=[approved.pk]) not in other
    assert cast_ur["company"].name not in other


def test_one_address_may_check_only_so_many_files_an_hour(
    approved: UsageRequest, cast_ur: dict[str, Any], settings: Any
) -> None:
    settings.VERIFY_UPLOADS_PER_HOUR = 2
    document = _approval(approved, cast_ur)
    content = bytes(document.content)
    busy, other = Client(REMOTE_ADDR="198.51.100.7"), Client(REMOTE_ADDR="198.51.100.8")
    url = reverse("verify_document", args=[document.number])

    def check(client: Client) -> Any:
        return client.post(
            url, {"file": SimpleUploadedFile("n.pdf", content, content_type="application/pdf")}
        )

    assert [check(busy).status_code for _ in range(2)] == [200, 200]
    refused = check(busy)
    assert refused.status_code == 429 and int(refused["Retry-After"]) <= 3600
    assert "直近1時間に確認されたファイルが多すぎます" in refused.content.decode()
    assert check(other).status_code == 200, "counted per address"
    assert busy.get(url).status_code == 200, "the page itself stays open"
    checks = AuditEvent.objects.filter(action__startswith="document.verified").count()
    assert checks == 3, "the refused upload was not read, so not checked"
