"""Examination of residence applications by the bureau with jurisdiction: start, supplement
requests (追完) and their answers, grant or denial with reasons, fee confirmation, mailing the card,
completion, and the filer's withdrawal before a decision."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed, has_transition_perm

from applications.mail import application_mail
from applications.models import WITHDRAWABLE, Application, ApplicationState, AttachmentKind, SupplementRequest
from applications.rules.catalogue import Procedure
from applications.rules.fees import Fee, fee_for
from applications.services import attachment_add
from backoffice.audit.services import audit_log
from backoffice.periods import format_both
from backoffice.text import reject_my_number
from backoffice.workbench.services import notification_send

GENERIC_STEPS = {"start_examination", "grant", "deny", "complete", "withdraw"}
REASON_REQUIRED = {"deny"}
TRACKING_NUMBER = re.compile(r"^[0-9A-Z-]{8,30}$")


def _locked(application_id: int) -> Application:
    application: Application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("filer", "bureau")
        .get(pk=application_id)
    )
    return application


def _step(application: Application, name: str, actor: Any) -> str:
    method = getattr(application, name)
    if not can_proceed(method, check_conditions=False):
        raise ValidationError(
            _("This step is not possible while the application is “%(state)s”.")
            % {"state": application.get_state_display()}
        )
    if not has_transition_perm(method, actor):
        # django-fsm folds unmet conditions into the permission check: tell them apart.
        transition = method._django_fsm.get_transition(application.state)
        if transition is not None and transition.has_perm(application, actor) and not can_proceed(method):
            raise ValidationError(_("Record the tracking number of the mailed card first."))
        raise PermissionDenied
    source = str(application.state)
    method()
    return source


def _audit(actor: Any, application: Application, name: str, source: str, **data: Any) -> None:
    audit_log(
        actor=actor, action=f"application.{name}", target=application, institution_id=application.institution_id,
        data={"transition": {"field": "state", "from": source, "to": application.state}, **data},
    )  # fmt: skip


@contextmanager
def _one_at_a_time() -> Iterator[None]:
    """One durable transaction; a concurrent change of the same row becomes a clear refusal."""
    try:
        with transaction.atomic():
            yield
    except ConcurrentTransition as exc:
        raise ValidationError(
            _("Someone else changed this application at the same moment. Reload and try again.")
        ) from exc


def application_transition(*, actor: Any, application_id: int, name: str, reason: str = "") -> Application:
    """The steps without a form of their own."""
    if name not in GENERIC_STEPS:
        raise PermissionDenied
    reason = reason.strip()
    if name in REASON_REQUIRED and not reason:
        raise ValidationError(_("Write the reasons; the applicant receives them."))
    reject_my_number(reason)
    with _one_at_a_time():
        application = _locked(application_id)
        source = _step(application, name, actor)
        now = timezone.now()
        extra: dict[str, Any] = {"reason": reason} if reason else {}
        if name == "start_examination":
            application.examiner = application.examiner or actor
        elif name in {"grant", "deny"}:
            application.decided_at = now
            application.examiner = actor
            application.decision_reason = reason
            if name == "grant":
                fee = fee_of(application)
                application_mail(application, "granted", fee_ja=fee.ja, fee_en=fee.en, fee_due=fee.yen > 0)
                extra["fee_yen"] = fee.yen
            else:
                application_mail(application, "denied", reason=reason)
        elif name == "complete":
            application.completed_at = now
        elif name == "withdraw":
            application.withdrawn_at = now
        application.save()
        _audit(actor, application, name, source, **extra)
        if name == "withdraw":
            _withdraw_accompanying(application, actor, now)
    return application


def _withdraw_accompanying(principal: Application, actor: Any, now: Any) -> None:
    """Re-entry and extra-activity requests exist only with their principal (§3.1): they go with it."""
    for application in principal.accompanying.select_for_update().filter(state__in=WITHDRAWABLE):
        source = str(application.state)
        application.withdraw()
        application.withdrawn_at = now
        application.save()
        _audit(actor, application, "withdraw", source, with_principal=principal.pk)


def _received_on(application: Application) -> date:
    moment = application.received_at or application.submitted_at or timezone.now()
    return timezone.localtime(moment).date()


def fee_of(application: Application) -> Fee:
    return fee_for(
        Procedure(application.procedure),
        received_on=_received_on(application),
        reentry_multiple=bool(application.details.get("reentry_multiple")),
    )


def supplement_request(*, actor: Any, application_id: int, message: str, due_on: date) -> SupplementRequest:
    message = message.strip()
    if not message:
        raise ValidationError(_("Say which documents are needed."))
    reject_my_number(message)
    today = timezone.localdate()
    if due_on <= today:
        raise ValidationError(_("The due date must be after today."))
    if due_on > today + timedelta(days=90):
        raise ValidationError(_("The due date can be at most 90 days ahead."))
    with _one_at_a_time():
        application = _locked(application_id)
        source = _step(application, "request_supplement", actor)
        supplement = SupplementRequest.objects.create(
            application=application, message=message, due_on=due_on, requested_by=actor
        )
        application.save()
        _audit(actor, application, "request_supplement", source, message=message, due_on=due_on.isoformat())
        application_mail(application, "supplement", message=message, due_on=format_both(due_on))
    return supplement


def supplement_answer(
    *, actor: Any, application_id: int, files: list[tuple[str, bytes]], note: str = ""
) -> Application:
    """The filer's answer: every file checked, all kept or none, and the examination resumes."""
    if not files:
        raise ValidationError(_("Attach the requested documents (PDF)."))
    reject_my_number(note)
    with _one_at_a_time():
        application = _locked(application_id)
        supplement = (
            application.supplements.filter(answered_at__isnull=True).order_by("-requested_at").first()
        )
        if application.state != ApplicationState.AWAITING_SUPPLEMENT or supplement is None:
            raise ValidationError(_("No supplement request is waiting for an answer."))
        for name, data in files:
            attachment_add(
                actor=actor, application_id=application.pk, kind=AttachmentKind.DOCUMENT, name=name, data=data,
                supplement=supplement,
            )  # fmt: skip
        source = _step(application, "answer_supplement", actor)
        supplement.answered_at = timezone.now()
        supplement.answer_note = note.strip()
        supplement.save(update_fields=["answered_at", "answer_note"])
        application.save()
        _audit(actor, application, "answer_supplement", source, files=[n for n, _d in files])
        if application.examiner is not None:
            notification_send(
                recipient=application.examiner, verb="application",
                text=_("Supplement received for %(number)s") % {"number": str(application)},
                url=reverse("applications:detail", args=[application.pk]),
            )  # fmt: skip
    return application


