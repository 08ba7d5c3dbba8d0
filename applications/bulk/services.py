"""Bulk input (一括): upload, background check, all-or-nothing commit.

- ``bulk_import_create`` stores the file and enqueues the check after commit.
- ``bulk_import_validate`` (the Celery task and the command run it) reads and checks every row,
  with progress, and stages the rows for the preview and the commit.
- ``bulk_import_commit`` checks the staged rows again on the day (registry and matrix), then in one
  transaction writes one filing (mode bulk), its applications by ``bulk_create`` — principals
  first, then their re-entry and extra-activity requests linked by ``principal_id`` — and one
  audit event for the whole import. Applications stay drafts: the filer attaches the documents and
  submits the filing on the application pages."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import PurePath
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.bulk.errors import ImportRefused, RowError, error
from applications.bulk.importer import MAX_STORED_ERRORS, CheckedRow, read_and_check, recheck_staged
from applications.bulk.reading import MAX_BYTES, file_format_of
from applications.bulk_models import BulkImport, BulkProcedure, BulkStatus
from applications.models import Application, Filing, FilingMode
from applications.rules.catalogue import Procedure
from backoffice.access.roles import Cap
from backoffice.audit.services import audit_log
from backoffice.text import nfkc

BATCH_SIZE = 1000


class BulkCommitRefused(Exception):
    """Nothing was written; ``errors`` says why (the import is now marked invalid with them)."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(e.en for e in errors[:5]))
        self.errors = errors


def _errors_json(errors: list[RowError]) -> list[dict[str, Any]]:
    return [e.as_json() for e in errors[:MAX_STORED_ERRORS]]


def bulk_import_create(
    *, actor: Any, procedure: str, file_name: str, content: bytes, enqueue: bool = True
) -> BulkImport:
    """Store the uploaded file and queue its check (after commit). Refuses at once what cannot be
    a bulk file (type, size): those need no worker to say so. ``enqueue=False``: the caller runs
    ``bulk_import_validate`` itself (the management command, the benchmark)."""
    if not actor.can(Cap.APPLICATION_FILE):
        raise PermissionDenied
    if procedure not in BulkProcedure.values:
        raise ValidationError({"procedure": _("Choose the procedure of the template you filled in.")})
    name = PurePath(nfkc(file_name)).name[:200] or "upload"
    file_format = file_format_of(name)
    if file_format is None:
        raise ImportRefused([error(0, "", "BULK-FILE-TYPE", name=name)])
    if len(content) > MAX_BYTES:
        raise ImportRefused(
            [
                error(
                    0,
                    "",
                    "BULK-FILE-TOO-LARGE",
                    size=f"{len(content) / 1048576:.1f}",
                    limit=f"{MAX_BYTES / 1048576:.0f}",
                )
            ]
        )
    digest = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        bulk = BulkImport(
            filer=actor, procedure=procedure, original_name=name, file_format=file_format, sha256=digest
        )
        bulk.file.save(name, ContentFile(content), save=False)
        bulk.save()
        if enqueue:
            from applications.bulk.tasks import bulk_validate

            transaction.on_commit(lambda: bulk_validate.delay(bulk.pk), robust=True)
    return bulk


