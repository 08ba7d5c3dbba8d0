"""What the status endpoints say about an application (受付・審査状況, §8): the stage and state in
both languages, the provisional and receipt numbers, the supplement requests with their deadlines,
and the decision. The same document answers a submission, a supplement and a status call."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import timezone, translation

from applications.api_models import ServiceOperator
from applications.models import Application, ApplicationState

STAGES = {
    ApplicationState.SUBMITTED: "intake",
    ApplicationState.RECEIVED: "intake",
    ApplicationState.UNDER_EXAMINATION: "examination",
    ApplicationState.AWAITING_SUPPLEMENT: "examination",
    ApplicationState.GRANTED: "decided",
    ApplicationState.DENIED: "decided",
    ApplicationState.AWAITING_ISSUE: "issue",
    ApplicationState.COMPLETED: "issue",
    ApplicationState.WITHDRAWN: "withdrawn",
    ApplicationState.DRAFT: "intake",
}
GRANTED = {ApplicationState.GRANTED, ApplicationState.AWAITING_ISSUE, ApplicationState.COMPLETED}


def _labels(state: str) -> dict[str, str]:
    label = ApplicationState(state).label
    out = {}
    for language in ("ja", "en"):
        with translation.override(language):
            out[language] = str(label)
    return out


def _when(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def application_document(application: Application, *, operator: ServiceOperator) -> dict[str, Any]:
    """One application as the API shows it to the operator it was filed through."""
    state = ApplicationState(application.state)
    decision = "granted" if state in GRANTED else "denied" if state == ApplicationState.DENIED else None
    bureau = application.bureau
    registration = getattr(application.filer, "cardholder", None)
    return {
        "id": application.provisional_number,
        "procedure": application.procedure,
        "status_of_residence": application.status,
        "subject_name": application.subject_name,
        "principal": application.principal.provisional_number if application.principal is not None else None,
        "stage": STAGES[state],
        "state": state.value,
        "state_label": _labels(state.value),
        "provisional_number": application.provisional_number,
        "receipt_number": application.receipt_number or None,
        "bureau": {"ja": bureau.name_ja, "en": bureau.name_en} if bureau else None,
        "filed_at": _when(application.submitted_at),
        "received_at": _when(application.received_at),
        "decided_at": _when(application.decided_at),
        "decision": decision,
        "decision_reason": application.decision_reason or None if decision == "denied" else None,
        "fee_yen": application.fee_yen,
        "tracking_number": application.tracking_number or None,
        "supplements": [
            {
                "id": s.pk,
                "message": s.message,
                "due_on": _day(s.due_on),
                "requested_at": _when(s.requested_at),
                "answered_at": _when(s.answered_at),
                "open": s.answered_at is None and state == ApplicationState.AWAITING_SUPPLEMENT,
            }
            for s in sorted(application.supplements.all(), key=lambda s: (s.requested_at, s.pk))
        ],
        "filer": {"authentication_id": str(registration), "role": registration.role}
        if registration
        else None,
        "operator": operator.corporate_number,
    }
