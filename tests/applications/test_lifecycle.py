"""The application's lifecycle end to end through the services, and its forbidden variants."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from applications import examination, services
from applications.models import Application, ApplicationState
from applications.receipts import receipts_assign
from applications.rules.catalogue import Procedure
from backoffice.audit.models import AuditEvent
from backoffice.workbench.models import OutboxMessage
from tests.applications.conftest import ENCRYPTED_PDF, JPEG, PDF

pytestmark = pytest.mark.django_db


def extension(cast: dict[str, Any], **overrides: Any) -> services.ApplicantInput:
    employee = cast["employee"]
    data = dict(
        procedure=Procedure.EXTENSION, status="engineer_humanities_international", subject_name=employee.name,
        nationality=employee.nationality, date_of_birth=employee.date_of_birth, sex="M", prefecture_code="13",
        address="東京都新宿区西新宿2-8-1", employee_id=employee.pk, with_=(Procedure.REENTRY,),
        notification_email="an@example.com", current_status="engineer_humanities_international",
        period_of_stay_until=employee.period_of_stay_until,
    )  # fmt: skip
    data.update(overrides)
    return services.ApplicantInput(**data)


def filed(cast: dict[str, Any], **overrides: Any) -> Application:
    hr = cast["users"]["hr"]
    filing = services.filing_create(actor=hr, applicants=[extension(cast, **overrides)])
    principal = filing.applications.get(principal__isnull=True)
    services.attachment_add(actor=hr, application_id=principal.pk, kind="document", name="docs.pdf", data=PDF)
    services.attachment_add(actor=hr, application_id=principal.pk, kind="photo", name="photo.jpg", data=JPEG)
    services.filing_submit(actor=hr, filing_id=filing.pk)
    return Application.objects.get(pk=principal.pk)


def test_filing_bundles_reentry_and_submits_both(cast_apps: dict[str, Any]) -> None:
    application = filed(cast_apps)
    assert application.state == ApplicationState.SUBMITTED
    assert application.provisional_number.startswith("P-")
    assert application.bureau.code == "tokyo"
    reentry = application.accompanying.get()
    assert reentry.procedure == "reentry" and reentry.state == ApplicationState.SUBMITTED
    # one "filed" mail per application to the filer, and one each to the foreign national
    subjects = [(m.recipient, m.subject) for m in OutboxMessage.objects.all()]
    assert sum(1 for r, s in subjects if r == "an@example.com") == 2


def test_nightly_numbers_are_gap_free_per_office(cast_apps: dict[str, Any]) -> None:
    first = filed(cast_apps)
    tomorrow = timezone.now() + timedelta(days=1)
    given = receipts_assign(now=tomorrow)
    assert given == {"東オン": 2}
    numbers = sorted(Application.objects.values_list("receipt_serial", flat=True))
    assert numbers == [1, 2]
    first.refresh_from_db()
    assert first.receipt_number == f"東オン{timezone.localtime(tomorrow).year}-000001"
    assert first.state == ApplicationState.RECEIVED
    assert receipts_assign(now=tomorrow) == {}  # a second run finds nothing left
    receipt_mails = OutboxMessage.objects.filter(subject__contains="受付番号")
    assert receipt_mails.filter(recipient="an@example.com").count() == 2
    assert "申請中" in receipt_mails.first().body


def test_same_day_filings_wait_for_the_next_night(cast_apps: dict[str, Any]) -> None:
    filed(cast_apps)
    assert receipts_assign(now=timezone.now()) == {}


def test_examination_supplement_grant_fee_mail_complete(cast_apps: dict[str, Any]) -> None:
    users = cast_apps["users"]
    application = filed(cast_apps)
    receipts_assign(now=timezone.now() + timedelta(days=1))
    reviewer, hr = users["reviewer_tokyo"], users["hr"]
    examination.application_transition(
        actor=reviewer, application_id=application.pk, name="start_examination"
    )
    with pytest.raises(PermissionDenied):
        examination.application_transition(
            actor=users["reviewer_osaka"], application_id=application.pk, name="grant"
        )
    with pytest.raises(PermissionDenied):
        examination.application_transition(actor=hr, application_id=application.pk, name="grant")
    examination.supplement_request(
        actor=reviewer,
        application_id=application.pk,
        message="雇用契約書の写し",
        due_on=timezone.localdate() + timedelta(days=14),
    )
    application.refresh_from_db()
    assert application.state == ApplicationState.AWAITING_SUPPLEMENT
    with pytest.raises(ValidationError):
        examination.supplement_answer(actor=hr, application_id=application.pk, files=[("x.pdf", JPEG)])
    application.refresh_from_db()
    assert application.state == ApplicationState.AWAITING_SUPPLEMENT  # nothing half-saved
    examination.supplement_answer(actor=hr, application_id=application.pk, files=[("contract.pdf", PDF)])
    examination.application_transition(actor=reviewer, application_id=application.pk, name="grant")
    with pytest.raises(ValidationError):
        examination.application_transition(actor=reviewer, application_id=application.pk, name="complete")
    examination.fee_confirm(actor=reviewer, application_id=application.pk)
    application.refresh_from_db()
    assert application.fee_yen == 5500  # online rate from 2025-04-01
    with pytest.raises(ValidationError):
        examination.application_transition(actor=reviewer, application_id=application.pk, name="complete")
    examination.card_mail(actor=reviewer, application_id=application.pk, tracking_number="1234-5678-9012")
    examination.application_transition(actor=reviewer, application_id=application.pk, name="complete")
    application.refresh_from_db()
    assert application.state == ApplicationState.COMPLETED
    actions = list(
        AuditEvent.objects.for_target(application)
        .exclude(action="application.attachment_added")
        .order_by("global_seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        "application.submit", "application.receive", "application.start_examination", "application.request_supplement",
        "application.answer_supplement", "application.grant", "application.confirm_fee", "application.mail_card",
        "application.complete",
    ]  # fmt: skip
    assert len(mail.outbox) == 0  # mail goes through the outbox table, not at once


def test_denial_needs_reasons_and_withdrawal_stops_before_a_decision(cast_apps: dict[str, Any]) -> None:
    users = cast_apps["users"]
    application = filed(cast_apps)
    receipts_assign(now=timezone.now() + timedelta(days=1))
    reviewer = users["reviewer_tokyo"]
    examination.application_transition(
        actor=reviewer, application_id=application.pk, name="start_examination"
    )
    with pytest.raises(ValidationError):
        examination.application_transition(actor=reviewer, application_id=application.pk, name="deny")
    examination.application_transition(
        actor=reviewer, application_id=application.pk, name="deny", reason="活動実態が不明"
    )
    with pytest.raises(ValidationError):
        examination.application_transition(actor=users["hr"], application_id=application.pk, name="withdraw")


def test_matrix_refuses_an_employee_of_another_institution(cast_apps: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        services.filing_create(
            actor=cast_apps["users"]["hr"],
            applicants=[extension(cast_apps, employee_id=cast_apps["other_employee"].pk)],
        )
    assert not Application.objects.exists()


def test_matrix_refuses_the_last_day_of_stay(cast_apps: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as refusal:
        services.filing_create(
            actor=cast_apps["users"]["hr"],
            applicants=[extension(cast_apps, period_of_stay_until=timezone.localdate())],
        )
    assert "満了日" in str(refusal.value) or "last day" in str(refusal.value)


def test_submit_needs_documents_and_photo(cast_apps: dict[str, Any]) -> None:
    hr = cast_apps["users"]["hr"]
    filing = services.filing_create(actor=hr, applicants=[extension(cast_apps)])
    with pytest.raises(ValidationError):
        services.filing_submit(actor=hr, filing_id=filing.pk)
    assert set(filing.applications.values_list("state", flat=True)) == {"draft"}


def test_encrypted_or_renamed_files_are_refused(cast_apps: dict[str, Any]) -> None:
    hr = cast_apps["users"]["hr"]
    filing = services.filing_create(actor=hr, applicants=[extension(cast_apps)])
    principal = filing.applications.get(principal__isnull=True)
    with pytest.raises(ValidationError):
        services.attachment_add(
            actor=hr, application_id=principal.pk, kind="document", name="photo.pdf", data=JPEG
        )
    with pytest.raises(ValidationError):
        services.attachment_add(
            actor=hr, application_id=principal.pk, kind="document", name="e.pdf", data=ENCRYPTED_PDF
        )
    with pytest.raises(ValidationError):
        services.attachment_add(actor=hr, application_id=principal.pk, kind="photo", name="p.png", data=PDF)
    assert not principal.attachments.exists()


def test_withdrawing_the_principal_withdraws_its_reentry(cast_apps: dict[str, Any]) -> None:
    application = filed(cast_apps)
    examination.application_transition(
        actor=cast_apps["users"]["hr"], application_id=application.pk, name="withdraw"
    )
    reentry = application.accompanying.get()
    assert reentry.state == ApplicationState.WITHDRAWN
    assert AuditEvent.objects.for_target(reentry).filter(action="application.withdraw").count() == 1


def test_each_language_of_a_mail_names_the_procedure_in_that_language(cast_apps: dict[str, Any]) -> None:
    from django.utils import translation

    with translation.override("en"):  # as in a management command or a worker: not the recipient's language
        filed(cast_apps)
    body = OutboxMessage.objects.filter(recipient="an@example.com").first().body
    japanese, english = body.split("-" * 70)
    assert "在留期間更新" in japanese and "Extension of period of stay" not in japanese
    assert "Extension of period of stay" in english
