"""Every lifecycle step of a residence application from every state, through the services.

A step succeeds exactly from the source states its ``@transition`` declares, and from any other
state it is refused with a ValidationError that leaves the record, its audit trail, its files and
the outbox as they were. The right actor matters: filer-side steps refuse the bureau, examiner
steps refuse the filer and the other bureau. A stale copy of the record cannot overwrite a
transition someone else made in the meantime.

The application is the HR officer's extension (without a re-entry permit: one application per
filing), driven into each state through the services."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django_fsm import ConcurrentTransition

from applications import examination, services
from applications.models import Application, ApplicationState, Attachment, SupplementRequest
from applications.receipts import receipts_assign
from applications.rules.catalogue import Procedure
from backoffice.audit.models import AuditEvent
from backoffice.workbench.models import OutboxMessage
from tests.applications.conftest import JPEG, PDF

pytestmark = pytest.mark.django_db

S = ApplicationState
STATES = list(ApplicationState)
TRACKING = "1234-5678-9012"
REASON = "活動実態が不明"

# The steps under test, with the source → target states of their @transition declarations.
STEPS: dict[str, tuple[set[ApplicationState], ApplicationState]] = {
    "start_examination": ({S.RECEIVED}, S.UNDER_EXAMINATION),
    "grant": ({S.UNDER_EXAMINATION}, S.GRANTED),
    "deny": ({S.UNDER_EXAMINATION}, S.DENIED),
    "complete": ({S.AWAITING_ISSUE}, S.COMPLETED),
    "withdraw": (
        {S.DRAFT, S.SUBMITTED, S.RECEIVED, S.UNDER_EXAMINATION, S.AWAITING_SUPPLEMENT},
        S.WITHDRAWN,
    ),
    "supplement_request": ({S.UNDER_EXAMINATION}, S.AWAITING_SUPPLEMENT),
    "supplement_answer": ({S.AWAITING_SUPPLEMENT}, S.UNDER_EXAMINATION),
    "fee_confirm": ({S.GRANTED}, S.AWAITING_ISSUE),
    "card_mail": ({S.AWAITING_ISSUE}, S.AWAITING_ISSUE),
    "filing_submit": ({S.DRAFT}, S.SUBMITTED),
}
# The model's transition method behind each service (its name is also the audit action).
FSM_METHOD = {
    "supplement_request": "request_supplement",
    "supplement_answer": "answer_supplement",
    "fee_confirm": "confirm_fee",
    "card_mail": "mail_card",
    "filing_submit": "submit",
}
FILER_STEPS = ("withdraw", "supplement_answer", "filing_submit")
EXAMINER_STEPS = tuple(s for s in STEPS if s not in FILER_STEPS)


def method_of(step: str) -> str:
    return FSM_METHOD.get(step, step)


# --- driving an application into a state -----------------------------------------------------


def applicant(cast: dict[str, Any]) -> services.ApplicantInput:
    employee = cast["employee"]
    return services.ApplicantInput(
        procedure=Procedure.EXTENSION, status="engineer_humanities_international", subject_name=employee.name,
        nationality=employee.nationality, date_of_birth=employee.date_of_birth, sex="M", prefecture_code="13",
        address="東京都新宿区西新宿2-8-1", employee_id=employee.pk, notification_email="an@example.com",
        current_status="engineer_humanities_international", period_of_stay_until=employee.period_of_stay_until,
    )  # fmt: skip


def reach(cast: dict[str, Any], state: ApplicationState) -> Application:
    """A new application, taken to ``state`` by the same services the pages use."""
    users = cast["users"]
    hr, reviewer = users["hr"], users["reviewer_tokyo"]
    filing = services.filing_create(actor=hr, applicants=[applicant(cast)])
    application = filing.applications.get()
    pk = application.pk
    services.attachment_add(actor=hr, application_id=pk, kind="document", name="docs.pdf", data=PDF)
    services.attachment_add(actor=hr, application_id=pk, kind="photo", name="photo.jpg", data=JPEG)

    def step(name: str, actor: Any = reviewer, **kwargs: Any) -> None:
        examination.application_transition(actor=actor, application_id=pk, name=name, **kwargs)

    if state != S.DRAFT:
        services.filing_submit(actor=hr, filing_id=filing.pk)
    if state == S.WITHDRAWN:
        step("withdraw", actor=hr)
    elif state not in {S.DRAFT, S.SUBMITTED}:
        receipts_assign(now=timezone.now() + timedelta(days=1))
        if state != S.RECEIVED:
            step("start_examination")
        if state == S.AWAITING_SUPPLEMENT:
            due_on = timezone.localdate() + timedelta(days=14)
            examination.supplement_request(
                actor=reviewer, application_id=pk, message="雇用契約書の写し", due_on=due_on
            )
        elif state == S.DENIED:
            step("deny", reason=REASON)
        elif state in {S.GRANTED, S.AWAITING_ISSUE, S.COMPLETED}:
            step("grant")
            if state != S.GRANTED:
                examination.fee_confirm(actor=reviewer, application_id=pk)
            if state == S.COMPLETED:
                examination.card_mail(actor=reviewer, application_id=pk, tracking_number=TRACKING)
                step("complete")
    reached: Application = Application.objects.get(pk=pk)
    assert reached.state == state
    return reached


def prepare(step: str, cast: dict[str, Any], application: Application) -> None:
    """What the step needs besides the state, so that only the state decides.

    An answer needs an open supplement request (given in every state, so that the refusal comes
    from the state); completion needs the card mailed first."""
    reviewer = cast["users"]["reviewer_tokyo"]
    if step == "supplement_answer" and not application.supplements.filter(answered_at__isnull=True).exists():
        SupplementRequest.objects.create(
            application=application, message="在職証明書", requested_by=reviewer,
            due_on=timezone.localdate() + timedelta(days=14),
        )  # fmt: skip
    if step == "complete" and application.state == S.AWAITING_ISSUE:
        examination.card_mail(actor=reviewer, application_id=application.pk, tracking_number=TRACKING)


def default_actor(step: str, cast: dict[str, Any]) -> Any:
    return cast["users"]["hr" if step in FILER_STEPS else "reviewer_tokyo"]


def run(step: str, application: Application, actor: Any) -> Any:
    pk = application.pk
    if step in examination.GENERIC_STEPS:
        reason = REASON if step == "deny" else ""
        return examination.application_transition(actor=actor, application_id=pk, name=step, reason=reason)
    if step == "supplement_request":
        return examination.supplement_request(
            actor=actor, application_id=pk, message="住民税の課税証明書",
            due_on=timezone.localdate() + timedelta(days=30),
        )  # fmt: skip
    if step == "supplement_answer":
        return examination.supplement_answer(
            actor=actor, application_id=pk, files=[("certificate.pdf", PDF)], note="添付します"
        )
    if step == "fee_confirm":
        return examination.fee_confirm(actor=actor, application_id=pk)
    if step == "card_mail":
        return examination.card_mail(actor=actor, application_id=pk, tracking_number="9876-5432-1098")
    if step == "filing_submit":
        return services.filing_submit(actor=actor, filing_id=application.filing_id)
    raise AssertionError(step)


RECORD_FIELDS = (
    "state", "bureau_id", "provisional_number", "receipt_number", "submitted_at", "examiner_id", "decided_at",
    "decision_reason", "fee_yen", "fee_confirmed_at", "tracking_number", "mailed_at", "completed_at",
    "withdrawn_at", "updated_at",
)  # fmt: skip


def snapshot(application: Application) -> dict[str, Any]:
    """Everything a refused step must leave as it was."""
    return {
        "record": Application.objects.filter(pk=application.pk).values(*RECORD_FIELDS).get(),
        "audit": list(AuditEvent.objects.order_by("global_seq").values_list("pk", flat=True)),
        "supplements": list(
            SupplementRequest.objects.filter(application=application).values_list("pk", "answered_at")
        ),
        "attachments": list(Attachment.objects.filter(application=application).values_list("pk", flat=True)),
        "outbox": OutboxMessage.objects.count(),
    }


def transition_events(application: Application) -> list[tuple[str, dict[str, Any]]]:
    return [
        (action, data.get("transition"))
        for action, data in AuditEvent.objects.for_target(application)
        .exclude(action="application.attachment_added")
        .order_by("global_seq")
        .values_list("action", "data")
    ]


# --- the declarations are the table above ----------------------------------------------------


def test_the_table_is_the_models_declarations() -> None:
    for step, (sources, target) in STEPS.items():
        declared = getattr(Application, method_of(step))._django_fsm.transitions
        assert set(declared) == sources, step
        assert {t.target for t in declared.values()} == {target}, step


# --- every step from every state -------------------------------------------------------------

ALLOWED = [(step, state) for step, (sources, _t) in STEPS.items() for state in STATES if state in sources]
REFUSED = [(step, state) for step, (sources, _t) in STEPS.items() for state in STATES if state not in sources]


def _ids(cases: list[tuple[str, ApplicationState]]) -> list[str]:
    return [f"{step}-from-{state.value}" for step, state in cases]


@pytest.mark.parametrize(("step", "state"), ALLOWED, ids=_ids(ALLOWED))
def test_step_succeeds_from_its_source_state(
    cast_apps: dict[str, Any], step: str, state: ApplicationState
) -> None:
    application = reach(cast_apps, state)
    prepare(step, cast_apps, application)
    events_before = transition_events(application)
    run(step, application, default_actor(step, cast_apps))

    target = STEPS[step][1]
    application.refresh_from_db()
    assert application.state == target
    events = transition_events(application)
    assert events[: len(events_before)] == events_before
    assert events[len(events_before) :] == [
        (f"application.{method_of(step)}", {"field": "state", "from": state.value, "to": target.value})
    ]
    if step == "filing_submit":
        assert application.provisional_number and application.bureau is not None
        assert application.bureau.code == "tokyo"
    elif step == "card_mail":
        assert application.tracking_number == "9876-5432-1098" and application.mailed_at is not None
    elif step == "withdraw":
        assert application.withdrawn_at is not None
    elif step == "supplement_answer":
        assert not application.supplements.filter(answered_at__isnull=True).exists()


@pytest.mark.parametrize(("step", "state"), REFUSED, ids=_ids(REFUSED))
def test_step_is_refused_from_every_other_state(
    cast_apps: dict[str, Any], step: str, state: ApplicationState
) -> None:
    application = reach(cast_apps, state)
    prepare(step, cast_apps, application)
    before = snapshot(application)
    with translation.override("en"), pytest.raises(ValidationError) as refusal:
        run(step, application, default_actor(step, cast_apps))
    assert snapshot(application) == before
    message = " ".join(refusal.value.messages)
    if step == "filing_submit":
        assert "already been submitted or withdrawn" in message, message
    elif step == "supplement_answer":
        assert "No supplement request is waiting" in message, message
    elif step == "card_mail" and state == S.COMPLETED:
        assert "already been mailed" in message, message  # the completed card was mailed
    else:
        with translation.override("en"):
            label = str(state.label)
        assert "not possible while" in message and label in message, message


def test_completion_waits_for_the_tracking_number(cast_apps: dict[str, Any]) -> None:
    """The only condition in the lifecycle: from its source state, still refused until the card is
    recorded as mailed."""
    application = reach(cast_apps, S.AWAITING_ISSUE)
    before = snapshot(application)
    with translation.override("en"), pytest.raises(ValidationError) as refusal:
        run("complete", application, cast_apps["users"]["reviewer_tokyo"])
    assert "tracking number" in " ".join(refusal.value.messages)
    assert snapshot(application) == before


# --- the right actor -------------------------------------------------------------------------

FILER_REFUSALS = [
    (step, state, who)
    for step in FILER_STEPS
    for state in sorted(STEPS[step][0], key=STATES.index)
    for who in ("reviewer_tokyo", "supervisor_tokyo", "hr_other")
]
EXAMINER_REFUSALS = [
    (step, state, who)
    for step in EXAMINER_STEPS
    for state in STEPS[step][0]
    for who in ("hr", "reviewer_osaka", "auditor", "admin")
]


@pytest.mark.parametrize(
    ("step", "state", "who"),
    FILER_REFUSALS + EXAMINER_REFUSALS,
    ids=[f"{s}-from-{st.value}-by-{w}" for s, st, w in FILER_REFUSALS + EXAMINER_REFUSALS],
)
def test_the_wrong_actor_is_refused(
    cast_apps: dict[str, Any], step: str, state: ApplicationState, who: str
) -> None:
    """Filer-side steps (submit, withdraw, answer a supplement) refuse the bureau and another
    institution's officer; examiner steps refuse the filer, the other bureau, the auditor and the
    administrator. From the step's own source state, so only the actor is wrong."""
    application = reach(cast_apps, state)
    prepare(step, cast_apps, application)
    before = snapshot(application)
    with pytest.raises(PermissionDenied):
        run(step, application, cast_apps["users"][who])
    assert snapshot(application) == before


