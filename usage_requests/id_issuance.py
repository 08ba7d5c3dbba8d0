"""Issuing and renewing authentication IDs (認証ID) inside the approval's transaction: a new ID
per approved request (a suspended one of the same person and institution gives way to it), and
the periodic report's deadline and extension."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.audit.services import audit_log
from backoffice.periods import format_both
from institutions.models import Institution
from usage_requests import auth_ids
from usage_requests.models import AuthenticationId, AuthIdState, UsageRequest
from usage_requests.renewal import extended_validity, periodic_report_deadline


def auth_id_issue(request: UsageRequest, *, actor: Any, validity_years: int) -> AuthenticationId:
    """A fresh random ID. The unique code and the one-to-one link to the request make a
    duplicate, or a second ID for the same request, impossible even when two approvals race."""
    if AuthenticationId.objects.filter(usage_request=request).exists():
        raise ValidationError(_("An authentication ID was already issued for this request."))
    _retire_suspended_ids(request, actor=actor)
    for _attempt in range(8):
        try:
            with transaction.atomic():
                return AuthenticationId.objects.create(
                    code=auth_ids.generate(), holder=request.filer, institution=request.institution,
                    usage_request=request, validity_years=validity_years, state=AuthIdState.AWAITING_PASSWORD,
                )  # fmt: skip
        except IntegrityError:
            if AuthenticationId.objects.filter(usage_request=request).exists():
                raise ValidationError(
                    _("An authentication ID was already issued for this request.")
                ) from None
            if (
                AuthenticationId.objects.filter(holder=request.filer, institution=request.institution)
                .exclude(state=AuthIdState.REVOKED)
                .exists()
            ):
                raise ValidationError(
                    _("The filer already holds a live authentication ID for this institution.")
                ) from None
    raise RuntimeError("could not draw a unique authentication ID")  # 32^11 codes: practically unreachable


def _retire_suspended_ids(request: UsageRequest, *, actor: Any) -> None:
    """A suspended ID (expired, or its delegation ended) of the same person and institution
    gives way to the new one: it is closed as replaced, which starts no cooldown."""
    suspended = AuthenticationId.objects.select_for_update().filter(
        holder_id=request.filer_id, institution_id=request.institution_id, state=AuthIdState.SUSPENDED
    )
    for old in suspended:
        old.state = AuthIdState.REVOKED
        old.revoked_at = timezone.now()
        old.revocation_reason = "superseded"
        old.revocation_note = str(request)
        old.password_token_hash = ""
        old.save(
            update_fields=[
                "state",
                "revoked_at",
                "revocation_reason",
                "revocation_note",
                "password_token_hash",
            ]
        )
        audit_log(
            actor=actor, action="auth_id.superseded", target=old, institution_id=old.institution_id,
            data={"by_request": request.pk},
        )  # fmt: skip


def live_ids(institution: Institution) -> Any:
    return AuthenticationId.objects.filter(institution=institution, state=AuthIdState.ACTIVE)


def report_deadline_check(request: UsageRequest, *, today: date) -> None:
    """Filing closes one month before the earliest expiry among the institution's IDs."""
    expiries = [d for d in live_ids(request.institution).values_list("valid_until", flat=True) if d]
    if not expiries:
        raise ValidationError(
            _("This institution holds no valid authentication ID to renew: file a new usage request.")
        )
    deadline = periodic_report_deadline(min(expiries))
    if today > deadline:
        raise ValidationError(
            _("Periodic reports for this institution closed on %(deadline)s (the ID expires on %(expiry)s). "
              "After it expires, file a new usage request.")
            % {"deadline": format_both(deadline), "expiry": format_both(min(expiries))}
        )  # fmt: skip


def auth_ids_extend(request: UsageRequest, *, actor: Any, years: int) -> dict[str, str]:
    extended = {}
    for auth_id in live_ids(request.institution).select_for_update():
        if auth_id.valid_until is None:
            continue
        before = auth_id.valid_until
        auth_id.valid_until = extended_validity(before, years=years)
        auth_id.renewal_reminded_on = None
        auth_id.save(update_fields=["valid_until", "renewal_reminded_on"])
        audit_log(
            actor=actor, action="auth_id.extended", target=auth_id, institution_id=auth_id.institution_id,
            data={"from": before.isoformat(), "to": auth_id.valid_until.isoformat(), "report": request.pk},
        )  # fmt: skip
        extended[auth_ids.display(auth_id.code)] = auth_id.valid_until.isoformat()
    return extended
