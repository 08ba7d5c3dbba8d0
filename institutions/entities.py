"""The registry's sub-records (officers, sentences, filings, employees, memberships,
delegations) share one set of generic views; each is described here once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from backoffice.access.roles import Cap
from backoffice.workbench.lists import ListSpec
from institutions import forms, lists, selectors
from institutions.models import (
    ComplianceFiling,
    CriminalSentence,
    Delegation,
    ForeignEmployee,
    Institution,
    InstitutionKind,
    Officer,
    StaffMembership,
)


@dataclass(frozen=True)
class Entity:
    key: str  # url prefix and audit action prefix
    model: type[models.Model]
    form: type[forms.NormalisingForm]
    spec: ListSpec
    visible: Callable[..., QuerySet[Any]]
    institution_of: Callable[[Any], Institution]
    institution_fields: tuple[str, ...]  # fields limited to institutions the user may change
    change_capability: str
    title: Any


def _all_agents() -> QuerySet[Institution]:
    return Institution.objects.filter(kind__in=[InstitutionKind.SUPPORT_ORG, InstitutionKind.PUBLIC_INTEREST])


ENTITIES: dict[str, Entity] = {
    e.key: e
    for e in [
        Entity(
            "officer",
            Officer,
            forms.OfficerForm,
            lists.OFFICERS,
            selectors.officer_list_visible_to,
            lambda o: o.institution,
            ("institution",),
            Cap.INSTITUTION_EDIT,
            _("Officer"),
        ),
        Entity(
            "sentence",
            CriminalSentence,
            forms.CriminalSentenceForm,
            lists.SENTENCES,
            selectors.sentence_list_visible_to,
            lambda o: o.institution,
            ("institution",),
            Cap.INSTITUTION_EDIT,
            _("Criminal sentence"),
        ),
        Entity(
            "filing",
            ComplianceFiling,
            forms.ComplianceFilingForm,
            lists.FILINGS,
            selectors.filing_list_visible_to,
            lambda o: o.institution,
            ("institution",),
            Cap.INSTITUTION_EDIT,
            _("Compliance filing"),
        ),
        Entity(
            "employee",
            ForeignEmployee,
            forms.ForeignEmployeeForm,
            lists.EMPLOYEES,
            selectors.employee_list_visible_to,
            lambda o: o.institution,
            ("institution",),
            Cap.INSTITUTION_EDIT,
            _("Foreign employee"),
        ),
        Entity(
            "membership",
            StaffMembership,
            forms.StaffMembershipForm,
            lists.MEMBERSHIPS,
            selectors.membership_list_visible_to,
            lambda o: o.institution,
            ("institution",),
            Cap.MEMBERSHIP_MANAGE,
            _("Staff membership"),
        ),
        Entity(
            "delegation",
            Delegation,
            forms.DelegationForm,
            lists.DELEGATIONS,
            selectors.delegation_list_visible_to,
            lambda o: o.principal,
            ("principal",),
            Cap.DELEGATION_MANAGE,
            _("Delegation"),
        ),
    ]
}


def restrict_form(form: forms.NormalisingForm, entity: Entity, user: Any) -> None:
    changeable = selectors.institutions_changeable_by(user=user)
    for name in entity.institution_fields:
        form._restrict_institutions(name, changeable)
    if entity.key == "delegation":
        form._restrict_institutions("agent", _all_agents())
    if "officer" in form.fields:
        form._restrict_institutions_related("officer", Officer.objects.filter(institution__in=changeable))
    if "employee" in form.fields:
        form._restrict_institutions_related(
            "employee", ForeignEmployee.objects.filter(institution__in=changeable)
        )
