"""Bulk input (一括, §7.1, §13 D9): one uploaded CSV/XLSX file of applications, its background
validation with progress, the row-level errors, and the filing it became on commit.

Kept apart from ``models.py`` (which another part of the app owns) and registered with the app's
models by one import at the end of that module."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from applications.rules.catalogue import Procedure


class BulkProcedure(models.TextChoices):
    """The principal procedures a bulk template exists for; re-entry and extra activity are
    columns of the change, extension and acquisition templates."""

    COE = Procedure.COE.value, _("Certificate of Eligibility (在留資格認定証明書交付)")
    CHANGE = Procedure.CHANGE.value, _("Change of status (在留資格変更)")
    EXTENSION = Procedure.EXTENSION.value, _("Extension of period of stay (在留期間更新)")
    ACQUISITION = Procedure.ACQUISITION.value, _("Acquisition of status (在留資格取得)")
    WORK_CERTIFICATE = Procedure.WORK_CERTIFICATE.value, _("Work certificate (就労資格証明書交付)")


class BulkFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class BulkStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    VALIDATING = "validating", _("Checking the rows")
    VALID = "valid", _("Ready to commit")
    INVALID = "invalid", _("Has errors")
    COMMITTED = "committed", _("Committed")
    FAILED = "failed", _("Failed")


FINISHED = frozenset({BulkStatus.VALID, BulkStatus.INVALID, BulkStatus.COMMITTED, BulkStatus.FAILED})


def _bulk_path(instance: BulkImport, filename: str) -> str:
    # The digest keeps two uploads of one name apart and says which file an import read.
    return f"applications/bulk/{instance.sha256[:16]}-{filename[-80:]}"


class BulkImport(models.Model):
    """An uploaded file of applications for one procedure, checked row by row in the background
    and committed all or nothing into one filing (mode bulk) of draft applications."""

    filer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="bulk_imports",
        verbose_name=_("filer"),
    )
    procedure = models.CharField(_("procedure"), max_length=20, choices=BulkProcedure.choices)
    file = models.FileField(_("file"), upload_to=_bulk_path)
    original_name = models.CharField(_("file name"), max_length=200)
    file_format = models.CharField(_("format"), max_length=4, choices=BulkFormat.choices)
    encoding = models.CharField(
        _("encoding detected"),
        max_length=20,
        blank=True,
        help_text=_("For CSV files: utf-8 or cp932 (Shift_JIS)."),
    )
    sha256 = models.CharField(max_length=64)
    status = models.CharField(
        _("status"), max_length=12, choices=BulkStatus.choices, default=BulkStatus.QUEUED, db_index=True
    )
    total_rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    processed_rows = models.PositiveIntegerField(_("rows checked"), default=0)
    # [{"row", "column", "code", "ja", "en"}]: the row as the user sees it in the file (header = 1;
    # 0 = the file as a whole). Capped (see importer.MAX_STORED_ERRORS); error_count is the true total.
    errors = models.JSONField(_("errors"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("errors found"), default=0)
    # The rows as read and normalised, in importer.STAGED_FIELDS order: the preview shows them and
    # the commit writes them after checking the registry and the matrix again on the day.
    staged = models.JSONField(default=list, blank=True, editable=False)
    filing = models.ForeignKey(
        "applications.Filing", on_delete=models.PROTECT, null=True, blank=True, related_name="bulk_imports",
        verbose_name=_("filing"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        app_label = "applications"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["filer", "-created_at"], name="bulk_import_filer_idx")]
        verbose_name = _("bulk import")
        verbose_name_plural = _("bulk imports")

    def __str__(self) -> str:
        return f"B-{self.pk:06d}" if self.pk else "B-new"

    @property
    def percent(self) -> int:
        if self.status in FINISHED:
            return 100
        if not self.total_rows:
            return 0
        return min(99, int(self.processed_rows * 100 / self.total_rows))

    @property
    def finished(self) -> bool:
        return self.status in FINISHED
