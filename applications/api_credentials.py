"""Registering service operators and managing their API credentials: issue, rotate (old and new
valid together for a grace period), revoke at once. Every change audited; secrets never stored."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.api_models import OperatorCredential, OperatorStatus, ServiceOperator
from backoffice.access.roles import Role
from backoffice.audit.services import audit_log
from backoffice.text import reject_my_number
from institutions.rules import corporate_number_problem, normalise_corporate_number

KEY_PREFIX = "zk_"
MAX_GRACE_HOURS = 24 * 30


def _secret_hmac(secret: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), secret.encode(), hashlib.sha256).hexdigest()


def _require_administrator(actor: Any) -> None:
    if getattr(actor, "role", None) != Role.ADMINISTRATOR:
        raise PermissionDenied


def networks_parse(lines: list[str]) -> list[str]:
    """Each line a CIDR range or an address; refused, naming the line, if it is neither."""
    out = []
    for line in lines:
        text = line.strip()
        if not text:
            continue
        try:
            out.append(str(ipaddress.ip_network(text, strict=False)))
        except ValueError as exc:
            raise ValidationError(
                _("Not an IP range: %(value)s (write e.g. 203.0.113.0/24)") % {"value": text}
            ) from exc
    return out


def operator_register(
    *, actor: Any, name: str, corporate_number: str, contact_name: str, contact_email: str,
    allowed_networks: list[str], rate_limit_per_minute: int = 60,
) -> ServiceOperator:  # fmt: skip
    _require_administrator(actor)
    for text in (name, contact_name):
        reject_my_number(text)
    number = normalise_corporate_number(corporate_number)
    if corporate_number_problem(number):
        raise ValidationError(_("The corporate number is 13 digits with a valid check digit."))
    if not 1 <= rate_limit_per_minute <= 10_000:
        raise ValidationError(_("Calls per minute: from 1 to 10,000."))
    with transaction.atomic():
        if ServiceOperator.objects.filter(corporate_number=number).exists():
            raise ValidationError(_("An operator with this corporate number is already registered."))
        operator = ServiceOperator.objects.create(
            name=name.strip(), corporate_number=number, contact_name=contact_name.strip(),
            contact_email=contact_email.strip(), allowed_networks=networks_parse(allowed_networks),
            rate_limit_per_minute=rate_limit_per_minute,
        )  # fmt: skip
        audit_log(
            actor=actor, action="api_operator.registered", target=operator, institution_id=None,
            data={"name": operator.name, "networks": operator.allowed_networks},
        )  # fmt: skip
    return operator


def operator_set_status(*, actor: Any, operator_id: int, status: str) -> ServiceOperator:
    _require_administrator(actor)
    if status not in OperatorStatus.values:
        raise ValidationError(_("Unknown status."))
    with transaction.atomic():
        operator = ServiceOperator.objects.select_for_update().get(pk=operator_id)
        before = operator.status
        operator.status = status
        operator.save(update_fields=["status"])
        audit_log(
            actor=actor, action="api_operator.status", target=operator, institution_id=None,
            data={"from": before, "to": status},
        )  # fmt: skip
    return operator


def credential_issue(*, actor: Any, operator_id: int) -> tuple[OperatorCredential, str]:
    """A new credential; the token ``<key id>.<secret>`` is returned once and never stored."""
    _require_administrator(actor)
    with transaction.atomic():
        operator = ServiceOperator.objects.select_for_update().get(pk=operator_id)
        credential, token = _new_credential(operator)
        audit_log(
            actor=actor, action="api_credential.issued", target=operator, institution_id=None,
            data={"key_id": credential.key_id},
        )  # fmt: skip
    return credential, token


def _new_credential(operator: ServiceOperator) -> tuple[OperatorCredential, str]:
    key_id = KEY_PREFIX + secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    credential = OperatorCredential.objects.create(
        operator=operator, key_id=key_id, secret_hmac=_secret_hmac(secret)
    )
    return credential, f"{key_id}.{secret}"


def credential_rotate(*, actor: Any, operator_id: int, grace_hours: int) -> tuple[OperatorCredential, str]:
    """A new credential; the live ones stay valid for ``grace_hours`` more (0: they end now)."""
    _require_administrator(actor)
    if not 0 <= grace_hours <= MAX_GRACE_HOURS:
        raise ValidationError(_("The grace period is from 0 to %(max)s hours.") % {"max": MAX_GRACE_HOURS})
    now = timezone.now()
    until = now + timedelta(hours=grace_hours)
    with transaction.atomic():
        operator = ServiceOperator.objects.select_for_update().get(pk=operator_id)
        old = list(_live(operator, now).values_list("key_id", flat=True))
        _live(operator, now).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=until)).update(
            expires_at=until
        )
        credential, token = _new_credential(operator)
        audit_log(
            actor=actor, action="api_credential.rotated", target=operator, institution_id=None,
            data={"key_id": credential.key_id, "old": old, "old_valid_until": until.isoformat()},
        )  # fmt: skip
    return credential, token


def credential_revoke(*, actor: Any, credential_id: int) -> OperatorCredential:
    _require_administrator(actor)
    with transaction.atomic():
        credential = (
            OperatorCredential.objects.select_for_update().select_related("operator").get(pk=credential_id)
        )
        if credential.revoked_at is None:
            credential.revoked_at = timezone.now()
            credential.save(update_fields=["revoked_at"])
            audit_log(
                actor=actor, action="api_credential.revoked", target=credential.operator, institution_id=None,
                data={"key_id": credential.key_id},
            )  # fmt: skip
    return credential


def _live(operator: ServiceOperator, now: datetime) -> Any:
    return operator.credentials.filter(revoked_at__isnull=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )


def credential_authenticate(token: str, *, now: datetime) -> OperatorCredential | None:
    """The live credential of an active operator that ``token`` proves, else None (constant-time
    comparison; the same answer whatever part is wrong)."""
    key_id, _dot, secret = token.partition(".")
    if not key_id.startswith(KEY_PREFIX) or not secret or len(token) > 200:
        return None
    credential = (
        OperatorCredential.objects.select_related("operator")
        .filter(key_id=key_id, revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .first()
    )
    expected = credential.secret_hmac if credential else _secret_hmac("x")
    if not hmac.compare_digest(expected, _secret_hmac(secret)) or credential is None:
        return None
    if credential.operator.status != OperatorStatus.ACTIVE:
        return None
    return credential


def address_allowed(operator: ServiceOperator, address: str) -> bool:
    """Fails closed: an operator without ranges, or an address that parses as none, is refused."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(net, strict=False) for net in operator.allowed_networks)
