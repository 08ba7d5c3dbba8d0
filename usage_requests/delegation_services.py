"""Withdrawing a delegation, with what depends on it here: the authentication IDs obtained
through it are suspended in the same transaction, and their holders are told."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from backoffice.audit.services import audit_log
from institutions import services as institution_services
from institutions.models import Delegation
from usage_requests import auth_ids
from usage_requests.mail import mail_notify, per_language
from usage_requests.models import AuthenticationId, AuthIdState, RequestState, UsageRequest

# IDs that still work or will once their password is set: a withdrawal stops both.
DEPENDENT_ID_STATES = (AuthIdState.ACTIVE, AuthIdState.AWAITING_PASSWORD)
# Requests not yet decided. They are left as they are: the FSM belongs to services.py, and
# filing through a lapsed delegation is refused there already (may_file_for).
OPEN_REQUEST_STATES = (
    RequestState.DRAFT,
    RequestState.SUBMITTED,
    RequestState.UNDER_REVIEW,
    RequestState.RETURNED,
    RequestState.RECOMMENDED,
)


def _dependent_ids(delegation: Delegation) -> QuerySet[AuthenticationId]:
    return AuthenticationId.objects.filter(
        institution_id=delegation.principal_id,
        usage_request__acting_for_id=delegation.agent_id,
        state__in=DEPENDENT_ID_STATES,
    )


def _open_requests(delegation: Delegation) -> QuerySet[UsageRequest]:
    qs: QuerySet[UsageRequest] = UsageRequest.objects.filter(
        institution_id=delegation.principal_id,
        acting_for_id=delegation.agent_id,
        state__in=OPEN_REQUEST_STATES,
    )
    return qs


def delegation_withdraw_and_suspend(*, actor: Any, delegation_id: int, reason: str) -> int:
    """Withdraw the delegation and suspend, at once, every ID obtained through it.

    One transaction: the withdrawal (which checks permission and state and locks the
    delegation), then each dependent ID locked, suspended, audited and its holder notified
    (the e-mail leaves through the outbox after commit). Returns how many IDs were suspended.
    """
    with transaction.atomic():
        delegation = institution_services.delegation_withdraw(
            actor=actor, delegation_id=delegation_id, reason=reason
        )
        suspended: list[int] = []
        # Lock only the ID rows, not the joined users and requests (PostgreSQL: FOR UPDATE OF).
        for auth_id in (
            _dependent_ids(delegation).select_for_update(of=("self",)).select_related("holder").order_by("pk")
        ):
            before = auth_id.state
            auth_id.state = AuthIdState.SUSPENDED
            # A pending password link would otherwise set the suspended ID active again.
            auth_id.password_token_hash = ""
            auth_id.password_token_expires_at = None
            auth_id.save(update_fields=["state", "password_token_hash", "password_token_expires_at"])
            audit_log(
                actor=actor,
                action="auth_id.suspended",
                target=auth_id,
                institution_id=auth_id.institution_id,
                data={
                    "reason": "delegation_withdrawn",
                    "delegation": delegation.pk,
                    "agent": delegation.agent_id,
                    "transition": {"field": "state", "from": before, "to": AuthIdState.SUSPENDED.value},
                },
            )
            _tell_holder(auth_id, delegation)
            suspended.append(auth_id.pk)
        open_requests = list(_open_requests(delegation).order_by("pk").values_list("pk", flat=True))
        audit_log(
            actor=actor,
            action="delegation.dependents_suspended",
            target=delegation,
            institution_id=delegation.principal_id,
            data={
                "auth_ids_suspended": len(suspended),
                "auth_ids": suspended,
                "open_requests": len(open_requests),
                "open_request_ids": open_requests,
            },
        )
    return len(suspended)


def _tell_holder(auth_id: AuthenticationId, delegation: Delegation) -> None:
    explained = per_language(
        lambda: {
            "why": _("%(institution)s withdrew its delegation to %(agent)s.")
            % {"institution": delegation.principal, "agent": delegation.agent},
            "what_to_do": _(
                "To continue, ask the institution for a new delegation, then file a new usage request; "
                "the new ID replaces this one."
            ),
        }
    )
    mail_notify(
        name="suspended", recipient=auth_id.holder, verb="auth_id",
        url=reverse("usage_requests:detail", args=[auth_id.usage_request_id]),
        context={"code": auth_ids.display(auth_id.code), "institution": delegation.principal},
        by_language=explained,
    )  # fmt: skip
