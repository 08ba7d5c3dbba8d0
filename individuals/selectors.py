"""Reads of the individuals app, scoped to the acting user (deny by default)."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from backoffice.access.roles import BUREAU_SIDE, Cap, Role
from backoffice.accounts.models import RegionalBureau
from individuals.certno import CodeTable
from individuals.models import (
    AgentRegisterEntry,
    AgentRegistration,
    CertificateCode,
    CodeKind,
    RegistrationState,
)


def register_entries_visible_to(*, user: Any) -> QuerySet[AgentRegisterEntry]:
    """Fails closed. Reviewers see the entries of their bureau; auditors and administrators
    see all; nobody else sees the register."""
    qs = AgentRegisterEntry.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.can(Cap.AGENT_REGISTER_VIEW):
        return qs.none()
    if user.role in {Role.AUDITOR, Role.ADMINISTRATOR}:
        return qs
    if user.role in BUREAU_SIDE and user.bureau_id is not None:
        return qs.filter(bureau_id=user.bureau_id)
    return qs.none()


def register_list_for(*, user: Any) -> QuerySet[AgentRegisterEntry]:
    """The list's rows, with whether a live registration (an issued ID) exists: one query."""
    live = AgentRegistration.objects.filter(entry=OuterRef("pk")).exclude(state=RegistrationState.REVOKED)
    return register_entries_visible_to(user=user).annotate(registered=Exists(live))


def register_entry_get_for(*, user: Any, pk: int | str) -> AgentRegisterEntry:
    try:
        return register_entries_visible_to(user=user).select_related("bureau", "updated_by").get(pk=pk)
    except (AgentRegisterEntry.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def bureaus_manageable_by(*, user: Any) -> QuerySet[RegionalBureau]:
    """The bureaus whose entries this user may create or change."""
    qs = RegionalBureau.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.can(Cap.AGENT_REGISTER_MANAGE):
        return qs.none()
    if user.role == Role.ADMINISTRATOR:
        return qs
    if user.role in BUREAU_SIDE and user.bureau_id is not None:
        return qs.filter(pk=user.bureau_id)
    return qs.none()


def register_entry_can_change(*, user: Any, entry: AgentRegisterEntry) -> bool:
    return bureaus_manageable_by(user=user).filter(pk=entry.bureau_id).exists()


def registrations_of(entry: AgentRegisterEntry) -> QuerySet[AgentRegistration]:
    return entry.registrations.select_related("user").order_by("-registered_at")


def code_table() -> CodeTable:
    """The code table in use, as the converter takes it."""
    offices: dict[str, str] = {}
    categories: dict[str, str] = {}
    rows = CertificateCode.objects.filter(active=True).values_list("kind", "symbol", "code")
    for kind, symbol, code in rows:
        # The admin form checks the lengths; a row that slipped past it is left out, not fatal.
        if kind == CodeKind.OFFICE and len(code) == 2:
            offices[symbol] = code
        elif kind == CodeKind.CATEGORY and len(code) == 1:
            categories[symbol] = code
    return CodeTable.of(offices=offices, categories=categories)