def fee_confirm(*, actor: Any, application_id: int) -> Application:
    """The fee of §7.6 (by the day received, online rate) is confirmed; the card can be issued."""
    with _one_at_a_time():
        application = _locked(application_id)
        source = _step(application, "confirm_fee", actor)
        fee = fee_of(application)
        application.fee_yen = fee.yen
        application.fee_confirmed_at = timezone.now()
        application.save()
        _audit(actor, application, "confirm_fee", source, fee_yen=fee.yen, fee=fee.en)
    return application


def card_mail(*, actor: Any, application_id: int, tracking_number: str) -> Application:
    tracking = unicodedata.normalize("NFKC", tracking_number).strip().upper().replace(" ", "")
    if not TRACKING_NUMBER.match(tracking):
        raise ValidationError(_("The tracking number is 8 to 30 letters, digits or hyphens."))
    with _one_at_a_time():
        application = _locked(application_id)
        if application.tracking_number:
            raise ValidationError(
                _("The card has already been mailed (tracking number %(number)s).")
                % {"number": application.tracking_number}
            )
        source = _step(application, "mail_card", actor)
        application.tracking_number = tracking
        application.mailed_at = timezone.now()
        application.save()
        _audit(actor, application, "mail_card", source, tracking_number=tracking)
        application_mail(application, "mailed", tracking=tracking)
    return application
