"""The daily run over authentication IDs (Celery beat, and ``manage.py auth_ids_daily --on``).

Each step claims its row with a conditional UPDATE before it writes anything, so a second run
the same day — or two workers at once — sends nothing twice."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from backoffice.access.roles import Role
from backoffice.audit.services import audit_log
from backoffice.periods import format_both
from institutions.models import StaffMembership
from usage_requests.id_services import _delegation_holds
from usage_requests.mail import mail_notify, per_language
from usage_requests.models import OPEN_STATES, AuthenticationId, AuthIdState, RequestKind, UsageRequest
from usage_requests.passwords import EXPIRED_NOTICE, password_notice_due, password_valid_through
from usage_requests.renewal import periodic_report_deadline, renewal_reminder_on

# Passwords set this long ago or earlier may be due for a notice (30 days before a year).
_PASSWORD_WINDOW_DAYS = 366 - 31


def auth_ids_daily(*, today: date) -> dict[str, int]:
    """Suspend IDs whose delegation ended or whose validity ran out, and send the reminders."""
    live = AuthenticationId.objects.filter(state=AuthIdState.ACTIVE, valid_until__isnull=False)
    return {
        "suspended": _suspend_lapsed_delegations(live, today) + _suspend_expired(live, today),
        "reminded": _remind_renewal(live, today),
        "deadline_notices": _tell_deadline_passed(live, today),
        "password_notices": _password_notices(live, today),
    }


def _url(auth_id: AuthenticationId) -> str:
    return reverse("usage_requests:detail", args=[auth_id.usage_request_id])


def _institution_staff(auth_id: AuthenticationId, today: date) -> list[Any]:
    """The institution's own staff today, who are told too when an ID of theirs stops."""
    memberships = (
        StaffMembership.objects.filter(institution_id=auth_id.institution_id, valid_from__lte=today)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .filter(user__is_active=True, user__role=Role.INSTITUTION_STAFF)
        .exclude(user_id=auth_id.holder_id)
        .select_related("user")
    )
    return [membership.user for membership in memberships]


def _suspend_lapsed_delegations(live: Any, today: date) -> int:
    suspended = 0
    delegated = live.filter(valid_until__gte=today, usage_request__acting_for__isnull=False)
    for auth_id in delegated.select_related("usage_request__acting_for", "holder", "institution"):
        if _delegation_holds(auth_id, today=today):
            continue
        with transaction.atomic():
            claimed = AuthenticationId.objects.filter(pk=auth_id.pk, state=AuthIdState.ACTIVE).update(
                state=AuthIdState.SUSPENDED
            )
            if not claimed:
                continue
            agent = auth_id.usage_request.acting_for
            audit_log(
                actor=None, action="auth_id.suspended", target=auth_id, institution_id=auth_id.institution_id,
                data={"reason": "delegation_ended", "agent": agent.pk if agent else None},
            )  # fmt: skip
            explained = per_language(lambda: _delegation_ended_text(agent))  # noqa: B023 (called at once)
            for recipient in [auth_id.holder, *_institution_staff(auth_id, today)]:
                mail_notify(
                    name="suspended", recipient=recipient, verb="auth_id", url=_url(auth_id),
                    context={"code": auth_id, "institution": auth_id.institution}, by_language=explained,
                )  # fmt: skip
            suspended += 1
    return suspended


def _delegation_ended_text(agent: Any) -> dict[str, str]:
    return {
        "why": _("the institution's delegation to %(agent)s has ended.") % {"agent": agent},
        "what_to_do": _(
            "If the work continues, the institution grants a new delegation and the organisation files a "
            "new usage request."
        ),
    }


