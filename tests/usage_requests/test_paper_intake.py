"""Requests by post or at the counter, recorded by a reviewer with the scanned papers."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from reportlab.pdfgen import canvas

from backoffice.audit.models import AuditEvent
from backoffice.periods import add_business_days
from backoffice.workbench.models import OutboxMessage
from institutions.models import StaffMembership
from tests.usage_requests.conftest import GOOD_FACTS
from usage_requests.intake_services import usage_request_record_paper
from usage_requests.models import RequestDocument, UsageRequest


def _pdf(text: str = "利用申出書") -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text)
    page.save()
    return buffer.getvalue()


def _record(cast: dict[str, Any], **overrides: Any) -> UsageRequest:
    arguments: dict[str, Any] = {
        "actor": cast["users"]["reviewer_tokyo"], "institution": cast["company"], "kind": "new",
        "channel": "post", "received_on": timezone.localdate() - timedelta(days=3),
        "declared_facts": GOOD_FACTS, "papers": [("other", "form.pdf", _pdf()), ("pledge", "p.pdf", _pdf("誓約書"))],
        "filer": cast["users"]["hr"],
    }  # fmt: skip
    arguments.update(overrides)
    return usage_request_record_paper(**arguments)


@pytest.mark.django_db
def test_a_paper_request_joins_the_queue_as_of_its_receipt(cast_ur: dict[str, Any], tmp_path: Any) -> None:
    with override_settings(MEDIA_ROOT=str(tmp_path)):
        recorded = _record(cast_ur)
    received = timezone.localdate() - timedelta(days=3)
    assert recorded.state == "submitted" and recorded.channel == "post"
    assert recorded.received_on == received and recorded.submitted_on == received
    assert recorded.review is not None and recorded.review.due_on == add_business_days(received, 5)
    assert (
        recorded.review.evaluated_on == received
        and recorded.review.bureau_id == cast_ur["users"]["reviewer_tokyo"].bureau_id
    )
    assert sorted(RequestDocument.objects.filter(request=recorded).values_list("kind", flat=True)) == [
        "other",
        "pledge",
    ]
    actions = list(AuditEvent.objects.filter(target_id=str(recorded.pk)).values_list("action", flat=True))
    assert "usage_request.recorded" in actions and "usage_request.submit" in actions
    assert actions.count("usage_request.document_attached") == 2
    mail = OutboxMessage.objects.get(recipient=cast_ur["users"]["hr"].email)
    assert received.isoformat() in mail.body, "the filer is told the date of receipt"


@pytest.mark.django_db
def test_a_new_filer_gets_an_account_without_a_password(cast_ur: dict[str, Any], tmp_path: Any) -> None:
    with override_settings(MEDIA_ROOT=str(tmp_path)):
        recorded = _record(cast_ur, filer=None, new_filer=("山田 花子", "ＹＡＭＡＤＡ@example.test"))
    filer = recorded.filer
    assert filer.email == "yamada@example.test" and filer.display_name == "山田 花子"
    assert not filer.has_usable_password() and filer.role == "institution_staff"
    assert StaffMembership.objects.filter(user=filer, institution=cast_ur["company"]).exists()
    with override_settings(MEDIA_ROOT=str(tmp_path)):
        again = _record(cast_ur, filer=None, new_filer=("山田 花子", "yamada@example.test"))
    assert again.filer == filer, "the same person is found again by address"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"received_on": timezone.localdate() + timedelta(days=1)}, "received_on"),
        ({"received_on": timezone.localdate() - timedelta(days=400)}, "received_on"),
        ({"channel": "online"}, "channel"),
        ({"papers": []}, "papers"),
        ({"papers": [("other", "scan.pdf", b"GIF89a not a pdf")]}, "file"),
        ({"filer": None}, "filer"),
        ({"filer": None, "new_filer": ("x", "support@example.test")}, "filer_email"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(
    cast_ur: dict[str, Any], tmp_path: Any, overrides: dict[str, Any], field: str
) -> None:
    if overrides.get("new_filer") and overrides["new_filer"][1] == "support@example.test":
        overrides["new_filer"] = ("x", cast_ur["users"]["support"].email)
    before = (UsageRequest.objects.count(), RequestDocument.objects.count(), AuditEvent.objects.count())
    with override_settings(MEDIA_ROOT=str(tmp_path)), pytest.raises(ValidationError) as raised:
        _record(cast_ur, **overrides)
    assert field in raised.value.message_dict, raised.value.message_dict
    assert (
        UsageRequest.objects.count(),
        RequestDocument.objects.count(),
        AuditEvent.objects.count(),
    ) == before
    assert not list(tmp_path.rglob("*.pdf")), "no file kept"


@pytest.mark.django_db
def test_only_reviewers_of_the_bureau_with_jurisdiction(cast_ur: dict[str, Any]) -> None:
    for who in ("reviewer_osaka", "hr", "auditor"):
        with pytest.raises(PermissionDenied):
            _record(cast_ur, actor=cast_ur["users"][who])


@pytest.mark.django_db
def test_the_page_finds_the_institution_and_records(
    client_for: Any, cast_ur: dict[str, Any], tmp_path: Any
) -> None:
    client = client_for("reviewer_tokyo")
    url = reverse("usage_requests:record_paper")
    found = client.get(url, {"q": cast_ur["company"].name[:3]})
    assert found.status_code == 200 and cast_ur["company"] in found.context["matches"]
    page = client.get(url, {"institution": cast_ur["company"].pk})
    assert page.status_code == 200 and "form" in page.context
    data = {
        "kind": "new", "channel": "counter", "received_on": timezone.localdate().isoformat(),
        "filer": str(cast_ur["users"]["hr"].pk), "pledge_submitted": "yes", "notifications_filed": "yes",
        "paper_other": SimpleUploadedFile("申出書.pdf", _pdf(), content_type="application/pdf"),
    }  # fmt: skip
    with override_settings(MEDIA_ROOT=str(tmp_path)):
        done = client.post(f"{url}?institution={cast_ur['company'].pk}", data)
    assert done.status_code == 302, getattr(done, "context", None) and done.context["form"].errors
    recorded = UsageRequest.objects.get()
    assert done["Location"] == reverse("usage_requests:detail", args=[recorded.pk])
    assert recorded.channel == "counter" and recorded.documents.get().original_name == "申出書.pdf"
    bad = dict(data, paper_other=SimpleUploadedFile("x.pdf", b"not a pdf"))
    with override_settings(MEDIA_ROOT=str(tmp_path)):
        refused = client.post(f"{url}?institution={cast_ur['company'].pk}", bad)
    assert refused.status_code == 400 and UsageRequest.objects.count() == 1
    other_bureau = client_for("reviewer_osaka").get(url, {"institution": cast_ur["company"].pk})
    assert other_bureau.context["institution"] is None, "outside the bureau's jurisdiction"
