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


class SubmissionKind(models.TextChoices):
    APPLICATION = "application", _("Application")
    SUPPLEMENT = "supplement", _("Supplement")


class ApiSubmission(models.Model):
    """One accepted signed submission: what was signed (the SHA-256 of the canonical payload), by
    which certificate, under which idempotency key, and the response given, so that a retry with
    the same key gets the same answer and the same signed content is never filed twice."""

    operator = models.ForeignKey(
        ServiceOperator, on_delete=models.PROTECT, related_name="submissions", verbose_name=_("operator")
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=SubmissionKind.choices)
    content_sha256 = models.CharField(_("SHA-256 of the signed content"), max_length=64, unique=True)
    signer_fingerprint = models.CharField(_("signer certificate (SHA-256)"), max_length=64)
    revocation = models.CharField(_("revocation check"), max_length=12)
    registration = models.ForeignKey(
        "individuals.CardholderRegistration", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("signer"),
    )  # fmt: skip
    filing = models.ForeignKey(
        "applications.Filing", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    request_id = models.CharField(_("request ID"), max_length=64, blank=True)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["operator", "idempotency_key"], name="api_submission_key_once")
        ]
        verbose_name = _("API submission")
        verbose_name_plural = _("API submissions")

    def __str__(self) -> str:
        return f"{self.kind} {self.idempotency_key}"
