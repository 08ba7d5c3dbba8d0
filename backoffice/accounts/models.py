"""Users, regional bureaus (地方出入国在留管理局) and the prefecture → bureau jurisdiction."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from backoffice.access.roles import SECOND_FACTOR_REQUIRED, Role, role_has


class RegionalBureau(models.Model):
    """A regional immigration services bureau (地方出入国在留管理局)."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name_ja = models.CharField(_("name (Japanese)"), max_length=50)
    name_en = models.CharField(_("name (English)"), max_length=80)
    receipt_prefix = models.CharField(_("receipt-number prefix"), max_length=4, blank=True)
    ordering = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["ordering", "code"]
        verbose_name = _("regional bureau")
        verbose_name_plural = _("regional bureaus")

    def __str__(self) -> str:
        return self.name_ja


class Prefecture(models.Model):
    """A prefecture (都道府県) with the bureau whose jurisdiction covers it; editable data (§13 D13)."""

    code = models.CharField(_("JIS code"), max_length=2, primary_key=True)
    name_ja = models.CharField(_("name (Japanese)"), max_length=10, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=20)
    bureau = models.ForeignKey(
        RegionalBureau, on_delete=models.PROTECT, related_name="prefectures", verbose_name=_("bureau")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("prefecture")
        verbose_name_plural = _("prefectures")

    def __str__(self) -> str:
        return self.name_ja


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.INSTITUTION_STAFF)
    bureau = models.ForeignKey(
        RegionalBureau,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewers",
        verbose_name=_("regional bureau"),
        help_text=_("Required for reviewers and supervising reviewers."),
    )
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    preferred_language = models.CharField(
        _("language"), max_length=5, choices=[("ja", "日本語"), ("en", "English")], default="ja"
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    def can(self, capability: str) -> bool:
        return bool(self.is_active and role_has(self.role, capability))

    @property
    def needs_second_factor(self) -> bool:
        return self.role in SECOND_FACTOR_REQUIRED
