"""Authentication IDs after issue: the one-time password link, login with the ID, revocation (抹消)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.access.roles import BUREAU_SIDE
from backoffice.audit.services import audit_log
from backoffice.periods import format_both, period_end
from backoffice.text import reject_my_number
from usage_requests import auth_ids
from usage_requests.mail import mail_notify
from usage_requests.models import AuthenticationId, AuthIdState
from usage_requests.passwords import password_expired, password_valid_through

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
        auth_id.password_notices = []
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


def auth_id_password_expired(auth_id: AuthenticationId, *, today: date) -> bool:
    """An expired password still logs in, but only to choose a new one (AuthIdSessionMiddleware)."""
    return password_expired(auth_id.password_set_on, today=today)


def auth_id_change_password(
    *, auth_id_pk: int, current: str, new: str, today: date | None = None
) -> AuthenticationId:
    """The holder changes the ID's password (required once it has expired). The new password
    must differ from the current one; it is valid for a year from today."""
    today = today or timezone.localdate()
    with transaction.atomic():
        auth_id = AuthenticationId.objects.select_for_update().select_related("holder").get(pk=auth_id_pk)
        if not auth_id_is_live(auth_id, today=today):
            raise PermissionDenied
        if not check_password(current, auth_id.password):
            raise ValidationError({"current": _("The current password is not right.")})
        if current == new:
            raise ValidationError({"new": _("Choose a password different from the current one.")})
        try:
            validate_password(new, user=auth_id.holder)
        except ValidationError as exc:
            raise ValidationError({"new": exc.messages}) from exc
        auth_id.password = make_password(new)
        auth_id.password_set_on = today
        auth_id.password_notices = []
        auth_id.save(update_fields=["password", "password_set_on", "password_notices"])
        audit_log(
            actor=auth_id.holder, action="auth_id.password_changed", target=auth_id,
            institution_id=auth_id.institution_id,
            data={"valid_through": password_valid_through(today).isoformat()},
        )  # fmt: skip
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
    sanction starts the one-year cooldown (the rules read the revoked IDs)."""
    if reason not in {"own_request", "sanction"}:
        raise ValidationError({"reason": _("Choose why the ID is revoked.")})
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("Write what happened; it is kept in the ID's history.")})
    try:
        reject_my_number(note)
    except ValidationError as exc:
        raise ValidationError({"note": exc}) from exc
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
        mail_notify(
            name="revoked", recipient=auth_id.holder, verb="auth_id",
            url=reverse("usage_requests:detail", args=[auth_id.usage_request_id]),
            context={"code": auth_id, "institution": auth_id.institution, "note": note,
                     "sanction": reason == "sanction",
                     "cooldown_until": format_both(period_end(today, years=1, count_first_day=False))},
        )  # fmt: skip
    return auth_id