def _suspend_expired(live: Any, today: date) -> int:
    suspended = 0
    for auth_id in live.filter(valid_until__lt=today).select_related("holder", "institution"):
        with transaction.atomic():
            claimed = AuthenticationId.objects.filter(pk=auth_id.pk, state=AuthIdState.ACTIVE).update(
                state=AuthIdState.SUSPENDED
            )
            if not claimed:
                continue
            assert auth_id.valid_until is not None
            audit_log(
                actor=None, action="auth_id.expired", target=auth_id, institution_id=auth_id.institution_id,
                data={"valid_until": auth_id.valid_until.isoformat()},
            )  # fmt: skip
            for recipient in [auth_id.holder, *_institution_staff(auth_id, today)]:
                mail_notify(
                    name="expired", recipient=recipient, verb="auth_id", url=_url(auth_id),
                    context={"code": auth_id, "institution": auth_id.institution,
                             "until": format_both(auth_id.valid_until)},
                )  # fmt: skip
            suspended += 1
    return suspended


def _remind_renewal(live: Any, today: date) -> int:
    reminded = 0
    due = live.filter(valid_until__gte=today, renewal_reminded_on__isnull=True)
    for auth_id in due.select_related("holder", "institution"):
        assert auth_id.valid_until is not None
        if today < renewal_reminder_on(auth_id.valid_until):
            continue
        with transaction.atomic():
            if not AuthenticationId.objects.filter(pk=auth_id.pk, renewal_reminded_on__isnull=True).update(
                renewal_reminded_on=today
            ):
                continue  # another run got there first
            mail_notify(
                name="report_reminder", recipient=auth_id.holder, verb="auth_id",
                url=reverse("usage_requests:create"),
                context={"code": auth_id, "institution": auth_id.institution,
                         "until": format_both(auth_id.valid_until),
                         "deadline": format_both(periodic_report_deadline(auth_id.valid_until))},
            )  # fmt: skip
            reminded += 1
    return reminded


def _tell_deadline_passed(live: Any, today: date) -> int:
    """Once the periodic-report window closed with no report on file, say so (once)."""
    told = 0
    due = live.filter(valid_until__gte=today, report_deadline_notified_on__isnull=True)
    for auth_id in due.select_related("holder", "institution"):
        assert auth_id.valid_until is not None
        deadline = periodic_report_deadline(auth_id.valid_until)
        if today <= deadline:
            continue
        report_pending = UsageRequest.objects.filter(
            institution_id=auth_id.institution_id, kind=RequestKind.PERIODIC_REPORT, state__in=OPEN_STATES
        ).exists()
        if report_pending:
            continue
        with transaction.atomic():
            if not AuthenticationId.objects.filter(
                pk=auth_id.pk, report_deadline_notified_on__isnull=True
            ).update(report_deadline_notified_on=today):
                continue
            audit_log(
                actor=None, action="auth_id.report_deadline_passed", target=auth_id,
                institution_id=auth_id.institution_id, data={"deadline": deadline.isoformat()},
            )  # fmt: skip
            mail_notify(
                name="report_deadline_passed", recipient=auth_id.holder, verb="auth_id",
                url=reverse("usage_requests:create"),
                context={"code": auth_id, "institution": auth_id.institution,
                         "until": format_both(auth_id.valid_until), "deadline": format_both(deadline)},
            )  # fmt: skip
            told += 1
    return told


def _password_notices(live: Any, today: date) -> int:
    """Reminders 30 and 7 days before a password expires, and the notice that it has."""
    sent = 0
    window = date.fromordinal(today.toordinal() - _PASSWORD_WINDOW_DAYS)
    candidates = live.filter(valid_until__gte=today, password_set_on__lte=window)
    for auth_id in candidates.select_related("holder", "institution"):
        with transaction.atomic():
            locked = AuthenticationId.objects.select_for_update().get(pk=auth_id.pk)
            notices = list(locked.password_notices or [])
            due = password_notice_due(locked.password_set_on, today=today, sent=notices)
            if due is None or locked.state != AuthIdState.ACTIVE:
                continue
            locked.password_notices = [*notices, due]
            locked.save(update_fields=["password_notices"])
            assert locked.password_set_on is not None
            through = password_valid_through(locked.password_set_on)
            mail_notify(
                name="password_expired" if due == EXPIRED_NOTICE else "password_reminder",
                recipient=auth_id.holder, verb="auth_id", url=reverse("usage_requests:change_password"),
                context={"code": locked, "institution": auth_id.institution, "expires_on": format_both(through),
                         "days_left": (through - today).days},
            )  # fmt: skip
            sent += 1
    return sent
