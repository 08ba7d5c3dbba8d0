"""Each document, issued through the service from records built by the real services: a PDF
with IPAex Gothic and Mincho embedded (pdffonts), that renders (pdftoppm), whose text says what
it must (pdftotext); issued once per record, kind and language; audited."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from applications.models import Application
from backoffice.audit.models import AuditEvent
from reporting.documents import document_issue, last_event_seq
from reporting.models import DocumentKind, IssuedDocument
from reporting.verification import normalise_document_number
from tests.reporting.document_support import (
    REJECTION_REASON,
    REVOCATION_NOTE,
    fonts,
    png,
    text,
    write,
)
from usage_requests import auth_ids
from usage_requests.models import AuthenticationId, UsageRequest
from usage_requests.services import usage_request_transition

pytestmark = pytest.mark.django_db


def _check_pdf(tmp_path: Path, document: IssuedDocument, name: str) -> str:
    """Fonts embedded, a page that renders, and the text (returned)."""
    path = write(tmp_path, bytes(document.content), f"{name}.pdf")
    assert path.read_bytes().startswith(b"%PDF-")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == document.sha256
    assert document.size == path.stat().st_size
    found = fonts(path)
    assert found.get("IPAexGothic") == "yes" and found.get("IPAexMincho") == "yes", found
    # No font left to the viewer, not even reportlab's default Helvetica in the resources.
    assert set(found) <= {"IPAexGothic", "IPAexMincho"}, found
    image = Image.open(png(path))
    assert image.format == "PNG" and image.width > 300
    # Not a blank page: a good share of dark pixels (text, rules, the QR code).
    grey = image.convert("L")
    dark = sum(grey.histogram()[:128])
    assert dark > 0.01 * image.width * image.height
    return text(path)


def test_approval_notice_carries_the_authentication_id(
    approved: UsageRequest, cast_ur: dict[str, Any], tmp_path: Path
) -> None:
    hr = cast_ur["users"]["hr"]
    document, new = document_issue(
        actor=hr, record=approved, kind=DocumentKind.APPROVAL_NOTICE, language="ja"
    )
    assert new and document.authentication_id_id == approved.auth_id.pk
    assert document.bureau.code == "tokyo" and document.institution_id == cast_ur["company"].pk
    words = _check_pdf(tmp_path, document, "approval")
    assert auth_ids.display(approved.auth_id.code) in words
    assert "利用承認通知書" in words and str(approved) in words
    assert document.number in words and "/verify/" in words
    assert "Authentication ID" not in words  # Japanese only


def test_english_version_adds_english_and_is_a_separate_document(
    approved: UsageRequest, cast_ur: dict[str, Any], tmp_path: Path
) -> None:
    hr = cast_ur["users"]["hr"]
    ja, _new = document_issue(actor=hr, record=approved, kind=DocumentKind.APPROVAL_NOTICE, language="ja")
    en, new = document_issue(actor=hr, record=approved, kind=DocumentKind.APPROVAL_NOTICE, language="en")
    assert new and en.number != ja.number and en.sha256 != ja.sha256
    words = _check_pdf(tmp_path, en, "approval-en")
    assert "利用承認通知書" in words and "Authentication ID" in words


def test_issued_once_the_same_bytes_and_number_every_time(
    approved: UsageRequest, cast_ur: dict[str, Any]
) -> None:
    hr, auditor = cast_ur["users"]["hr"], cast_ur["users"]["auditor"]
    first, new = document_issue(actor=hr, record=approved, kind=DocumentKind.APPROVAL_NOTICE, language="ja")
    again, new_again = document_issue(
        actor=auditor, record=approved, kind=DocumentKind.APPROVAL_NOTICE, language="ja"
    )
    assert new and not new_again
    assert again.pk == first.pk and bytes(again.content) == bytes(first.content)
    assert IssuedDocument.objects.count() == 1
    actions = list(
        AuditEvent.objects.for_target(first).order_by("global_seq").values_list("action", "actor_id")
    )
    assert actions == [("document.pdf_issued", hr.pk), ("document.pdf_downloaded", auditor.pk)]
    issued = AuditEvent.objects.get(action="document.pdf_issued")
    assert issued.data["sha256"] == first.sha256 and issued.chain == f"institution:{cast_ur['company'].pk}"


def test_numbers_are_random_groups_not_sequential(approved: UsageRequest, cast_ur: dict[str, Any]) -> None:
    hr = cast_ur["users"]["hr"]
    numbers = [
        document_issue(actor=hr, record=approved, kind=kind, language=language)[0].number
        for kind in (DocumentKind.APPROVAL_NOTICE, DocumentKind.AUDIT_TRAIL)
        for language in ("ja", "en")
    ]
    assert len(set(numbers)) == 4
    for number in numbers:
        assert normalise_document_number(number) == number and len(number) == 19


def test_rejection_notice_names_the_failed_requirement_and_the_reasons(
    rejected: UsageRequest, cast_ur: dict[str, Any], tmp_path: Path
) -> None:
    document, _new = document_issue(
        actor=cast_ur["users"]["hr"], record=rejected, kind=DocumentKind.REJECTION_NOTICE, language="en"
    )
    assert document.authentication_id is None
    words = _check_pdf(tmp_path, document, "rejection")
    flat = words.replace("\n", "")
    assert "利用不承認通知書" in words
    assert "REQ-PLEDGE" in words  # the requirement that fails
    assert "誓約書" in flat and REJECTION_REASON[:12] in flat
    assert "Requirements not met" in words


def test_revocation_notice_says_why_and_the_cooldown(
    revoked: AuthenticationId, cast_ur: dict[str, Any], tmp_path: Path
) -> None:
    document, _new = document_issue(
        actor=cast_ur["users"]["reviewer_tokyo"],
        record=revoked,
        kind=DocumentKind.REVOCATION_NOTICE,
        language="ja",
    )
    assert document.authentication_id_id == revoked.pk
    words = _check_pdf(tmp_path, document, "revocation")
    flat = words.replace("\n", "")
    # flat: a line may break inside the ID, depending on the random code's glyph widths
    assert "認証ID抹消通知書" in words and auth_ids.display(revoked.code) in flat
    assert "処分" in flat and REVOCATION_NOTE[:10] in flat and "1年間" in flat


def test_periodic_report_acceptance_lists_the_extended_ids(
    periodic: UsageRequest, active_id: AuthenticationId, cast_ur: dict[str, Any], tmp_path: Path
) -> None:
    document, _new = document_issue(
        actor=cast_ur["users"]["hr"],
        record=periodic,
        kind=DocumentKind.PERIODIC_REPORT_ACCEPTANCE,
        language="ja",
    )
    words = _check_pdf(tmp_path, document, "periodic")
    extended = AuthenticationId.objects.get(pk=active_id.pk).valid_until
    assert extended is not None and extended > active_id.valid_until
    assert "定期報告受理通知書" in words and auth_ids.display(active_id.code) in words
    assert f"{extended.month}月{extended.day}日" in words


def test_application_receipt_carries_the_receipt_number(
    received: Application, cast_apps: dict[str, Any], tmp_path: Path
) -> None:
    assert received.receipt_number
    document, _new = document_issue(
        actor=cast_apps["users"]["hr"], record=received, kind=DocumentKind.APPLICATION_RECEIPT, language="en"
    )
    words = _check_pdf(tmp_path, document, "receipt")
    assert received.receipt_number in words and "申請受付票" in words
    assert "NGUYEN VAN AN" in words and "再入国許可申請" in words  # the re-entry filed with it
    assert "20条第6項" in words.replace(
        "\n", ""
    )  # an extension within the period of stay: the special period


def test_audit_trail_lists_the_records_events_and_is_reissued_after_a_new_one(
    rejected: UsageRequest, cast_ur: dict[str, Any], tmp_path: Path
) -> None:
    auditor = cast_ur["users"]["auditor"]
    first, _new = document_issue(actor=auditor, record=rejected, kind=DocumentKind.AUDIT_TRAIL, language="ja")
    assert first.as_of_seq == last_event_seq(rejected)
    words = _check_pdf(tmp_path, first, "trail")
    for action in ("usage_request.created", "usage_request.submit", "usage_request.reject"):
        assert action in words
    latest = AuditEvent.objects.for_target(rejected).order_by("-global_seq").first()
    assert latest.hash[:32] in words.replace("\n", "")
    # Issuing it wrote an event about the document, not about the record: still the same trail.
    again, new = document_issue(actor=auditor, record=rejected, kind=DocumentKind.AUDIT_TRAIL, language="ja")
    assert not new and again.pk == first.pk
    from backoffice.workbench.registry import RECORD_KINDS
    from backoffice.workbench.services import comment_post

    comment_post(actor=cast_ur["users"]["reviewer_tokyo"], kind=RECORD_KINDS["usage_requests.usagerequest"],
                 target=rejected, body="不承認通知書を送付しました。")  # fmt: skip
    newer, new = document_issue(actor=auditor, record=rejected, kind=DocumentKind.AUDIT_TRAIL, language="ja")
    assert new and newer.as_of_seq > first.as_of_seq
    assert "不承認通知書を送付しました" in text(write(tmp_path, bytes(newer.content), "trail2.pdf")).replace(
        "\n", ""
    )


def test_a_record_without_the_document_is_refused(approved: UsageRequest, cast_ur: dict[str, Any]) -> None:
    hr = cast_ur["users"]["hr"]
    for kind in (
        DocumentKind.REJECTION_NOTICE,
        DocumentKind.PERIODIC_REPORT_ACCEPTANCE,
        "monthly_report",
        "nope",
    ):
        with pytest.raises(ValidationError):
            document_issue(actor=hr, record=approved, kind=kind, language="ja")
    with pytest.raises(ValidationError):
        document_issue(actor=hr, record=approved, kind=DocumentKind.APPROVAL_NOTICE, language="fr")
    assert not IssuedDocument.objects.exists()


def test_a_request_still_under_review_has_only_its_audit_trail(cast_ur: dict[str, Any]) -> None:
    from tests.usage_requests.conftest import GOOD_FACTS
    from usage_requests.services import usage_request_create

    users = cast_ur["users"]
    request = usage_request_create(
        actor=users["hr"],
        institution=cast_ur["company"],
        acting_for=None,
        kind="new",
        declared_facts=dict(GOOD_FACTS),
    )
    usage_request_transition(actor=users["hr"], request_id=request.pk, name="submit")
    with pytest.raises(ValidationError):
        document_issue(actor=users["hr"], record=request, kind=DocumentKind.APPROVAL_NOTICE, language="ja")
    document, _new = document_issue(
        actor=users["hr"], record=request, kind=DocumentKind.AUDIT_TRAIL, language="ja"
    )
    assert document.kind == DocumentKind.AUDIT_TRAIL
