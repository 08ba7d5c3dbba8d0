"""Service operators of the application API (申請情報連携API, §8, §13 D10) and their credentials.

A credential's secret is shown once and stored only as an HMAC (keyed with the project's secret);
rotation keeps the old credential valid for a grace period; revocation is immediate."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OperatorStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")


class ServiceOperator(models.Model):
    """A private company whose service files applications through the API."""

    name = models.CharField(_("company name"), max_length=200)
    corporate_number = models.CharField(_("corporate number"), max_length=13, unique=True)
    contact_name = models.CharField(_("contact person"), max_length=100)
    contact_email = models.EmailField(_("contact e-mail"))
    allowed_networks = models.JSONField(
        _("allowed IP ranges"), default=list, blank=True,
        help_text=_("CIDR ranges, e.g. 203.0.113.0/24. Calls from anywhere else are refused."),
    )  # fmt: skip
    rate_limit_per_minute = models.PositiveIntegerField(_("calls per minute"), default=60)
    status = models.CharField(
        _("status"), max_length=10, choices=OperatorStatus.choices, default=OperatorStatus.ACTIVE
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("service operator")
        verbose_name_plural = _("service operators")

    def __str__(self) -> str:
        return self.name


class OperatorCredential(models.Model):
    operator = models.ForeignKey(
        ServiceOperator, on_delete=models.CASCADE, related_name="credentials", verbose_name=_("operator")
    )
    key_id = models.CharField(_("key ID"), max_length=40, unique=True)
    secret_hmac = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("valid until"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["operator"], condition=Q(revoked_at__isnull=True), name="credential_live_idx"
            )
        ]
        verbose_name = _("API credential")
        verbose_name_plural = _("API credentials")

    def __str__(self) -> str:
        return self.key_id
