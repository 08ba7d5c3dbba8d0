from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from import_export import resources

from backoffice.access.roles import Cap
from backoffice.audit.models import AuditEvent
from backoffice.workbench.lists import Column, GroupBy, ListSpec


class AuditEventResource(resources.ModelResource):
    class Meta:
        model = AuditEvent
        fields = (
            "global_seq",
            "occurred_at",
            "actor_label",
            "action",
            "target_type",
            "target_id",
            "target_label",
            "institution_id",
            "chain",
            "chain_seq",
            "request_id",
            "data",
            "hash",
        )
        export_order = fields


def _scope(user: Any) -> QuerySet[AuditEvent]:
    if not user.can(Cap.AUDIT_VIEW):
        return AuditEvent.objects.none()
    return AuditEvent.objects.all()


AUDIT_EVENTS = ListSpec(
    key="audit_events",
    title=_("Audit log"),
    model=AuditEvent,
    scope=_scope,
    row_url=lambda e: reverse("audit:events") + f"?q={e.target_id}",
    columns=[
        Column("global_seq", _("No."), path="global_seq"),
        Column(
            "occurred_at",
            _("When"),
            render=lambda e: e.occurred_at.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
        ),
        Column("actor_label", _("Who")),
        Column("action", _("Action")),
        Column("target_label", _("Record")),
        Column("chain", _("Chain"), default=False),
        Column("request_id", _("Request id"), default=False),
    ],
    search_fields=["action", "actor_label", "target_label", "target_id", "request_id"],
    group_bys=[GroupBy("action", _("Action"), "action"), GroupBy("actor", _("Who"), "actor_label")],
    default_sort="-global_seq",
    export_resource=AuditEventResource,
)