@pytest.mark.parametrize("step", EXAMINER_STEPS)
def test_the_supervisor_of_the_bureau_may_take_examiner_steps(cast_apps: dict[str, Any], step: str) -> None:
    (state,) = STEPS[step][0]
    application = reach(cast_apps, state)
    prepare(step, cast_apps, application)
    run(step, application, cast_apps["users"]["supervisor_tokyo"])
    application.refresh_from_db()
    assert application.state == STEPS[step][1]
    last = AuditEvent.objects.for_target(application).order_by("-global_seq").first()
    assert last is not None and last.actor_label == "supervisor_tokyo"


# --- concurrent changes ----------------------------------------------------------------------

RACES = [
    # (state, the transition that wins, the stale copy's transition)
    (S.RECEIVED, "start_examination", "withdraw"),
    (S.RECEIVED, "withdraw", "start_examination"),
    (S.UNDER_EXAMINATION, "grant", "deny"),
    (S.UNDER_EXAMINATION, "request_supplement", "grant"),
    (S.UNDER_EXAMINATION, "withdraw", "grant"),
    (S.AWAITING_SUPPLEMENT, "answer_supplement", "withdraw"),
    (S.AWAITING_ISSUE, "mail_card", "mail_card"),
]


@pytest.mark.parametrize(
    ("state", "first", "second"), RACES, ids=[f"{s.value}-{a}-then-{b}" for s, a, b in RACES]
)
def test_a_stale_copy_cannot_save_over_a_transition(
    cast_apps: dict[str, Any], state: ApplicationState, first: str, second: str
) -> None:
    """Two copies loaded before either moves: the second save finds the state changed."""
    application = reach(cast_apps, state)
    winner = Application.objects.get(pk=application.pk)
    stale = Application.objects.get(pk=application.pk)
    getattr(winner, first)()
    winner.save()
    after = Application.objects.filter(pk=application.pk).values(*RECORD_FIELDS).get()
    if first == second == "mail_card":
        # The same transition twice: a self-loop does not change the state, so the state-based
        # optimistic lock cannot see it; the service refuses the second on the tracking number.
        return
    getattr(stale, second)()
    stale.decision_reason = "stale"
    with pytest.raises(ConcurrentTransition), transaction.atomic():  # as the services save
        stale.save()
    assert Application.objects.filter(pk=application.pk).values(*RECORD_FIELDS).get() == after