def bulk_import_validate(*, import_id: int, today: date | None = None) -> BulkImport:
    """Check every row. Idempotent: an import already checked (or committed) is left as it is; one
    left half-checked by a lost worker is checked again from the start."""
    claimed = BulkImport.objects.filter(
        pk=import_id, status__in=[BulkStatus.QUEUED, BulkStatus.VALIDATING]
    ).update(status=BulkStatus.VALIDATING, processed_rows=0)
    bulk = BulkImport.objects.select_related("filer").defer("staged", "errors").get(pk=import_id)
    if not claimed:
        return bulk
    today = today or timezone.localdate()

    def progress(done: int, estimated: int | None) -> None:
        total = max(estimated or 0, done)
        BulkImport.objects.filter(pk=import_id).update(processed_rows=done, total_rows=total)

    try:
        with bulk.file.open("rb") as handle:
            result = read_and_check(
                binary=handle, file_format=bulk.file_format, procedure=bulk.procedure, user=bulk.filer,
                today=today, progress=progress,
            )  # fmt: skip
    except ImportRefused as exc:
        _finish(import_id, status=BulkStatus.INVALID, errors=exc.errors, staged=[], total=0)
    except Exception:
        BulkImport.objects.filter(pk=import_id).update(status=BulkStatus.FAILED, finished_at=timezone.now())
        raise
    else:
        _finish(
            import_id,
            status=BulkStatus.VALID if result.valid else BulkStatus.INVALID,
            errors=result.errors,
            staged=[r.staged for r in result.rows],
            total=result.total_rows,
            encoding=result.encoding,
        )
    return BulkImport.objects.select_related("filer").defer("staged").get(pk=import_id)


def _finish(
    import_id: int, *, status: str, errors: list[RowError], staged: list[list[Any]], total: int,
    encoding: str | None = None,
) -> None:  # fmt: skip
    fields: dict[str, Any] = {
        "status": status,
        "errors": _errors_json(errors),
        "error_count": len(errors),
        "staged": staged,
        "total_rows": total,
        "processed_rows": total,
        "finished_at": timezone.now(),
    }
    if encoding is not None:
        fields["encoding"] = encoding
    BulkImport.objects.filter(pk=import_id).update(**fields)


class _Builder:
    """Application objects for one filing, built positionally in the model's concrete-field order
    (as Django's own ``Model.from_db`` builds them): half the cost of keyword arguments, which
    counts at 10,000 rows. Fields not given keep their model defaults (state draft, blanks)."""

    def __init__(self, *, filing_id: int, filer_id: int) -> None:
        fields = Application._meta.concrete_fields
        self.template: list[Any] = [None if f.primary_key else f.get_default() for f in fields]
        at = {f.attname: i for i, f in enumerate(fields)}
        self.template[at["filing_id"]] = filing_id
        self.template[at["filer_id"]] = filer_id
        self.at = at
        # Every field a row sets: a JSON default shared by the template is always replaced.
        self.slots = [
            at[name]
            for name in (
                "principal_id", "procedure", "institution_id", "employee_id", "subject_name", "nationality",
                "date_of_birth", "sex", "residence_card_number", "prefecture_id", "address", "notification_email",
                "current_status", "period_of_stay_until", "status", "notice", "subject_unable", "family_in_japan",
                "details", "permission",
            )
        ]  # fmt: skip

    def build(
        self, row: CheckedRow, procedure: Procedure, principal_id: int | None, permission: dict[str, Any]
    ) -> Application:
        data = row.data
        assert data is not None
        employee = row.employee
        values = self.template.copy()
        for slot, value in zip(
            self.slots,
            (
                principal_id, procedure.value, employee.institution_id if employee else None,
                employee.pk if employee else None, data.subject_name, data.nationality, data.date_of_birth, data.sex,
                data.residence_card_number, data.prefecture_code, data.address, data.notification_email,
                data.current_status, data.period_of_stay_until, data.status, data.notice, data.subject_unable,
                data.family_in_japan, dict(data.details), permission,
            ),
            strict=True,
        ):  # fmt: skip
            values[slot] = value
        application: Application = Application(*values)
        return application


