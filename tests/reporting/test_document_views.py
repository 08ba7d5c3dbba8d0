"""Documents in the workbench: the record pages offer them, whoever may see the record issues
and downloads them (others get 404), auditors see and download every one from the register."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from applications.models import Application
from backoffice.audit.models import AuditEvent
from reporting.models import DocumentKind, IssuedDocument
from tests.conftest import login_as
from usage_requests.models import AuthenticationId, UsageRequest

pytestmark = pytest.mark.django_db


def _issue_url(subject: str, pk: int, kind: str, language: str = "ja") -> str:
    return reverse("reporting:document_issue", args=[subject, pk, kind, language])


def _client(cast: dict[str, Any], name: str) -> Client:
    return login_as(Client(), cast["users"][name])


def test_the_request_page_offers_its_documents(approved: UsageRequest, cast_ur: dict[str, Any]) -> None:
    page = _client(cast_ur, "hr").get(reverse("usage_requests:detail", args=[approved.pk])).content.decode()
    assert 'data-document="approval_notice-ja"' in page and 'data-document="approval_notice-en"' in page
    assert 'data-document="audit_trail-en"' in page
    assert _issue_url("usage-request", approved.pk, DocumentKind.APPROVAL_NOTICE, "en") in page
    # The ID has its own panel: its audit trail (a revocation notice only once it is revoked).
    assert _issue_url("auth-id", approved.auth_id.pk, DocumentKind.AUDIT_TRAIL) in page
    assert 'data-document="revocation_notice-ja"' not in page
    assert 'data-document="rejection_notice-ja"' not in page


def test_issue_download_and_who_may(approved: UsageRequest, cast_ur: dict[str, Any]) -> None:
    url = _issue_url("usage-request", approved.pk, DocumentKind.APPROVAL_NOTICE)
    response = _client(cast_ur, "hr").post(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    document = IssuedDocument.objects.get()
    assert response.content == bytes(document.content)
    assert f"approval_notice-{document.number}.pdf" in response["Content-Disposition"]
    # The Tokyo supervisor and the auditor get the very same file; outsiders get 404.
    for name in ("supervisor_tokyo", "auditor"):
        again = _client(cast_ur, name).post(url)
        assert again.status_code == 200 and again.content == response.content
    for name in ("hr_other", "reviewer_osaka", "support", "public_interest", "foreign_national", "lawyer"):
        assert _client(cast_ur, name).post(url).status_code == 404, name
    assert Client().post(url).status_code == 302  # to the login page
    assert _client(cast_ur, "hr").get(url).status_code == 405  # issuing is a POST
    assert IssuedDocument.objects.count() == 1


def test_document_page_and_download_follow_the_records_scope(
    approved: UsageRequest, cast_ur: dict[str, Any]
) -> None:
    _client(cast_ur, "hr").post(_issue_url("usage-request", approved.pk, DocumentKind.APPROVAL_NOTICE))
    document = IssuedDocument.objects.get()
    page_url = reverse("reporting:document", args=[document.number])
    pdf_url = reverse("reporting:document_pdf", args=[document.number])
    for name, status in [("hr", 200), ("auditor", 200), ("admin", 200), ("supervisor_tokyo", 200),
                         ("hr_other", 404), ("reviewer_osaka", 404), ("foreign_national", 404)]:  # fmt: skip
        assert _client(cast_ur, name).get(page_url).status_code == status, name
        assert _client(cast_ur, name).get(pdf_url).status_code == status, name
    auditor = _client(cast_ur, "auditor")
    page = auditor.get(page_url).content.decode()
    assert document.sha256 in page and reverse("verify_document", args=[document.number]) in page
    handed_out = AuditEvent.objects.filter(
        action="document.pdf_downloaded", actor_id=cast_ur["users"]["auditor"].pk
    )
    before = handed_out.count()
    download = auditor.get(pdf_url)
    assert download.content == bytes(document.content)
    assert handed_out.count() == before + 1
    # Refused downloads hand nothing out.
    hr_other = cast_ur["users"]["hr_other"].pk
    assert not AuditEvent.objects.filter(action__startswith="document.", actor_id=hr_other).exists()


def test_the_register_is_for_auditors_and_administrators(
    received: Application, cast_apps: dict[str, Any]
) -> None:
    cast_ur = cast_apps
    approved = cast_apps["auth_id"].usage_request
    _client(cast_ur, "hr").post(_issue_url("usage-request", approved.pk, DocumentKind.APPROVAL_NOTICE))
    _client(cast_ur, "auditor").post(
        _issue_url("application", received.pk, DocumentKind.APPLICATION_RECEIPT, "en")
    )
    numbers = list(IssuedDocument.objects.values_list("number", flat=True))
    assert len(numbers) == 2
    listing = _client(cast_ur, "auditor").get(reverse("reporting:documents")).content.decode()
    for number in numbers:
        assert reverse("reporting:document", args=[number]) in listing
    assert _client(cast_ur, "admin").get(reverse("reporting:documents")).status_code == 200
    assert _client(cast_ur, "hr").get(reverse("reporting:documents")).status_code == 403


def test_application_receipt_from_the_application_page(
    received: Application, cast_apps: dict[str, Any]
) -> None:
    page = _client(cast_apps, "hr").get(reverse("applications:detail", args=[received.pk])).content.decode()
    url = _issue_url("application", received.pk, DocumentKind.APPLICATION_RECEIPT)
    assert url in page
    assert _client(cast_apps, "hr").post(url)["Content-Type"] == "application/pdf"
    assert _client(cast_apps, "reviewer_osaka").post(url).status_code == 404
    assert _client(cast_apps, "hr_other").post(url).status_code == 404


def test_revocation_notice_from_the_id_panel(revoked: AuthenticationId, cast_ur: dict[str, Any]) -> None:
    page = (
        _client(cast_ur, "hr")
        .get(reverse("usage_requests:detail", args=[revoked.usage_request_id]))
        .content.decode()
    )
    url = _issue_url("auth-id", revoked.pk, DocumentKind.REVOCATION_NOTICE, "en")
    assert url in page
    response = _client(cast_ur, "hr").post(url)
    assert response["Content-Type"] == "application/pdf"
    assert IssuedDocument.objects.get().authentication_id_id == revoked.pk
    assert _client(cast_ur, "hr_other").post(url).status_code == 404


def test_a_document_the_record_does_not_have_is_refused_with_a_message(
    approved: UsageRequest, cast_ur: dict[str, Any]
) -> None:
    client = _client(cast_ur, "hr")
    for kind, language in [
        (DocumentKind.REJECTION_NOTICE, "ja"),
        ("nonsense", "ja"),
        (DocumentKind.APPROVAL_NOTICE, "fr"),
    ]:
        response = client.post(_issue_url("usage-request", approved.pk, kind, language))
        assert response.status_code == 303
        assert response["Location"] == reverse("usage_requests:detail", args=[approved.pk])
        assert list(get_messages(response.wsgi_request))
    assert client.post(_issue_url("nonsense", approved.pk, DocumentKind.AUDIT_TRAIL)).status_code == 404
    assert not IssuedDocument.objects.exists()
