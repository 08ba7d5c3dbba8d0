"""The register of notified lawyers and gyoseishoshi as a workbench list."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backoffice.access.roles import Cap
from backoffice.workbench.lists import Column, GroupBy, LinkAction, ListSpec, NamedFilter
from individuals import selectors
from individuals.models import AgentKind, AgentRegisterEntry, RegisterStatus
from individuals.resources import AgentRegisterResource


def _valid_today() -> Q:
    today = timezone.localdate()
    return Q(status=RegisterStatus.ACTIVE, valid_from__lte=today) & (
        Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    )


REGISTER = ListSpec(
    key="agent_register",
    title=_("Notified lawyers and gyoseishoshi"),
    model=AgentRegisterEntry,
    scope=lambda user: selectors.register_list_for(user=user),
    row_url=lambda obj: reverse("individuals:register_detail", args=[obj.pk]),
    columns=[
        Column("certificate_number", _("Certificate number")),
        Column("name", _("Name")),
        Column("name_latin", _("Name in Latin letters"), default=False),
        Column("kind", _("Profession")),
        Column("association", _("Association")),
        Column("bureau", _("Bureau"), path="bureau__ordering", render=lambda o: o.bureau.name_ja),
        Column("valid_until", _("Valid until")),
        Column("status", _("Status")),
        Column(
            "registered",
            _("ID issued"),
            sortable=False,
            render=lambda o: _("Yes") if getattr(o, "registered", False) else _("No"),
        ),
        Column("notified_on", _("Notified on"), default=False),
        Column("office_name", _("Office"), default=False),
    ],
    search_fields=["certificate_number", "name", "name_latin", "association", "office_name"],
    search_help=_("Certificate number, name, association or office"),
    filters=[
        NamedFilter("valid", _("Valid today"), _valid_today),
        NamedFilter(
            "expiring",
            _("Expires within 90 days"),
            lambda: Q(
                valid_until__gte=timezone.localdate(), valid_until__lte=timezone.localdate() + timedelta(90)
            ),
        ),
        NamedFilter("lawyers", _("Lawyers"), lambda: Q(kind=AgentKind.LAWYER)),
        NamedFilter("gyoseishoshi", _("Gyoseishoshi"), lambda: Q(kind=AgentKind.GYOSEISHOSHI)),
    ],
    group_bys=[
        GroupBy("kind", _("Profession"), "kind", choices=dict(AgentKind.choices)),
        GroupBy("status", _("Status"), "status", choices=dict(RegisterStatus.choices)),
        GroupBy("bureau", _("Bureau"), "bureau_id", label_path="bureau__name_ja"),
    ],
    default_sort="name",
    select_related=["bureau"],
    export_resource=AgentRegisterResource,
    create_url_name="individuals:register_create",
    create_capability=Cap.AGENT_REGISTER_MANAGE,
    link_actions=[LinkAction(_("Import CSV/XLSX"), "individuals:register_import", Cap.AGENT_REGISTER_MANAGE)],
)
