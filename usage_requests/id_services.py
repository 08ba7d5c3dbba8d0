"""Authentication IDs after issue: the one-time password link, login with the ID, revocation (抹消)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.access.roles import BUREAU_SIDE
from backoffice.audit.services import audit_log
from backoffice.periods import format_both, period_end
from backoffice.workbench.services import notification_send
from usage_requests import auth_ids
from usage_requests.models import AuthenticationId, AuthIdState

PASSWORD_LINK_HOURS = 72


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def auth_id_password_link_issue(*, auth_id: AuthenticationId) -> str:
    """A fresh one-time token (valid 72 hours); returns the path of the link. Call inside the
    transaction that issues or re-issues the ID."""
    token = secrets.token_urlsafe(32)
    auth_id.password_token_hash = _token_hash(token)
    auth_id.password_token_expires_at = timezone.now() + timedelta(hours=PASSWORD_LINK_HOURS)
    auth_id.save(update_fields=["password_token_hash", "password_token_expires_at"])
    return reverse("usage_requests:set_password", args=[token])


def auth_id_issued_mail(*, auth_id: AuthenticationId, link_path: str) -> str:
    """The bilingual e-mail body (Japanese first) that carries the ID and the link."""
    return render_to_string(
        "mail/auth_id_issued.txt",
        {
            "code": auth_ids.display(auth_id.code),
            "link": f"{settings.SITE_URL}{link_path}",
            "hours": PASSWORD_LINK_HOURS,
            "years": auth_id.validity_years,
            "institution": auth_id.institution,
        },
    )


def auth_id_for_token(token: str, *, now: Any = None) -> AuthenticationId | None:
    now = now or timezone.now()
    found: AuthenticationId | None = (
        AuthenticationId.objects.select_related("holder", "institution")
        .filter(password_token_hash=_token_hash(token), password_token_expires_at__gt=now)
        .exclude(state=AuthIdState.REVOKED)
        .first()
    )
    return found


def auth_id_set_password(*, token: str, password: str, today: date | None = None) -> AuthenticationId:
    """Set the ID's password from the link. Validity starts that day (§13 D2: set on
    2025-06-10, one year → valid through 2026-06-10). The link works once."""
    today = today or timezone.localdate()
    with transaction.atomic():
        found = auth_id_for_token(token)
        if found is None:
            raise ValidationError(
                _("This link has expired or was already used. Ask the bureau for a new one.")
            )
        auth_id = AuthenticationId.objects.select_for_update().get(pk=found.pk)
        validate_password(password, user=auth_id.holder)
        auth_id.password = make_password(password)
        auth_id.password_token_hash = ""
        auth_id.password_token_expires_at = None
        first_time = auth_id.password_set_on is None
        auth_id.password_set_on = today
        if first_time:
            auth_id.valid_until = period_end(today, years=auth_id.validity_years, count_first_day=False)
        auth_id.state = AuthIdState.ACTIVE
        auth_id.save()
        audit_log(
            actor=auth_id.holder, action="auth_id.password_set", target=auth_id,
            institution_id=auth_id.institution_id,
            data={"valid_until": auth_id.valid_until.isoformat() if auth_id.valid_until else None},
        )  # fmt: skip
    return auth_id


def auth_id_authenticate(*, code: str, password: str, today: date | None = None) -> AuthenticationId | None:
    """The live ID with this code and password, or None. Expired and revoked IDs cannot log in."""
    today = today or timezone.localdate()
    normalised = auth_ids.normalise(code)
    if auth_ids.problem(normalised) is not None:
        return None
    auth_id = AuthenticationId.objects.select_related("holder").filter(code=normalised).first()
    if auth_id is None or not auth_id.password:
        make_password(password)  # same work either way: no timing hint that the ID exists
        return None
    if not check_password(password, auth_id.password):
        return None
    if not auth_id_is_live(auth_id, today=today):
        return None
    return auth_id


def auth_id_is_live(auth_id: AuthenticationId, *, today: date) -> bool:
    return bool(
        auth_id.state == AuthIdState.ACTIVE
        and auth_id.valid_until is not None
        and auth_id.valid_until >= today
        and auth_id.holder.is_active
        and _delegation_holds(auth_id, today=today)
    )


def _delegation_holds(auth_id: AuthenticationId, *, today: date) -> bool:
    """An ID obtained through a delegation (support organisation or public-interest staff)
    lives only while the institution's delegation to that organisation is active."""
    from institutions.models import Delegation

    agent_id = auth_id.usage_request.acting_for_id
    if agent_id is None:
        return True
    return (
        Delegation.objects.active_on(today)
        .filter(principal_id=auth_id.institution_id, agent_id=agent_id)
        .exists()
    )


