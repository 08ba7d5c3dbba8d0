"""The Django admin for usage requests: an administrator's inspection and repair tool.

The lifecycle runs only through the services (four eyes, rule snapshots, audit events), so
the state is read-only here (an FSM field with ``protected=True``), nothing is deleted, and
requests are not created here: institutions file them. A repair of another field is saved
with an audit event in the same transaction, so the admin cannot bypass the chain. Every
foreign key is a raw-id input: a select with a million institutions or reviews would take
the page down.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from backoffice.audit.services import audit_log
from backoffice.text import reject_my_number
from usage_requests.models import UsageRequest


def _plain(value: Any) -> Any:
    """A form value as the audit event's JSON stores it."""
    if isinstance(value, models.Model):
        return value.pk
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


class OutcomeFilter(admin.SimpleListFilter):
    """Fixed choices: the field-based filter would run SELECT DISTINCT over a million reviews."""

    title = _("outcome")
    parameter_name = "outcome"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("pass", "pass"), ("needs_review", "needs_review"), ("fail", "fail")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(review__outcome=self.value()) if self.value() else queryset


class CategoryFilter(admin.SimpleListFilter):
    """The institution's category, fixed choices (no SELECT DISTINCT over a million institutions)."""

    title = _("institution category")
    parameter_name = "category"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("1", "1"), ("2", "2"), ("3", "3"), ("4", "4"), ("34", _("3 or 4"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value == "34":
            return queryset.filter(institution__category__in=[3, 4])
        if value in {"1", "2", "3", "4"}:
            return queryset.filter(institution__category=int(value))
        return queryset


@admin.register(UsageRequest)
class UsageRequestAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    # The workbench queue's columns, "id" first: ``o=-0`` is the queue's default order (newest
    # first) and ``o=6.0`` its due-date order with the id as tie-break (indexes are 0-based).
    list_display = ("id", "institution", "kind", "state", "channel", "submitted_on", "due_on", "outcome",
                    "assignee")  # fmt: skip
    list_display_links = ("id",)
    list_filter = ("state", "kind", "channel", OutcomeFilter, "review__bureau", CategoryFilter)
    list_select_related = ("institution", "review__assignee")
    raw_id_fields = ("institution", "acting_for", "filer", "review")
    readonly_fields = ("state", "created_at", "updated_at")
    # Same page size as the workbench list, so that bench/list_views.py compares like with like.
    list_per_page = 50
    # The unfiltered COUNT(*) over a million rows buys nothing on this page.
    show_full_result_count = False
    actions = None  # no "delete selected"

    @admin.display(description=_("review due"), ordering="review__due_on")
    def due_on(self, obj: UsageRequest) -> Any:
        return obj.review.due_on if obj.review else None

    @admin.display(description=_("outcome"), ordering="review__outcome")
    def outcome(self, obj: UsageRequest) -> str:
        return obj.review.outcome if obj.review else ""

    @admin.display(description=_("assignee"), ordering="review__assignee__username")
    def assignee(self, obj: UsageRequest) -> Any:
        return (obj.review.assignee or "") if obj.review else ""

    def formfield_for_dbfield(
        self, db_field: models.Field[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        # Typed text, including the facts' raw JSON: no My Number (§13 D12).
        if field is not None and db_field.name in {"last_message", "declared_facts"}:
            field.validators = [*field.validators, reject_my_number]
        return field

    def save_model(self, request: HttpRequest, obj: UsageRequest, form: ModelForm[Any], change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit_log(
                actor=request.user,
                action="usage_request.admin_changed",
                target=obj,
                institution_id=obj.institution_id,
                data={
                    name: {"from": _plain(form.initial.get(name)), "to": _plain(form.cleaned_data.get(name))}
                    for name in form.changed_data
                },
            )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