def test_a_decision_on_a_stale_record_is_refused_by_the_service(cast_apps: dict[str, Any]) -> None:
    """The Tokyo reviewer denies while another examiner's page still holds the record under
    examination: the grant on the stale copy is refused with a message, and nothing of it stays
    (no audit event, no "granted" mail)."""
    users = cast_apps["users"]
    application = reach(cast_apps, S.UNDER_EXAMINATION)
    stale = Application.objects.select_related("filer", "bureau").get(pk=application.pk)
    run("deny", application, users["reviewer_tokyo"])
    before = snapshot(application)
    with (
        mock.patch.object(examination, "_locked", return_value=stale),
        translation.override("en"),
        pytest.raises(ValidationError) as refusal,
    ):
        examination.application_transition(
            actor=users["supervisor_tokyo"], application_id=application.pk, name="grant"
        )
    assert "Someone else changed" in " ".join(refusal.value.messages)
    assert snapshot(application) == before
    application.refresh_from_db()
    assert application.state == S.DENIED and application.decision_reason == REASON


def test_a_filing_changed_during_submission_is_refused_by_the_service(cast_apps: dict[str, Any]) -> None:
    """Between the read of the filing and the save, someone else withdraws the draft: the
    submission is refused with a message, and nothing is numbered, audited or mailed."""
    hr = cast_apps["users"]["hr"]
    application = reach(cast_apps, S.DRAFT)
    before = snapshot(application)
    original = services.filing_missing

    def withdrawn_meanwhile(filing: Any) -> list[str]:
        Application.objects.filter(pk=application.pk).update(state=S.WITHDRAWN)
        return original(filing)

    with (
        mock.patch.object(services, "filing_missing", side_effect=withdrawn_meanwhile),
        translation.override("en"),
        pytest.raises(ValidationError) as refusal,
    ):
        services.filing_submit(actor=hr, filing_id=application.filing_id)
    assert "Someone else changed" in " ".join(refusal.value.messages)
    assert snapshot(application) == before  # the concurrent change was rolled back with it
    application.refresh_from_db()
    assert application.provisional_number is None and application.filing.submitted_at is None


