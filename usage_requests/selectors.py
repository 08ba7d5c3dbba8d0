"""Who may file for which institution, and which requests a user may see."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from backoffice.access.roles import BUREAU_SIDE, Cap, Role
from institutions.models import Delegation, DelegationScope, Institution, StaffMembership
from usage_requests.models import RequestState, UsageRequest


def _memberships(user: Any, today: date) -> QuerySet[StaffMembership]:
    return StaffMembership.objects.filter(user=user, valid_from__lte=today).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=today)
    )


def may_file_for(
    *, user: Any, institution: Institution, acting_for: Institution | None, today: date | None = None
) -> bool:
    """Institution staff file for their own institution; support-organisation and
    public-interest staff only through their organisation, while the institution's
    delegation (依頼) to it covers usage requests today."""
    if not getattr(user, "is_authenticated", False) or not user.can(Cap.USAGE_REQUEST_FILE):
        return False
    today = today or timezone.localdate()
    member_of = _memberships(user, today).values_list("institution_id", flat=True)
    if user.role == Role.INSTITUTION_STAFF:
        return acting_for is None and institution.pk in set(member_of)
    if user.role in {Role.SUPPORT_ORG_STAFF, Role.PUBLIC_INTEREST_STAFF}:
        if acting_for is None or acting_for.pk not in set(member_of):
            return False
        # The scope is a small JSON list; checked here because SQLite has no JSON containment.
        scopes = Delegation.objects.active_on(today).filter(principal=institution, agent=acting_for)
        return any(
            DelegationScope.USAGE_REQUEST.value in (scope or [])
            for scope in scopes.values_list("scope", flat=True)
        )
    return False


def filing_options(*, user: Any, today: date | None = None) -> list[tuple[Institution, Institution | None]]:
    """Every (institution, acting_for) pair this user may file a request for today."""
    today = today or timezone.localdate()
    own = list(Institution.objects.filter(pk__in=_memberships(user, today).values("institution_id")))
    if user.role == Role.INSTITUTION_STAFF:
        return [(institution, None) for institution in own]
    if user.role in {Role.SUPPORT_ORG_STAFF, Role.PUBLIC_INTEREST_STAFF}:
        pairs: list[tuple[Institution, Institution | None]] = []
        for delegation in (
            Delegation.objects.active_on(today).filter(agent__in=own).select_related("principal", "agent")
        ):
            if DelegationScope.USAGE_REQUEST.value in (delegation.scope or []):
                pairs.append((delegation.principal, delegation.agent))
        return pairs
    return []


def usage_request_list_visible_to(*, user: Any) -> QuerySet[UsageRequest]:
    """Fails closed. Filers see their institutions' requests (drafts included); bureaus see
    their jurisdiction's requests once submitted; auditors see everything."""
    # Typed here: the FSM mixins hide the manager's type from mypy.
    qs: QuerySet[UsageRequest] = UsageRequest.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.can(Cap.USAGE_REQUEST_VIEW):
        return qs.none()
    if user.role in {Role.AUDITOR, Role.ADMINISTRATOR}:
        return qs.exclude(state=RequestState.DRAFT)
    if user.role in BUREAU_SIDE:
        if user.bureau_id is None:
            return qs.none()
        return qs.filter(review__bureau_id=user.bureau_id)
    today = timezone.localdate()
    member_of = _memberships(user, today).values("institution_id")
    if user.role == Role.INSTITUTION_STAFF:
        return qs.filter(institution_id__in=member_of, acting_for__isnull=True)
    if user.role in {Role.SUPPORT_ORG_STAFF, Role.PUBLIC_INTEREST_STAFF}:
        return qs.filter(acting_for_id__in=member_of)
    return qs.none()


def usage_request_get_for(*, user: Any, pk: int | str) -> UsageRequest:
    try:
        return (
            usage_request_list_visible_to(user=user)
            .select_related("institution__prefecture__bureau", "acting_for", "filer", "review__assignee")
            .get(pk=pk)
        )
    except (UsageRequest.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