def auth_id_revoke(*, actor: Any, auth_id_pk: int, reason: str, note: str) -> AuthenticationId:
    """抹消: at the holder's or institution's request, or as a sanction by a reviewer.
    Effective at once: sessions opened with the ID end on their next request. Only a
    sanction starts the one-year cooldown (the rules read the audit event)."""
    if reason not in {"own_request", "sanction"}:
        raise ValidationError({"reason": _("Choose why the ID is revoked.")})
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("Write what happened; it is kept in the ID's history.")})
    with transaction.atomic():
        auth_id = (
            AuthenticationId.objects.select_for_update()
            .select_related("institution__prefecture")
            .get(pk=auth_id_pk)
        )
        if auth_id.state == AuthIdState.REVOKED:
            raise ValidationError(_("This ID is already revoked."))
        if reason == "sanction":
            allowed = (
                actor.role in BUREAU_SIDE and actor.bureau_id == auth_id.institution.prefecture.bureau_id
            )
        else:
            from usage_requests.selectors import may_file_for

            allowed = actor.pk == auth_id.holder_id or may_file_for(
                user=actor, institution=auth_id.institution, acting_for=None
            )
        if not allowed:
            raise PermissionDenied
        today = timezone.localdate()
        auth_id.state = AuthIdState.REVOKED
        auth_id.revoked_at = timezone.now()
        auth_id.revocation_reason = reason
        auth_id.revocation_note = note
        auth_id.password_token_hash = ""
        auth_id.save()
        audit_log(
            actor=actor, action="auth_id.revoked", target=auth_id, institution_id=auth_id.institution_id,
            data={"holder_id": auth_id.holder_id, "on": today.isoformat(), "reason": reason, "note": note},
        )  # fmt: skip
        notification_send(
            recipient=auth_id.holder, verb="auth_id",
            text=_("Your authentication ID %(code)s was revoked: %(note)s") % {"code": auth_id, "note": note},
            url=reverse("usage_requests:detail", args=[auth_id.usage_request_id]),
        )  # fmt: skip
    return auth_id


def auth_ids_daily(*, today: date) -> dict[str, int]:
    """The daily run (Celery beat; idempotent): renewal reminders two months before expiry,
    and suspension at expiry with a notice to the holder."""
    from usage_requests.renewal import periodic_report_deadline, renewal_reminder_on

    reminded = suspended = 0
    live = AuthenticationId.objects.filter(state=AuthIdState.ACTIVE, valid_until__isnull=False)
    delegated = live.filter(valid_until__gte=today, usage_request__acting_for__isnull=False)
    for auth_id in delegated.select_related("usage_request", "holder"):
        if _delegation_holds(auth_id, today=today):
            continue
        with transaction.atomic():
            if not AuthenticationId.objects.filter(pk=auth_id.pk, state=AuthIdState.ACTIVE).update(
                state=AuthIdState.SUSPENDED
            ):
                continue
            audit_log(
                actor=None, action="auth_id.suspended", target=auth_id, institution_id=auth_id.institution_id,
                data={"reason": "delegation_ended", "agent": auth_id.usage_request.acting_for_id},
            )  # fmt: skip
            notification_send(
                recipient=auth_id.holder, verb="auth_id",
                text=_("Your authentication ID %(code)s is suspended: the institution's delegation to your "
                       "organisation has ended.") % {"code": auth_id},
                url=reverse("usage_requests:detail", args=[auth_id.usage_request_id]),
            )  # fmt: skip
            suspended += 1
    for auth_id in live.filter(valid_until__lt=today).select_related("holder"):
        with transaction.atomic():
            locked = AuthenticationId.objects.select_for_update().get(pk=auth_id.pk)
            if locked.state != AuthIdState.ACTIVE:
                continue
            locked.state = AuthIdState.SUSPENDED
            locked.save(update_fields=["state"])
            audit_log(
                actor=None, action="auth_id.expired", target=locked, institution_id=locked.institution_id,
                data={"valid_until": locked.valid_until.isoformat() if locked.valid_until else None},
            )  # fmt: skip
            notification_send(
                recipient=auth_id.holder, verb="auth_id",
                text=_("Your authentication ID %(code)s expired on %(until)s and can no longer log in. "
                       "File a new usage request to continue.")
                % {"code": locked, "until": format_both(locked.valid_until) if locked.valid_until else "—"},
                url=reverse("usage_requests:detail", args=[locked.usage_request_id]),
            )  # fmt: skip
            suspended += 1
    for auth_id in live.filter(valid_until__gte=today, renewal_reminded_on__isnull=True).select_related(
        "holder"
    ):
        assert auth_id.valid_until is not None
        if today < renewal_reminder_on(auth_id.valid_until):
            continue
        with transaction.atomic():
            updated = AuthenticationId.objects.filter(pk=auth_id.pk, renewal_reminded_on__isnull=True).update(
                renewal_reminded_on=today
            )
            if not updated:  # another run got there first
                continue
            notification_send(
                recipient=auth_id.holder, verb="auth_id",
                text=_("Your authentication ID %(code)s expires on %(until)s. File the periodic report (定期報告) "
                       "by %(deadline)s.")
                % {"code": auth_id, "until": format_both(auth_id.valid_until),
                   "deadline": format_both(periodic_report_deadline(auth_id.valid_until))},
                url=reverse("usage_requests:create"),
            )  # fmt: skip
            reminded += 1
    return {"reminded": reminded, "suspended": suspended}