STALE_SERVICES = [
    # (state, the step on a stale copy, the step someone else took first)
    (S.UNDER_EXAMINATION, "supplement_request", "supplement_request"),
    (S.UNDER_EXAMINATION, "supplement_request", "withdraw"),
    (S.AWAITING_SUPPLEMENT, "supplement_answer", "withdraw"),
    (S.GRANTED, "fee_confirm", "fee_confirm"),
]


@pytest.mark.parametrize(
    ("state", "step", "winner"), STALE_SERVICES, ids=[f"{s}-after-{w}" for _st, s, w in STALE_SERVICES]
)
def test_the_other_services_do_not_save_a_stale_record(
    cast_apps: dict[str, Any], state: ApplicationState, step: str, winner: str
) -> None:
    """The form steps on a stale copy: refused (mapped to a ValidationError, or the bare
    ConcurrentTransition), and nothing of the step is kept."""
    application = reach(cast_apps, state)
    prepare(step, cast_apps, application)
    stale = Application.objects.select_related("filer", "bureau").get(pk=application.pk)
    run(winner, application, default_actor(winner, cast_apps))
    before = snapshot(application)
    with (
        mock.patch.object(examination, "_locked", return_value=stale),
        pytest.raises((ValidationError, ConcurrentTransition)),
    ):
        run(step, application, default_actor(step, cast_apps))
    assert snapshot(application) == before
