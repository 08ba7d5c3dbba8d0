"""Individual users (§2.1 types 1–4) and how they register.

This part holds the lawyers and gyoseishoshi (§6.3, §13 D5): the register of notified lawyers
and gyoseishoshi that reviewers maintain, the administrator-maintained code table that converts
old-style certificate numbers, the registration that links a user to a register entry and
carries their authentication ID, and the counters that limit guessing of numbers. JPKI
registration of foreign nationals, legal representatives and relatives (D6) joins it later.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from backoffice.accounts.models import RegionalBureau


class AgentKind(models.TextChoices):
    LAWYER = "lawyer", _("Lawyer (弁護士)")
    GYOSEISHOSHI = "gyoseishoshi", _("Gyoseishoshi (行政書士)")


class CodeKind(models.TextChoices):
    OFFICE = "office", _("Issuing office (発行局)")
    CATEGORY = "category", _("Category (区分)")


class CertificateCode(models.Model):
    """One row of the code table (コード表) that converts 「（東）弁 10 第 50 号」 to 12 digits.

    Administrators maintain it in the Django admin; it starts with what the leaflet's example
    proves (東 → 13, 弁 → 7, §13 D5). Offices have 2-digit codes, categories 1-digit codes."""

    kind = models.CharField(_("kind"), max_length=10, choices=CodeKind.choices)
    symbol = models.CharField(
        _("symbol"), max_length=10, help_text=_("As printed on the certificate, e.g. 東 or 弁.")
    )
    code = models.CharField(
        _("code"),
        max_length=2,
        validators=[RegexValidator(r"^\d{1,2}$", _("Digits only: 2 for an office, 1 for a category."))],
    )
    label = models.CharField(
        _("meaning"), max_length=100, blank=True, help_text=_("e.g. 東京出入国在留管理局 or 弁護士.")
    )
    source = models.CharField(
        _("source"), max_length=200, blank=True, help_text=_("Where this value comes from.")
    )
    active = models.BooleanField(_("in use"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["kind", "code", "symbol"]
        constraints = [models.UniqueConstraint(fields=["kind", "symbol"], name="certificate_code_symbol")]
        verbose_name = _("certificate-number code")
        verbose_name_plural = _("certificate-number code table")

    def __str__(self) -> str:
        return f"{self.symbol} → {self.code}"


class RegisterStatus(models.TextChoices):
    ACTIVE = "active", _("Notified (valid)")
    SUSPENDED = "suspended", _("Suspended")
    WITHDRAWN = "withdrawn", _("Withdrawn or revoked")


class AgentRegisterEntry(models.Model):
    """A lawyer or gyoseishoshi who notified ISA (届出済) and holds a 届出済証明書.

    Registration succeeds at once when the number, name and date of birth match an entry
    that is valid that day (§13 D5). Reviewers of the bureau that received the notification
    maintain the entry; administrators maintain all."""

    certificate_number = models.CharField(
        _("certificate number"),
        max_length=12,
        unique=True,
        validators=[RegexValidator(r"^\d{12}$", _("Exactly 12 digits."))],
        help_text=_("The 12 digits at the top right of the 届出済証明書 (申請等取次者証明書番号)."),
    )
    kind = models.CharField(_("profession"), max_length=20, choices=AgentKind.choices)
    name = models.CharField(_("name"), max_length=100, help_text=_("As on the certificate."))
    name_latin = models.CharField(
        _("name in Latin letters"),
        max_length=100,
        blank=True,
        help_text=_("Family name first, e.g. YAMADA TARO."),
    )
    date_of_birth = models.DateField(_("date of birth"))
    association = models.CharField(
        _("association"), max_length=100, help_text=_("The bar or gyoseishoshi association (所属する単位会).")
    )
    office_name = models.CharField(_("office"), max_length=200, blank=True)
    office_address = models.CharField(_("office address"), max_length=300, blank=True)
    bureau = models.ForeignKey(
        RegionalBureau,
        on_delete=models.PROTECT,
        related_name="agent_register_entries",
        verbose_name=_("bureau"),
        help_text=_("The regional bureau that received the notification."),
    )
    old_style_number = models.CharField(
        _("old-style number"),
        max_length=40,
        blank=True,
        help_text=_("As printed on an older certificate, e.g. （東）弁 10 第 50 号; for reference."),
    )
    notified_on = models.DateField(_("notified on"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=RegisterStatus.choices, default=RegisterStatus.ACTIVE
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("maintained by"),
    )

    # What people type in as free text: NFKC'd and refused when it holds a My Number.
    FREE_TEXT_FIELDS = ("name", "name_latin", "association", "office_name", "office_address",
                        "old_style_number", "note")  # fmt: skip

    class Meta:
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["bureau", "status"], name="agent_register_bureau_idx")]
        verbose_name = _("notified lawyer or gyoseishoshi")
        verbose_name_plural = _("register of notified lawyers and gyoseishoshi")

    def __str__(self) -> str:
        return f"{self.name} ({self.certificate_number})"

    def is_valid_on(self, day: date) -> bool:
        return bool(
            self.status == RegisterStatus.ACTIVE
            and self.valid_from <= day
            and (self.valid_until is None or day <= self.valid_until)
        )


class RegistrationState(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked (抹消)")


class AgentRegistration(models.Model):
    """A lawyer's or gyoseishoshi's online registration (利用者情報登録): their user account
    and the authentication ID issued at once, bound to the register entry it matched.

    One ID for all their work (§13 D4): one live registration per entry. The user's
    ``username`` is the ID, so that they log in with the ID and the password they chose."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="agent_registration",
        verbose_name=_("user"),
    )
    entry = models.ForeignKey(
        AgentRegisterEntry,
        on_delete=models.PROTECT,
        related_name="registrations",
        verbose_name=_("register entry"),
    )
    auth_code = models.CharField(_("authentication ID"), max_length=12, unique=True)
    state = models.CharField(
        _("state"), max_length=10, choices=RegistrationState.choices, default=RegistrationState.ACTIVE
    )
    registered_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    registered_from = models.GenericIPAddressField(_("registered from"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revocation_reason = models.CharField(
        _("revocation reason"),
        max_length=20,
        blank=True,
        choices=[("register", _("The register entry is no longer valid"))],
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["entry"], condition=~Q(state="revoked"), name="agent_registration_one_live"
            )
        ]
        verbose_name = _("lawyer or gyoseishoshi registration")
        verbose_name_plural = _("lawyer and gyoseishoshi registrations")

    def __str__(self) -> str:
        return f"{self.auth_code[:4]}-{self.auth_code[4:8]}-{self.auth_code[8:]}"


class RegistrationThrottle(models.Model):
    """A fixed-window counter of registration attempts for one key: ``ip:<address>`` or
    ``number:<keyed hash of the certificate number>`` (the number itself is not kept).

    The row is locked while it is read and counted, so two attempts at once cannot both
    slip under the limit."""

    key = models.CharField(max_length=80, unique=True)
    window_started_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("registration attempt counter")
        verbose_name_plural = _("registration attempt counters")

    def __str__(self) -> str:
        return self.key


class RegisterImport(models.Model):
    """One CSV/XLSX import into the register (all rows or none), kept for its history."""

    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(_("rows"))
    created = models.PositiveIntegerField(_("created"))
    updated = models.PositiveIntegerField(_("updated"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("imported by")
    )
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        ordering = ["-imported_at", "-pk"]
        verbose_name = _("register import")
        verbose_name_plural = _("register imports")

    def __str__(self) -> str:
        return self.file_name


# The My Number Card registrations live in their own module; importing them here registers them.
from individuals.card_models import (  # noqa: E402, F401
    CardholderRegistration,
    CardNonce,
    RevocationList,
    TrustAnchor,
)
