"""Who may file for which institution, and which requests a user may see."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from backoffice.access.roles import BUREAU_SIDE, Cap, Role
from backoffice.text import nfkc
from institutions.models import Delegation, DelegationScope, Institution, StaffMembership
from reviews.rules.examples import deep_merge
from reviews.selectors import eligibility_facts_for
from usage_requests.models import AuthenticationId, AuthIdState, RequestState, UsageRequest


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
        return delegation_covers(institution=institution, agent=acting_for, today=today)
    return False


def delegation_covers(*, institution: Institution, agent: Institution, today: date) -> bool:
    """The institution's delegation (依頼) to ``agent`` is in force today and covers usage requests."""
    # The scope is a small JSON list; checked here because SQLite has no JSON containment.
    scopes = Delegation.objects.active_on(today).filter(principal=institution, agent=agent)
    return any(
        DelegationScope.USAGE_REQUEST.value in (scope or [])
        for scope in scopes.values_list("scope", flat=True)
    )


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


def auth_id_list_visible_to(*, user: Any) -> QuerySet[AuthenticationId]:
    """Fails closed. The authentication IDs issued on the requests the user may see
    (``usage_request_list_visible_to``): a bureau its jurisdiction's, auditors and
    administrators all, filers their institutions'."""
    visible = usage_request_list_visible_to(user=user).values("pk")
    return AuthenticationId.objects.filter(usage_request_id__in=visible)


def usage_request_list_bureau(*, user: Any) -> int | None:
    """The bureau whose reviews make up this user's list, if that is what it is
    (usage_request_list_visible_to: a bureau's reviewers and supervisors); None otherwise."""
    if not getattr(user, "is_authenticated", False) or not user.can(Cap.USAGE_REQUEST_VIEW):
        return None
    if user.role not in BUREAU_SIDE:
        return None
    bureau_id: int | None = user.bureau_id
    return bureau_id


def usage_request_get_for(*, user: Any, pk: int | str) -> UsageRequest:
    try:
        return (
            usage_request_list_visible_to(user=user)
            .select_related("institution__prefecture__bureau", "acting_for", "filer", "review__assignee")
            .get(pk=pk)
        )
    except (UsageRequest.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def _paper_intake_scope(user: Any) -> QuerySet[Institution]:
    """Institutions in the jurisdiction of the reviewer's bureau."""
    if getattr(user, "role", None) not in BUREAU_SIDE or not user.bureau_id:
        return Institution.objects.none()
    return Institution.objects.filter(prefecture__bureau_id=user.bureau_id)


def paper_intake_institutions(*, user: Any, query: str, limit: int = 20) -> list[Institution]:
    """Find the institution named on a paper request: corporate number or name, in the bureau."""
    text = nfkc(query).strip().replace("-", "")
    scope = _paper_intake_scope(user).select_related("prefecture")
    if text.isdigit() and len(text) == 13:
        return list(scope.filter(corporate_number=text)[:limit])
    return list(scope.filter(name__icontains=nfkc(query).strip()).order_by("name", "pk")[:limit])


def paper_intake_institution(*, user: Any, pk: str) -> Institution | None:
    if not pk.isdigit():
        return None
    found: Institution | None = (
        _paper_intake_scope(user).select_related("prefecture").filter(pk=int(pk)).first()
    )
    return found


def _filer_revocations(request: UsageRequest) -> list[dict[str, str]]:
    """The filer's revoked IDs, with when and why: the rules decide whether a cooldown runs."""
    revoked = AuthenticationId.objects.filter(
        holder_id=request.filer_id,
        state=AuthIdState.REVOKED,
        revoked_at__isnull=False,
        # A suspended ID replaced by a new one was not revoked in the rules' sense.
        revocation_reason__in=["own_request", "sanction"],
    ).values_list("revoked_at", "revocation_reason")
    return [
        {"on": timezone.localdate(when).isoformat(), "reason": reason} for when, reason in revoked if reason
    ]


def usage_request_facts(request: UsageRequest, *, today: date) -> dict[str, Any]:
    """The rules' facts for ``request`` as if submitted ``today``: the registry, the filer's
    answers over it, and the filer's revocations."""
    registry = eligibility_facts_for(institution=request.institution, submitted_on=today)
    facts: dict[str, Any] = deep_merge(registry, request.declared_facts or {})
    facts["submitted_on"] = today.isoformat()
    facts.setdefault("filer", {})["revocations"] = _filer_revocations(request)
    return facts
