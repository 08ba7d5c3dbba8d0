from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from backoffice.accounts.models import Prefecture, RegionalBureau, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "role", "bureau", "is_active")
    list_filter = ("role", "bureau", "is_active")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Zairyu", {"fields": ("role", "bureau", "display_name", "preferred_language")}),
    )


@admin.register(RegionalBureau)
class RegionalBureauAdmin(admin.ModelAdmin):
    list_display = ("code", "name_ja", "name_en", "receipt_prefix")


@admin.register(Prefecture)
class PrefectureAdmin(admin.ModelAdmin):
    list_display = ("code", "name_ja", "name_en", "bureau")
    list_filter = ("bureau",)
