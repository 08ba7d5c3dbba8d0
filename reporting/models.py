"""Issued documents (発行文書) and monthly reports.

Every PDF the back office issues is kept with its SHA-256, so that ``/verify/<number>`` can
say years later whether a file is the one we issued. The bytes are kept too: a lost copy is
downloaded again, byte for byte, rather than rebuilt differently.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from backoffice.accounts.models import RegionalBureau
from institutions.models import Institution
from usage_requests.models import AuthenticationId


class DocumentKind(models.TextChoices):
    APPROVAL_NOTICE = "approval_notice", _("Approval notice")
    REJECTION_NOTICE = "rejection_notice", _("Rejection notice")
    REVOCATION_NOTICE = "revocation_notice", _("Revocation notice")
    PERIODIC_REPORT_ACCEPTANCE = "periodic_report_acceptance", _("Periodic report acceptance")
    APPLICATION_RECEIPT = "application_receipt", _("Application receipt")
    AUDIT_TRAIL = "audit_trail", _("Audit trail")
    MONTHLY_REPORT = "monthly_report", _("Monthly report")


# Issued once per record, kind and language: asking again gives the same file (same number,
# same QR code). An audit trail is issued again once the record has newer events.
ISSUED_ONCE = (
    DocumentKind.APPROVAL_NOTICE,
    DocumentKind.REJECTION_NOTICE,
    DocumentKind.REVOCATION_NOTICE,
    DocumentKind.PERIODIC_REPORT_ACCEPTANCE,
    DocumentKind.APPLICATION_RECEIPT,
)


class DocumentLanguage(models.TextChoices):
    JAPANESE = "ja", _("Japanese")
    ENGLISH = "en", _("Japanese and English")


class IssuedDocument(models.Model):
    """One issued PDF: its public number (printed on it and in its QR code), what it is
    about, and the hash of its bytes."""

    number = models.CharField(_("document number"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=40, choices=DocumentKind.choices)
    language = models.CharField(
        _("language"), max_length=2, choices=DocumentLanguage.choices, default=DocumentLanguage.JAPANESE
    )
    # The record it was issued about, as "app_label.model" and its primary key.
    subject_type = models.CharField(_("subject type"), max_length=64)
    subject_id = models.CharField(_("subject id"), max_length=64)
    # An ID notice's authentication ID: /verify/ tells whether it is still valid.
    authentication_id = models.ForeignKey(
        AuthenticationId,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("authentication ID"),
    )
    bureau = models.ForeignKey(
        RegionalBureau,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="issued_documents",
        verbose_name=_("issuing bureau"),
    )
    # The institution the record belongs to, if any: its events go on that institution's chain.
    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="issued_documents",
        verbose_name=_("institution"),
    )
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("size in bytes"))
    content = models.BinaryField(_("content"))
    issued_at = models.DateTimeField(_("issued at"))
    # An audit trail: the global sequence number of the last event it shows.
    as_of_seq = models.BigIntegerField(_("events up to"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="issued_documents",
        verbose_name=_("issued by"),
    )

    class Meta:
        indexes = [
            models.Index(fields=["subject_type", "subject_id", "kind"], name="issued_document_subject_idx"),
        ]
        constraints = [
            # Two people asking at the same moment get one document: the second insert fails
            # and its service reads the first (reporting/documents.py).
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "kind", "language"],
                condition=models.Q(kind__in=[kind.value for kind in ISSUED_ONCE]),
                name="issued_document_once",
            ),
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "kind", "language", "as_of_seq"],
                condition=models.Q(kind=DocumentKind.AUDIT_TRAIL.value),
                name="issued_document_trail_once",
            ),
        ]
        verbose_name = _("issued document")
        verbose_name_plural = _("issued documents")

    def __str__(self) -> str:
        return self.number


class MonthlyReport(models.Model):
    """The monthly statistics report for one month (and one bureau, or all of them): the
    latest build. A rebuild points here to a new document; earlier ones stay verifiable."""

    month = models.DateField(_("month"))  # its first day
    bureau = models.ForeignKey(
        RegionalBureau,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="monthly_reports",
        verbose_name=_("bureau"),
    )
    document = models.ForeignKey(
        IssuedDocument, on_delete=models.PROTECT, related_name="monthly_reports", verbose_name=_("document")
    )
    built_at = models.DateTimeField(_("built at"))
    mailed_at = models.DateTimeField(_("mailed at"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["month", "bureau"], name="monthly_report_month_bureau_uniq"),
            models.UniqueConstraint(
                fields=["month"],
                condition=models.Q(bureau__isnull=True),
                name="monthly_report_month_all_uniq",
            ),
        ]
        ordering = ["-month"]
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"
