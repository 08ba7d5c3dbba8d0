"""The delegations page's read: delegations given and received, scoped to the user, each with
the number of authentication IDs that depend on it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from backoffice.access.roles import Role
from institutions import services as institution_services
from institutions.models import Delegation, DelegationScope
from institutions.selectors import institutions_changeable_by
from usage_requests.delegation_services import DEPENDENT_ID_STATES
from usage_requests.models import AuthenticationId


@dataclass(frozen=True)
class DelegationRow:
    delegation: Delegation
    state: str  # "active" | "not_started" | "ended" | "withdrawn"
    scope_labels: list[str]
    dependent_ids: int
    can_withdraw: bool


def _state_of(delegation: Delegation, today: date) -> str:
    if delegation.withdrawn_at is not None:
        return "withdrawn"
    if delegation.valid_to is not None and delegation.valid_to < today:
        return "ended"
    if delegation.valid_from > today:
        return "not_started"
    return "active"


PAGE_LIMIT = 200


def delegation_rows_for(
    *, user: Any, today: date | None = None
) -> tuple[list[DelegationRow], list[DelegationRow]]:
    """(given, received): the delegations given by the institutions this user may change,
    and, for support-organisation and public-interest staff, those their organisation
    received (read-only). Each with the number of IDs depending on it. Three queries."""
    today = today or timezone.localdate()
    own = institutions_changeable_by(user=user)
    dependent = (
        AuthenticationId.objects.filter(
            institution_id=OuterRef("principal_id"),
            usage_request__acting_for_id=OuterRef("agent_id"),
            state__in=DEPENDENT_ID_STATES,
        )
        .order_by()
        .values("institution_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    base = (
        Delegation.objects.select_related("principal", "agent", "withdrawn_by")
        .annotate(dependent_ids=Coalesce(Subquery(dependent, output_field=IntegerField()), Value(0)))
        .order_by("principal__name", "agent__name", "-valid_from", "pk")
    )
    given = base.filter(principal__in=own)
    received = base.none()
    if user.role in {Role.SUPPORT_ORG_STAFF, Role.PUBLIC_INTEREST_STAFF}:
        received = base.filter(agent__in=own).exclude(Q(principal__in=own))
    labels = dict(DelegationScope.choices)
    # Asked once per delegating institution, not per row.
    may_for: dict[int, bool] = {}

    def may(delegation: Delegation) -> bool:
        if delegation.principal_id not in may_for:
            may_for[delegation.principal_id] = institution_services.delegation_may_withdraw(
                user=user, delegation=delegation
            )
        return may_for[delegation.principal_id]

    def rows(qs: QuerySet[Delegation], *, withdrawable: bool) -> list[DelegationRow]:
        out = []
        for delegation in qs[:PAGE_LIMIT]:
            state = _state_of(delegation, today)
            out.append(
                DelegationRow(
                    delegation=delegation,
                    state=state,
                    scope_labels=[str(labels.get(code, code)) for code in (delegation.scope or [])],
                    dependent_ids=int(delegation.dependent_ids),  # type: ignore[attr-defined]
                    can_withdraw=withdrawable and state in {"active", "not_started"} and may(delegation),
                )
            )
        return out

    return rows(given, withdrawable=True), rows(received, withdrawable=False)
