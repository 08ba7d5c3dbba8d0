"""List specs (search, filters, group-by, columns, export) for the registry's workbench lists."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export import fields, resources

from backoffice.access.roles import Cap
from backoffice.workbench.lists import BulkAction, Column, GroupBy, ListSpec, NamedFilter
from institutions import selectors
from institutions.models import (
    ComplianceFiling,
    CriminalSentence,
    Delegation,
    ForeignEmployee,
    Institution,
    InstitutionKind,
    InstitutionStatus,
    LawKind,
    Officer,
    PenaltyKind,
    StaffMembership,
    StatusOfResidence,
)


class InstitutionResource(resources.ModelResource):
    prefecture = fields.Field(attribute="prefecture__name_ja", column_name="prefecture")
    bureau = fields.Field(attribute="prefecture__bureau__name_ja", column_name="bureau")

    class Meta:
        model = Institution
        fields = (
            "id",
            "kind",
            "name",
            "name_kana",
            "corporate_number",
            "postal_code",
            "prefecture",
            "bureau",
            "address",
            "category",
            "category_reason",
            "status",
        )
        export_order = fields


class OfficerResource(resources.ModelResource):
    institution = fields.Field(attribute="institution__name", column_name="institution")

    class Meta:
        model = Officer
        fields = ("id", "institution", "name", "position", "appointed_on", "left_on")
        export_order = fields


class SentenceResource(resources.ModelResource):
    institution = fields.Field(attribute="institution__name", column_name="institution")
    officer = fields.Field(attribute="officer__name", column_name="officer")

    class Meta:
        model = CriminalSentence
        fields = (
            "id",
            "institution",
            "officer",
            "law_kind",
            "law_name",
            "penalty",
            "sentenced_on",
            "served_on",
        )
        export_order = fields


class FilingResource(resources.ModelResource):
    institution = fields.Field(attribute="institution__name", column_name="institution")

    class Meta:
        model = ComplianceFiling
        fields = ("id", "institution", "kind", "event_on", "filed_on", "note")
        export_order = fields


class EmployeeResource(resources.ModelResource):
    institution = fields.Field(attribute="institution__name", column_name="institution")

    class Meta:
        model = ForeignEmployee
        fields = (
            "id",
            "institution",
            "name",
            "nationality",
            "date_of_birth",
            "status_of_residence",
            "period_of_stay_until",
            "residence_card_number",
            "employed_from",
            "employed_until",
        )
        export_order = fields


class MembershipResource(resources.ModelResource):
    user = fields.Field(attribute="user__username", column_name="user")
    institution = fields.Field(attribute="institution__name", column_name="institution")

    class Meta:
        model = StaffMembership
        fields = ("id", "user", "institution", "title", "valid_from", "valid_to")
        export_order = fields


class DelegationResource(resources.ModelResource):
    principal = fields.Field(attribute="principal__name", column_name="principal")
    agent = fields.Field(attribute="agent__name", column_name="agent")

    class Meta:
        model = Delegation
        fields = ("id", "principal", "agent", "valid_from", "valid_to", "scope", "note")
        export_order = fields


def _bulk_suspend(user: object, rows: object) -> str:
    from institutions.services import institution_transition

    done = 0
    for institution in rows.filter(status=InstitutionStatus.ACTIVE):  # type: ignore[attr-defined]
        institution_transition(
            actor=user, institution_id=institution.pk, name="suspend", reason=str(_("bulk action"))
        )
        done += 1
    return ngettext("%(n)d institution suspended.", "%(n)d institutions suspended.", done) % {"n": done}


def _today() -> object:
    return timezone.localdate()


INSTITUTIONS = ListSpec(
    key="institutions",
    title=_("Institutions"),
    model=Institution,
    scope=lambda user: selectors.institution_list_visible_to(user=user),
    row_url=lambda obj: reverse("institutions:detail", args=[obj.pk]),
    columns=[
        Column("name", _("Name")),
        Column("kind", _("Kind")),
        Column("corporate_number", _("Corporate number")),
        Column("prefecture", _("Prefecture"), path="prefecture__code", render=lambda o: o.prefecture.name_ja),
        Column(
            "bureau",
            _("Bureau"),
            path="prefecture__bureau__ordering",
            default=False,
            render=lambda o: o.prefecture.bureau.name_ja,
        ),
        Column("category", _("Category")),
        Column("status", _("Status")),
        Column("address", _("Address"), default=False),
        Column(
            "updated_at",
            _("Updated"),
            default=False,
            render=lambda o: timezone.localtime(o.updated_at).strftime("%Y-%m-%d %H:%M"),
        ),
    ],
    search_fields=["name", "name_kana", "corporate_number", "address"],
    search_help=_("Name, kana, corporate number or address"),
    filters=[
        NamedFilter("active", _("Active"), lambda: Q(status=InstitutionStatus.ACTIVE)),
        NamedFilter("suspended", _("Suspended"), lambda: Q(status=InstitutionStatus.SUSPENDED)),
        NamedFilter("cat34", _("Category 3 or 4"), lambda: Q(category__in=[3, 4])),
        NamedFilter("accepting", _("Accepting institutions"), lambda: Q(kind=InstitutionKind.ACCEPTING)),
        NamedFilter("support", _("Support organisations"), lambda: Q(kind=InstitutionKind.SUPPORT_ORG)),
        NamedFilter(
            "no_corporate_number", _("No corporate number"), lambda: Q(corporate_number__isnull=True)
        ),
    ],
    group_bys=[
        GroupBy("category", _("Category"), "category"),
        GroupBy("kind", _("Kind"), "kind", choices=dict(InstitutionKind.choices)),
        GroupBy("status", _("Status"), "status", choices=dict(InstitutionStatus.choices)),
        GroupBy("prefecture", _("Prefecture"), "prefecture_id", label_path="prefecture__name_ja"),
        GroupBy("bureau", _("Bureau"), "prefecture__bureau_id", label_path="prefecture__bureau__name_ja"),
    ],
    default_sort="name",
    select_related=["prefecture__bureau"],
    bulk_actions=[BulkAction("suspend", _("Suspend selected"), Cap.INSTITUTION_SUSPEND, _bulk_suspend)],
    export_resource=InstitutionResource,
    create_url_name="institutions:create",
    create_capability=Cap.INSTITUTION_CREATE,
)

OFFICERS = ListSpec(
    key="officers",
    title=_("Officers"),
    model=Officer,
    scope=lambda user: selectors.officer_list_visible_to(user=user),
    row_url=lambda obj: reverse("institutions:officer_detail", args=[obj.pk]),
    columns=[
        Column("name", _("Name")),
        Column("position", _("Position")),
        Column("institution", _("Institution"), path="institution__name"),
        Column("appointed_on", _("Appointed on")),
        Column("left_on", _("Left on"), default=False),
    ],
    search_fields=["name", "position", "institution__name"],
    filters=[NamedFilter("current", _("Current officers"), lambda: Q(left_on__isnull=True))],
    group_bys=[GroupBy("institution", _("Institution"), "institution_id", label_path="institution__name")],
    default_sort="name",
    select_related=["institution"],
    export_resource=OfficerResource,
    create_url_name="institutions:officer_create",
    create_capability=Cap.INSTITUTION_EDIT,
)

SENTENCES = ListSpec(
    key="sentences",
    title=_("Criminal sentences"),
    model=CriminalSentence,
    scope=lambda user: selectors.sentence_list_visible_to(user=user),
    row_url=lambda obj: reverse("institutions:sentence_detail", args=[obj.pk]),
    columns=[
        Column("institution", _("Institution"), path="institution__name"),
        Column("officer", _("Officer"), path="officer__name"),
        Column("law_kind", _("Kind of law")),
        Column("law_name", _("Law")),
        Column("penalty", _("Penalty")),
        Column("sentenced_on", _("Sentenced on"), default=False),
        Column("served_on", _("Served on")),
    ],
    search_fields=["law_name", "institution__name", "officer__name"],
    filters=[
        NamedFilter(
            "immigration_labour",
            _("Immigration or labour law"),
            lambda: Q(law_kind__in=[LawKind.IMMIGRATION, LawKind.LABOUR]),
        ),
        NamedFilter("imprisonment", _("Imprisonment or heavier"), lambda: ~Q(penalty=PenaltyKind.FINE)),
    ],
    group_bys=[
        GroupBy("penalty", _("Penalty"), "penalty", choices=dict(PenaltyKind.choices)),
        GroupBy("law_kind", _("Kind of law"), "law_kind", choices=dict(LawKind.choices)),
    ],
    default_sort="-served_on",
    select_related=["institution", "officer"],
    export_resource=SentenceResource,
    create_url_name="institutions:sentence_create",
    create_capability=Cap.INSTITUTION_EDIT,
)

FILINGS = ListSpec(
    key="filings",
    title=_("Compliance filings"),
    model=ComplianceFiling,
    scope=lambda user: selectors.filing_list_visible_to(user=user),
    row_url=lambda obj: reverse("institutions:filing_detail", args=[obj.pk]),
    columns=[
        Column("institution", _("Institution"), path="institution__name"),
        Column("kind", _("Kind")),
        Column("event_on", _("Event date")),
        Column("filed_on", _("Filed on")),
        Column("note", _("Note"), default=False),
    ],
    search_fields=["institution__name", "note"],
    group_bys=[GroupBy("kind", _("Kind"), "kind")],
    default_sort="-filed_on",
    select_related=["institution"],
    export_resource=FilingResource,
    create_url_name="institutions:filing_create",
    create_capability=Cap.INSTITUTION_EDIT,
)

EMPLOYEES = ListSpec(
    key="employees",
    title=_("Foreign employees"),
    model=ForeignEmployee,
    scope=lambda user: selectors.employee_list_visible_to(user=user),
    row_url=lambda obj: reverse("institutions:employee_detail", args=[obj.pk]),
    columns=[
        Column("name", _("Name")),
        Column("nationality", _("Nationality")),
        Column("status_of_residence", _("Status of residence")),
        Column("period_of_stay_until", _("Period of stay until")),
        Column("institution", _("Institution"), path="institution__name"),
        Column("residence_card_number", _("Residence card"), default=False),
    ],
    search_fields=["name", "nationality", "residence_card_number", "institution__name"],
    filters=[
        NamedFilter(
            "expiring",
            _("Stay ends within 90 days"),
            lambda: Q(period_of_stay_until__lte=timezone.localdate() + timedelta(days=90)),
        ),
    ],
    group_bys=[
        GroupBy(
            "status", _("Status of residence"), "status_of_residence", choices=dict(StatusOfResidence.choices)
        ),
        GroupBy("nationality", _("Nationality"), "nationality"),
        GroupBy("institution", _("Institution"), "institution_id", label_path="institution__name"),
    ],
    default_sort="name",
    select_related=["institution"],
    export_resource=EmployeeResource,
    create_url_name="institutions:employee_create",
    create_capability=Cap.INSTITUTION_EDIT,
)

MEMBERSHIPS = ListSpec(
    key="memberships",
    title=_("Staff memberships"),
    model=StaffMembership,
    scope=lambda user: selectors.membership_list_visible_to(user=user),
    row_url=lambda obj: reverse("institutions:membership_detail", args=[obj.pk]),
    columns=[
        Column("user", _("User"), path="user__username"),
        Column("institution", _("Institution"), path="institution__name"),
        Column("title", _("Job title")),
        Column("valid_from", _("From")),
        Column("valid_to", _("To")),
    ],
    search_fields=["user__username", "user__display_name", "institution__name", "title"],
    group_bys=[GroupBy("institution", _("Institution"), "institution_id", label_path="institution__name")],
    default_sort="institution",
    select_related=["user", "institution"],
    export_resource=MembershipResource,
    create_url_name="institutions:membership_create",
    create_capability=Cap.MEMBERSHIP_MANAGE,
)

DELEGATIONS = ListSpec(
    key="delegations",
    title=_("Delegations"),
    model=Delegation,
    scope=lambda user: selectors.delegation_list_visible_to(user=user),
    row_url=lambda obj: reverse("institutions:delegation_detail", args=[obj.pk]),
    columns=[
        Column("principal", _("Delegating institution"), path="principal__name"),
        Column("agent", _("Delegated to"), path="agent__name"),
        Column("valid_from", _("Valid from")),
        Column("valid_to", _("Valid to")),
        Column("scope", _("Scope"), sortable=False, render=lambda o: ", ".join(o.scope)),
    ],
    search_fields=["principal__name", "agent__name", "note"],
    filters=[
        NamedFilter(
            "active",
            _("Active today"),
            lambda: (
                Q(valid_from__lte=timezone.localdate(), withdrawn_at__isnull=True)
                & (Q(valid_to__isnull=True) | Q(valid_to__gte=timezone.localdate()))
            ),
        ),
        NamedFilter("withdrawn", _("Withdrawn"), lambda: Q(withdrawn_at__isnull=False)),
    ],
    group_bys=[GroupBy("agent", _("Delegated to"), "agent_id", label_path="agent__name")],
    default_sort="-valid_from",
    select_related=["principal", "agent"],
    export_resource=DelegationResource,
    create_url_name="institutions:delegation_create",
    create_capability=Cap.DELEGATION_MANAGE,
)

ALL_LISTS = [INSTITUTIONS, OFFICERS, SENTENCES, FILINGS, EMPLOYEES, MEMBERSHIPS, DELEGATIONS]
