"""Residence applications as a workbench list: the filer's follow-up and the bureau's examination queue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Case, F, Func, Q, TextField, Value, When
from django.db.models.functions import Concat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources

from applications import selectors
from applications.models import OPEN_STATES, Application, ApplicationState, ProcedureChoice
from backoffice.access.roles import Cap
from backoffice.workbench.exports import spreadsheet_safe
from backoffice.workbench.lists import Column, GroupBy, LinkAction, ListSpec, NamedFilter

# The steps an application went through, from the timestamps the services set on it, in order.
STEPS = (
    ("submitted_at", _("filed")),
    ("received_at", _("received")),
    ("decided_at", _("decided")),
    ("fee_confirmed_at", _("fee confirmed")),
    ("mailed_at", _("card mailed")),
    ("completed_at", _("completed")),
    ("withdrawn_at", _("withdrawn")),
)


class ApplicationResource(resources.ModelResource):
    """Export of the list: no attachments, no secrets; the receipt number is the key people quote.

    ``steps`` summarises the transitions from the application's own timestamps (no audit-trail
    query per row): ``filed 2025-04-01; received 2025-04-02; …`` in local dates.
    """

    procedure = fields.Field(attribute="get_procedure_display", column_name="procedure")
    state = fields.Field(attribute="get_state_display", column_name="state")
    steps = fields.Field(column_name="steps")

    class Meta:
        model = Application
        fields = (
            "id", "receipt_number", "provisional_number", "procedure", "state", "subject_name", "nationality",
            "status", "notice", "bureau__name_ja", "institution__name", "submitted_at", "received_at",
            "decided_at", "fee_yen", "tracking_number", "steps",
        )  # fmt: skip
        export_order = fields

    # What the steps are made of, for an export of values (workbench/export_plan.py).
    export_values = {"steps": tuple(name for name, _label in STEPS)}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._labels: list[str] | None = None
        self._zone: Any = None

    def dehydrate_steps(self, obj: Application) -> str:
        return self.values_steps(*(getattr(obj, name) for name, _label in STEPS))

    def sql_steps(self) -> Any:
        """The steps as PostgreSQL writes them (export_plan: ExportPlan.safe_rows, COPY): the
        same text, or None if a label would need the formula apostrophe."""
        labels = [str(label) for _name, label in STEPS]
        if any(spreadsheet_safe(label) != label for label in labels):
            return None
        zone = str(timezone.get_current_timezone()).replace("'", "")
        steps = [
            Case(
                When(
                    **{f"{name}__isnull": False},
                    then=Concat(
                        Value(f"{label} "),
                        Func(
                            F(name), template=f"to_char(%(expressions)s AT TIME ZONE '{zone}', 'YYYY-MM-DD')"
                        ),
                        output_field=TextField(),
                    ),
                ),
                default=None,
                output_field=TextField(),
            )
            for (name, _label), label in zip(STEPS, labels, strict=True)
        ]
        return Func(*steps, template="concat_ws('; ', %(expressions)s)", output_field=TextField())

    def values_steps(self, *moments: datetime | None) -> str:
        """The steps of an application whose STEPS timestamps are ``moments``."""
        if self._labels is None:  # the labels in the export's language and its zone, once
            self._labels = [str(label) for _name, label in STEPS]
            self._zone = timezone.get_current_timezone()
        zone = self._zone
        return "; ".join(
            f"{label} {when.astimezone(zone).date().isoformat()}"
            for label, when in zip(self._labels, moments, strict=True)
            if when is not None
        )


def _bureau(obj: Application) -> str:
    return obj.bureau.name_ja if obj.bureau else ""


APPLICATIONS = ListSpec(
    key="applications",
    title=_("Residence applications"),
    model=Application,
    scope=lambda user: selectors.application_list_visible_to(user=user),
    row_url=lambda obj: reverse("applications:detail", args=[obj.pk]),
    columns=[
        Column("receipt_number", _("Receipt number")),
        Column("provisional_number", _("Provisional number"), default=False),
        Column("procedure", _("Procedure")),
        Column("subject_name", _("Applicant")),
        Column("status", _("Status of residence")),
        Column("state", _("State")),
        Column("bureau", _("Bureau"), path="bureau__ordering", render=_bureau),
        Column("submitted_at", _("Filed at")),
        Column(
            "institution",
            _("Institution"),
            path="institution__name",
            default=False,
            render=lambda o: o.institution.name if o.institution else "",
        ),
    ],
    search_fields=[
        "receipt_number",
        "provisional_number",
        "subject_name",
        "residence_card_number",
        "institution__name",
    ],
    search_help=_("Receipt or provisional number, applicant, residence card number, institution"),
    filters=[
        NamedFilter("open", _("Open"), lambda: Q(state__in=[s.value for s in OPEN_STATES])),
        NamedFilter("to_examine", _("To examine"), lambda: Q(state__in=["received", "under_examination"])),
        NamedFilter("supplement", _("Awaiting supplement"), lambda: Q(state="awaiting_supplement")),
        NamedFilter("to_issue", _("Fee and card"), lambda: Q(state__in=["granted", "awaiting_issue"])),
        NamedFilter("drafts", _("Drafts"), lambda: Q(state="draft")),
    ],
    group_bys=[
        GroupBy("procedure", _("Procedure"), "procedure", choices=dict(ProcedureChoice.choices)),
        GroupBy("state", _("State"), "state", choices=dict(ApplicationState.choices)),
        GroupBy("bureau", _("Bureau"), "bureau_id", label_path="bureau__name_ja"),
    ],
    default_sort="-pk",
    select_related=["bureau", "institution"],
    export_resource=ApplicationResource,
    create_url_name="applications:new",
    create_capability=Cap.APPLICATION_FILE,
    link_actions=[
        LinkAction(_("Bulk input (一括)"), "applications:bulk", Cap.APPLICATION_FILE),
        LinkAction(_("Who may file what"), "applications:matrix", Cap.APPLICATION_VIEW),
    ],
)
