"""Who may see which institution: decided here, once; every other app builds on it."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from backoffice.access.roles import BUREAU_SIDE, Cap, Role
from backoffice.accounts.models import Prefecture
from institutions.models import (
    ComplianceFiling,
    CriminalSentence,
    Delegation,
    ForeignEmployee,
    Institution,
    Officer,
    StaffMembership,
)


def _member_institution_ids(user: Any, today: date) -> QuerySet[StaffMembership, Any]:
    return (
        StaffMembership.objects.filter(user=user, valid_from__lte=today)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .values("institution_id")
    )


def institution_list_visible_to(*, user: Any, today: date | None = None) -> QuerySet[Institution]:
    """Fails closed: a role not named here sees nothing.

    Staff see their own institution; support-organisation and public-interest staff also
    see the institutions whose delegation to their organisation is active today;
    reviewers see their bureau's jurisdiction; auditors and administrators see all.
    """
    today = today or timezone.localdate()
    qs = Institution.objects.all()
    if not user.is_authenticated or not user.can(Cap.INSTITUTION_VIEW):
        return qs.none()
    role = user.role
    if role in {Role.AUDITOR, Role.ADMINISTRATOR}:
        return qs
    if role in BUREAU_SIDE:
        if user.bureau_id is None:
            return qs.none()
        # The bureau's prefecture codes as literals, not a join: the planner then estimates
        # the share of rows right and can filter inside the (prefecture, …) indexes.
        codes = list(Prefecture.objects.filter(bureau_id=user.bureau_id).values_list("code", flat=True))
        return qs.filter(prefecture_id__in=codes)
    own = _member_institution_ids(user, today)
    if role == Role.INSTITUTION_STAFF:
        return qs.filter(pk__in=own)
    if role in {Role.SUPPORT_ORG_STAFF, Role.PUBLIC_INTEREST_STAFF}:
        delegating = Delegation.objects.active_on(today).filter(agent_id__in=own).values("principal_id")
        return qs.filter(Q(pk__in=own) | Q(pk__in=delegating))
    return qs.none()


def institution_get_for(*, user: Any, pk: int | str) -> Institution:
    try:
        return institution_list_visible_to(user=user).select_related("prefecture__bureau").get(pk=pk)
    except (Institution.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def institution_can_change(*, user: Any, institution: Institution, today: date | None = None) -> bool:
    """Editing is narrower than seeing: delegated agents read but do not edit the principal."""
    if not user.can(Cap.INSTITUTION_EDIT):
        return False
    if user.role == Role.ADMINISTRATOR:
        return True
    if user.role in BUREAU_SIDE:
        return user.bureau_id is not None and institution.prefecture.bureau_id == user.bureau_id
    today = today or timezone.localdate()
    return _member_institution_ids(user, today).filter(institution_id=institution.pk).exists()


def institutions_changeable_by(*, user: Any) -> QuerySet[Institution]:
    visible = institution_list_visible_to(user=user)
    if user.role in BUREAU_SIDE or user.role == Role.ADMINISTRATOR:
        return visible if user.can(Cap.INSTITUTION_EDIT) else visible.none()
    return visible.filter(pk__in=_member_institution_ids(user, timezone.localdate()))


def officer_list_visible_to(*, user: Any) -> QuerySet[Officer]:
    return Officer.objects.filter(institution__in=institution_list_visible_to(user=user))


def sentence_list_visible_to(*, user: Any) -> QuerySet[CriminalSentence]:
    return CriminalSentence.objects.filter(institution__in=institution_list_visible_to(user=user))


def filing_list_visible_to(*, user: Any) -> QuerySet[ComplianceFiling]:
    return ComplianceFiling.objects.filter(institution__in=institution_list_visible_to(user=user))


def employee_list_visible_to(*, user: Any) -> QuerySet[ForeignEmployee]:
    return ForeignEmployee.objects.filter(institution__in=institution_list_visible_to(user=user))


def membership_list_visible_to(*, user: Any) -> QuerySet[StaffMembership]:
    return StaffMembership.objects.filter(institution__in=institution_list_visible_to(user=user))


def delegation_list_visible_to(*, user: Any) -> QuerySet[Delegation]:
    visible = institution_list_visible_to(user=user)
    return Delegation.objects.filter(Q(principal__in=visible) | Q(agent__in=visible))
