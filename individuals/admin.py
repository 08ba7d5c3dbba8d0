"""The Django admin for the code table that converts old-style certificate numbers (§13 D5).

Administrators maintain it here; every save and delete goes through the services, so it is
audited in the same transaction. The register itself is maintained in the workbench."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from individuals import services
from individuals.forms import CertificateCodeForm
from individuals.models import CertificateCode


@admin.register(CertificateCode)
class CertificateCodeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = CertificateCodeForm
    list_display = ("kind", "symbol", "code", "label", "active", "source")
    list_filter = ("kind", "active")
    search_fields = ("symbol", "code", "label")

    def save_model(
        self, request: HttpRequest, obj: CertificateCode, form: ModelForm[Any], change: bool
    ) -> None:
        services.certificate_code_save(
            actor=request.user, code=obj, changed=form.changed_data if change else ()
        )

    def delete_model(self, request: HttpRequest, obj: CertificateCode) -> None:
        services.certificate_code_delete(actor=request.user, code=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CertificateCode]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)
