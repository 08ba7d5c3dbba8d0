"""Reads of residence applications, scoped to the acting user, and the facts the permission
matrix needs about a filer (who they are, for whom they may file)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from applications.models import Application
from applications.rules.matrix import INSTITUTION_FILERS, Filer
from backoffice.access.roles import BUREAU_SIDE, INDIVIDUALS, Cap, Role
from individuals.card_models import CardholderRegistration, CardholderState
from individuals.models import AgentRegistration, RegistrationState
from institutions.models import Delegation, DelegationScope, ForeignEmployee, Institution, StaffMembership
from usage_requests.models import AuthenticationId, AuthIdState


def application_list_visible_to(*, user: Any) -> QuerySet[Application]:
    """Fails closed. Filers on the institution side see the applications of the institutions they
    may see; reviewers their bureau's; auditors and administrators all; individuals what they filed."""
    qs: QuerySet[Application] = Application.objects.all()
    role = user.role if getattr(user, "is_authenticated", False) and user.can(Cap.APPLICATION_VIEW) else None
    if role in {Role.AUDITOR, Role.ADMINISTRATOR}:
        scoped = qs
    elif role in BUREAU_SIDE:
        scoped = qs.filter(bureau_id=user.bureau_id) if user.bureau_id else qs.none()
    elif role in INDIVIDUALS:
        scoped = qs.filter(filer=user)
    elif role is not None:
        from institutions.selectors import institution_list_visible_to

        visible = institution_list_visible_to(user=user).values("pk")
        scoped = qs.filter(Q(institution_id__in=visible) | Q(filer=user))
    else:
        scoped = qs.none()
    return scoped


def application_get_for(*, user: Any, pk: int | str) -> Application:
    try:
        application: Application = (
            application_list_visible_to(user=user)
            .select_related(
                "filing__operator",
                "filer",
                "institution",
                "employee",
                "prefecture",
                "bureau",
                "principal",
                "examiner",
            )
            .get(pk=pk)
        )
    except (Application.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    return application


def _memberships(user: Any, today: date) -> QuerySet[StaffMembership]:
    return StaffMembership.objects.filter(user=user, valid_from__lte=today).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=today)
    )


def institutions_filable_by(*, user: Any, today: date | None = None) -> QuerySet[Institution]:
    """Institutions whose affiliated foreign nationals this institution-side user may file for:
    a live authentication ID (認証ID) for that institution, and — for support-organisation and
    public-interest staff — the institution's request (依頼) to their organisation in force and
    covering residence applications."""
    today = today or timezone.localdate()
    if not getattr(user, "is_authenticated", False) or user.role not in INSTITUTION_FILERS:
        return Institution.objects.none()
    with_id = AuthenticationId.objects.filter(holder=user, state=AuthIdState.ACTIVE).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    )
    qs = Institution.objects.filter(pk__in=with_id.values("institution_id"))
    member_of = _memberships(user, today).values("institution_id")
    if user.role == Role.INSTITUTION_STAFF:
        return qs.filter(pk__in=member_of)
    # One query for the delegations, the scope checked in Python (SQLite has no JSON containment).
    delegations = Delegation.objects.active_on(today).filter(
        agent_id__in=member_of, principal_id__in=qs.values("pk")
    )
    covered = {
        principal_id
        for principal_id, scope in delegations.values_list("principal_id", "scope")
        if DelegationScope.RESIDENCE_APPLICATIONS.value in (scope or [])
    }
    return qs.filter(pk__in=covered)


def delegation_active(*, principal_id: int, user: Any, today: date) -> bool:
    """The institution's request (依頼) to one of the user's organisations is in force and covers
    residence applications (checked in Python: SQLite has no JSON containment)."""
    member_of = _memberships(user, today).values("institution_id")
    scopes = Delegation.objects.active_on(today).filter(principal_id=principal_id, agent_id__in=member_of)
    return any(
        DelegationScope.RESIDENCE_APPLICATIONS.value in (scope or [])
        for scope in scopes.values_list("scope", flat=True)
    )


def employee_affiliated(employee: ForeignEmployee, *, today: date) -> bool:
    started = employee.employed_from is None or employee.employed_from <= today
    ended = employee.employed_until is not None and employee.employed_until < today
    return started and not ended


def employees_filable_by(*, user: Any, today: date | None = None) -> QuerySet[ForeignEmployee]:
    today = today or timezone.localdate()
    return (
        ForeignEmployee.objects.filter(institution__in=institutions_filable_by(user=user, today=today))
        .filter(Q(employed_from__isnull=True) | Q(employed_from__lte=today))
        .filter(Q(employed_until__isnull=True) | Q(employed_until__gte=today))
        .select_related("institution")
    )


@dataclass(frozen=True)
class FilerProfile:
    """Who is filing, as the matrix sees them, and whether their account lets them file at all."""

    kind: Filer | None
    active: bool
    date_of_birth: date | None = None
    relationship: str = ""
    problem_ja: str = ""
    problem_en: str = ""


def filer_profile(*, user: Any) -> FilerProfile:
    role = getattr(user, "role", None)
    if role in {Role.FOREIGN_NATIONAL, Role.LEGAL_REPRESENTATIVE, Role.RELATIVE}:
        registration = CardholderRegistration.objects.filter(user=user).first()
        if registration is None or registration.state != CardholderState.ACTIVE:
            return FilerProfile(
                Filer(role), False, problem_ja="マイナンバーカードによる登録が有効ではありません。",
                problem_en="Your My Number Card registration is not active.",
            )  # fmt: skip
        return FilerProfile(
            Filer(role),
            True,
            date_of_birth=registration.date_of_birth,
            relationship=registration.relationship,
        )
    if role in {Role.LAWYER, Role.GYOSEISHOSHI}:
        agent = AgentRegistration.objects.filter(user=user).first()
        if agent is None or agent.state != RegistrationState.ACTIVE:
            return FilerProfile(
                Filer(role), False, problem_ja="申請等取次者としての登録が有効ではありません。",
                problem_en="Your registration as a filing agent is not active.",
            )  # fmt: skip
        return FilerProfile(Filer(role), True)
    if role in INSTITUTION_FILERS:
        return FilerProfile(Filer(role), True)
    return FilerProfile(
        None,
        False,
        problem_ja="この役割では申請できません。",
        problem_en="Your role does not file applications.",
    )


def may_act_as_filer(*, user: Any, application: Application, today: date | None = None) -> bool:
    """The filer, or for institution-side applications a colleague who may file for the institution."""
    if not getattr(user, "is_authenticated", False) or not user.can(Cap.APPLICATION_FILE):
        return False
    if application.filer_id == user.pk:
        return True
    if user.role in INSTITUTION_FILERS and application.institution_id is not None:
        return institutions_filable_by(user=user, today=today).filter(pk=application.institution_id).exists()
    return False