def _created_pks(filing: Filing, objects: list[Application], *, principals: bool) -> list[int]:
    """The ids bulk_create gave, in the order of ``objects``. PostgreSQL (and SQLite ≥ 3.35)
    return them; where a backend does not, read them back: one transaction inserting in order
    gets ascending ids, so the filing's rows sorted by id are the objects in order."""
    if all(o.pk is not None for o in objects):
        return [int(o.pk) for o in objects]
    pks = list(
        Application.objects.filter(filing=filing, principal__isnull=principals)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    assert len(pks) == len(objects)
    for obj, pk in zip(objects, pks, strict=True):
        obj.pk = pk
    return pks


def bulk_import_commit(*, actor: Any, import_id: int, today: date | None = None) -> Filing:
    """All or nothing. The staged rows are checked again as things are today (the registry, the
    matrix, ages, the last day of stay); if anything fails, nothing is written, the import turns
    invalid with the errors, and BulkCommitRefused says why."""
    if not actor.can(Cap.APPLICATION_FILE):
        raise PermissionDenied
    today = today or timezone.localdate()
    refused: list[RowError] = []
    with transaction.atomic():
        bulk = BulkImport.objects.select_for_update().get(pk=import_id)
        if bulk.filer_id != actor.pk:
            raise PermissionDenied
        if bulk.status == BulkStatus.COMMITTED and bulk.filing_id is not None:
            return Filing.objects.get(pk=bulk.filing_id)  # committed already: the same filing
        if bulk.status != BulkStatus.VALID:
            raise ValidationError(_("Only a checked file without errors can be committed."))
        try:
            rows, refused = recheck_staged(
                staged=bulk.staged, procedure=bulk.procedure, user=actor, today=today
            )
        except ImportRefused as exc:
            refused = exc.errors
        if refused:
            bulk.status = BulkStatus.INVALID
            bulk.errors = _errors_json(refused)
            bulk.error_count = len(refused)
            bulk.finished_at = timezone.now()
            bulk.save(update_fields=["status", "errors", "error_count", "finished_at"])
        else:
            filing = _write(actor=actor, bulk=bulk, rows=rows)
    if refused:
        raise BulkCommitRefused(refused)
    return filing


def _write(*, actor: Any, bulk: BulkImport, rows: list[CheckedRow]) -> Filing:
    from applications.selectors import filer_profile

    profile = filer_profile(user=actor)
    assert profile.kind is not None
    institutions = {r.employee.institution_id for r in rows if r.employee is not None}
    filing = Filing.objects.create(
        filer=actor, filer_kind=profile.kind.value, mode=FilingMode.BULK,
        institution_id=next(iter(institutions)) if len(institutions) == 1 else None,
    )  # fmt: skip
    procedure = Procedure(bulk.procedure)
    # One permission record per distinct decision (thousands of rows share a handful).
    permissions: dict[int, dict[str, Any]] = {}

    def permission_of(row: CheckedRow) -> dict[str, Any]:
        decision = row.decision
        assert decision is not None
        record = permissions.get(id(decision))
        if record is None:
            record = permissions[id(decision)] = {**decision.as_json(), "version": decision.version}
        return record

    builder = _Builder(filing_id=filing.pk, filer_id=actor.pk)
    principals = [builder.build(r, procedure, None, permission_of(r)) for r in rows]
    Application.objects.bulk_create(principals, batch_size=BATCH_SIZE)
    pks = _created_pks(filing, principals, principals=True)
    accompanying = []
    for row, pk in zip(rows, pks, strict=True):
        assert row.data is not None
        for with_procedure in row.data.with_:
            accompanying.append(builder.build(row, with_procedure, pk, permission_of(row)))
    if accompanying:
        Application.objects.bulk_create(accompanying, batch_size=BATCH_SIZE)
    audit_log(
        actor=actor, action="application.bulk_imported", target=filing, institution_id=filing.institution_id,
        data={
            "import": bulk.pk, "rows": len(rows), "applications": len(principals) + len(accompanying),
            "sha256": bulk.sha256, "filing": filing.pk, "procedure": bulk.procedure, "file": bulk.original_name,
        },
    )  # fmt: skip
    bulk.status = BulkStatus.COMMITTED
    bulk.filing = filing
    bulk.finished_at = timezone.now()
    bulk.save(update_fields=["status", "filing", "finished_at"])
    return filing
