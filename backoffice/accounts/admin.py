from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import models
from django.http import HttpRequest

from backoffice.accounts.models import Prefecture, RegionalBureau, User
from backoffice.text import reject_my_number


class MyNumberGuard:
    """Typed text in these admin forms refuses a My Number (§13 D12), like every other form."""

    def formfield_for_dbfield(
        self, db_field: models.Field[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        field = super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]
        typed_text = isinstance(db_field, models.CharField) and not isinstance(db_field, models.EmailField)
        if field is not None and typed_text and not db_field.choices and db_field.name != "password":
            field.validators = [*field.validators, reject_my_number]
        return field


@admin.register(User)
class UserAdmin(MyNumberGuard, BaseUserAdmin):
    list_display = ("username", "display_name", "role", "bureau", "is_active")
    list_filter = ("role", "bureau", "is_active")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Zairyu", {"fields": ("role", "bureau", "display_name", "preferred_language")}),
    )


@admin.register(RegionalBureau)
class RegionalBureauAdmin(MyNumberGuard, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name_ja", "name_en", "receipt_prefix")


@admin.register(Prefecture)
class PrefectureAdmin(MyNumberGuard, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name_ja", "name_en", "bureau")
    list_filter = ("bureau",)
