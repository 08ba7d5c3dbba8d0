"""The Django admin for the registry: an administrator's repair tool, not a second front end.

Writes still go through the services, so the admin computes the category, writes the audit
event in the same transaction and cannot bypass the chain. The status is an FSM field
(``protected=True``): it is read-only here and changes only through the workbench's
transitions. Every foreign key to an institution or a user is a raw-id input: a select
with a million options would take the page down.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from institutions import services
from institutions.entities import ENTITIES, Entity
from institutions.forms import InstitutionForm
from institutions.models import (
    ComplianceFiling,
    CriminalSentence,
    Delegation,
    ForeignEmployee,
    Institution,
    Officer,
    StaffMembership,
)


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = InstitutionForm
    list_display = ("name", "kind", "prefecture", "category", "status")
    list_filter = ("category", "kind", "status")
    search_fields = ("name", "corporate_number")
    list_select_related = ("prefecture",)
    # Same page size as the workbench list, so that bench/list_views.py compares like with like.
    list_per_page = 50
    # The unfiltered COUNT(*) over a million rows buys nothing on this page.
    show_full_result_count = False
    readonly_fields = ("status", "category", "category_reason", "created_at", "updated_at")
    actions = None  # no "delete selected": institutions are closed, not deleted

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Institution, form: ModelForm[Any], change: bool) -> None:
        editable = set(InstitutionForm.Meta.fields)
        if change:
            data = {name: form.cleaned_data[name] for name in form.changed_data if name in editable}
            services.institution_update(actor=request.user, institution_id=obj.pk, data=data)
            return
        data = {name: value for name, value in form.cleaned_data.items() if name in editable}
        created = services.institution_create(actor=request.user, data=data)
        # The admin goes on with ``obj`` (change message, redirect): make it the saved row.
        obj.pk = created.pk
        obj.category = created.category
        obj.category_reason = created.category_reason
        obj._state.adding = False
        obj._state.db = created._state.db


class _ChildAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Officers, sentences, filings, employees, memberships and delegations, saved and
    deleted through ``child_record_save`` / ``child_record_delete`` (audited)."""

    entity_key = ""
    list_per_page = 50
    show_full_result_count = False

    @property
    def entity(self) -> Entity:
        return ENTITIES[self.entity_key]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        kwargs.setdefault("form", self.entity.form)
        return super().get_form(request, obj, change, **kwargs)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # a bulk queryset.delete() would skip the audit log
        return actions

    def save_model(self, request: HttpRequest, obj: models.Model, form: ModelForm[Any], change: bool) -> None:
        fields = list(self.entity.form.base_fields)
        before = None
        if change:
            stored = type(obj)._default_manager.get(pk=obj.pk)
            before = services.snapshot(stored, fields)
        services.child_record_save(
            actor=request.user,
            instance=obj,
            entity=self.entity_key,
            institution_id=self.entity.institution_of(obj).pk,
            fields=fields,
            before=before,
        )

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        services.child_record_delete(
            actor=request.user,
            instance=obj,
            entity=self.entity_key,
            institution_id=self.entity.institution_of(obj).pk,
        )

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(Officer)
class OfficerAdmin(_ChildAdmin):
    entity_key = "officer"
    list_display = ("name", "position", "institution", "appointed_on", "left_on")
    search_fields = ("name", "institution__name")
    list_select_related = ("institution",)
    raw_id_fields = ("institution",)


@admin.register(CriminalSentence)
class CriminalSentenceAdmin(_ChildAdmin):
    entity_key = "sentence"
    list_display = ("institution", "officer", "law_kind", "penalty", "served_on")
    list_filter = ("law_kind", "penalty")
    search_fields = ("law_name", "institution__name")
    list_select_related = ("institution", "officer")
    raw_id_fields = ("institution", "officer")


@admin.register(ComplianceFiling)
class ComplianceFilingAdmin(_ChildAdmin):
    entity_key = "filing"
    list_display = ("institution", "kind", "event_on", "filed_on")
    list_filter = ("kind",)
    search_fields = ("institution__name", "note")
    list_select_related = ("institution",)
    raw_id_fields = ("institution", "employee")


@admin.register(ForeignEmployee)
class ForeignEmployeeAdmin(_ChildAdmin):
    entity_key = "employee"
    list_display = ("name", "nationality", "status_of_residence", "institution", "period_of_stay_until")
    list_filter = ("status_of_residence",)
    search_fields = ("name", "institution__name")
    list_select_related = ("institution",)
    raw_id_fields = ("institution",)


@admin.register(StaffMembership)
class StaffMembershipAdmin(_ChildAdmin):
    entity_key = "membership"
    list_display = ("user", "institution", "title", "valid_from", "valid_to")
    search_fields = ("user__username", "institution__name")
    list_select_related = ("user", "institution")
    raw_id_fields = ("user", "institution")


@admin.register(Delegation)
class DelegationAdmin(_ChildAdmin):
    entity_key = "delegation"
    list_display = ("principal", "agent", "valid_from", "valid_to")
    search_fields = ("principal__name", "agent__name")
    list_select_related = ("principal", "agent")
    raw_id_fields = ("principal", "agent")
