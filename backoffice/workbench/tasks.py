from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import timedelta
from pathlib import Path
from typing import Any

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from backoffice.audit.services import audit_log
from backoffice.workbench.export_plan import export_plan, sql_dates, write_csv_by_copy
from backoffice.workbench.exports import UnencodableCells, export_columns, file_sha256, write_rows
from backoffice.workbench.lists import ListParams, filtered_queryset, ordered
from backoffice.workbench.models import ExportJob, OutboxMessage
from backoffice.workbench.registry import LIST_SPECS

log = logging.getLogger(__name__)


MAX_ATTEMPTS = 10


def retry_delay(attempts: int) -> int:
    """Seconds before the next try: 30 s, 1 min, 2 min, … capped at an hour."""
    return int(min(3600, 30 * 2 ** max(0, attempts - 1)))


def deliver_once(message_id: int) -> tuple[bool, int]:
    """Send one outbox message unless it is sent already; returns (sent, attempts so far).

    The row lock serialises two deliveries of one message (the second skips it), and
    sent_at is written in the same transaction as the send: sending twice never delivers
    twice, short of a crash between the SMTP hand-over and the commit."""
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update(skip_locked=True).filter(pk=message_id).first()
        if message is None or message.sent_at is not None:
            return False, 0
        message.attempts += 1
        try:
            send_mail(message.subject, message.body, settings.DEFAULT_FROM_EMAIL, [message.recipient])
        except Exception as exc:
            message.last_error = str(exc)[:2000]
            message.save(update_fields=["attempts", "last_error"])
            log.warning("outbox message %s not sent (attempt %s): %s", message_id, message.attempts, exc)
            return False, message.attempts
        message.sent_at = timezone.now()
        message.save(update_fields=["attempts", "sent_at"])
    return True, message.attempts


@shared_task(
    bind=True, name="workbench.outbox_deliver", acks_late=True, ignore_result=True, time_limit=120, soft_time_limit=110,
    max_retries=MAX_ATTEMPTS,
)  # fmt: skip
def outbox_deliver(self: Any, message_id: int) -> bool:
    """Send one outbox message; on a mail failure retry later with exponential backoff."""
    sent, attempts = deliver_once(message_id)
    if not sent and 0 < attempts < MAX_ATTEMPTS:
        raise self.retry(countdown=retry_delay(attempts))
    return sent


@shared_task(
    name="workbench.outbox_flush", acks_late=True, ignore_result=True, time_limit=600, soft_time_limit=590
)
def outbox_flush() -> int:
    """Re-send what a broker outage or a mail failure left behind."""
    stale = timezone.now() - timedelta(minutes=1)
    ids = list(
        OutboxMessage.objects.filter(sent_at__isnull=True, created_at__lt=stale, attempts__lt=10).values_list(
            "pk", flat=True
        )[:500]
    )
    return sum(1 for pk in ids if deliver_once(pk)[0])


def export_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


@shared_task(
    name="workbench.export_run", acks_late=True, ignore_result=True, time_limit=3600, soft_time_limit=3500
)
def export_run(job_id: int) -> str:
    return export_build(job_id)


def export_build(job_id: int) -> str:
    """Write the job's file (in the worker, or in the request for a small export), then record its
    row count and SHA-256 and audit both with the filter; the download link expires after
    WORKBENCH_EXPORT_LINK_HOURS."""
    job = ExportJob.objects.select_related("user").get(pk=job_id)
    if job.status == ExportJob.Status.DONE:
        return job.file_name
    spec = LIST_SPECS[job.list_key]
    user = get_user_model().objects.get(pk=job.user_id)
    params = ListParams.from_dict(job.params)
    qs = ordered(spec, filtered_queryset(spec, user, params), params)
    if spec.select_related:
        qs = qs.select_related(*spec.select_related)
    cap = settings.WORKBENCH_EXPORT_MAX_ROWS
    total = qs.order_by()[: cap + 1].count()
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING, total=min(total, cap), done=0)
    assert spec.export_resource is not None
    language = job.params.get("lang") or settings.LANGUAGE_CODE
    with translation.override(language):
        resource = spec.export_resource()
        # Rows of values where the resource's columns allow it (export_plan), else instances.
        plan = export_plan(resource, spec.model)
        headers, getters = (plan.headers, []) if plan is not None else export_columns(resource, spec.model)
    file_name = f"export-{job.pk}-{spec.key}.{job.file_format}"
    path = export_dir() / file_name
    encoding = job.encoding if job.file_format == "csv" else "utf-8-sig"

    in_sql = plan is not None and cells_in_sql(qs)

    def rows():  # type: ignore[no-untyped-def]
        with translation.override(language):
            if plan is not None and in_sql:
                with sql_dates(qs.db):
                    yield from plan.safe_rows(qs[:cap])
                return
            if plan is not None:
                yield from plan.rows(qs[:cap])
                return
            for obj in qs[:cap].iterator(chunk_size=2000):
                yield [get(obj) for get in getters]

    def progress(done: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(done=done)

    try:
        if plan is not None and plan.copyable and by_copy(qs, job.file_format, encoding):
            with translation.override(language), _progress_aside(job.pk) as aside:
                count, digest = write_csv_by_copy(
                    path=path, plan=plan, qs=qs[:cap], progress=aside, total=total
                )
            progress(count)
        else:
            digest = ""
            # Rows read in a transaction of their own (sql_dates) report progress aside.
            with _progress_aside(job.pk) if in_sql else nullcontext(progress) as report:
                count = write_rows(
                    path=path, file_format=job.file_format, headers=headers, rows=rows(), progress=report,
                    encoding=encoding, made_safe=in_sql,
                )  # fmt: skip
            progress(count)
    except UnencodableCells as exc:
        with translation.override(job.params.get("lang") or settings.LANGUAGE_CODE):
            cells = "; ".join(
                _("row %(row)s “%(column)s”: %(chars)s") % {"row": row, "column": column, "chars": chars}
                for row, column, chars in exc.cells
            ) + (_(" (and %(more)s more)") % {"more": exc.more} if exc.more else "")
            error = _("Shift_JIS cannot hold these characters; export as UTF-8 instead: %(cells)s") % {
                "cells": cells
            }
        _export_failed(job, error, cells=[list(c) for c in exc.cells])
        return ""
    except Exception as exc:
        _export_failed(job, str(exc))
        raise
    digest = digest or file_sha256(path)
    now = timezone.now()
    with transaction.atomic():
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.DONE, done=count, file_name=file_name, finished_at=now, sha256=digest,
            expires_at=now + timedelta(hours=settings.WORKBENCH_EXPORT_LINK_HOURS),
        )  # fmt: skip
        audit_log(
            actor=user, action="export.completed", target=job, institution_id=None,
            data={"list": job.list_key, "filter": job.params, "format": job.file_format, "encoding": job.encoding,
                  "rows": count, "sha256": digest},
        )  # fmt: skip
    return file_name


@contextmanager
def _progress_aside(job_id: int) -> Iterator[Callable[[int], None]]:
    """Progress written on a connection of its own: the export's is busy with its COPY
    until the last row, and a query on it meanwhile would wait for ever."""
    aside = connections.create_connection(DEFAULT_DB_ALIAS)
    table = ExportJob._meta.db_table

    def report(done: int) -> None:
        with aside.cursor() as cursor:
            cursor.execute(f'UPDATE "{table}" SET done = %s WHERE id = %s', [done, job_id])

    try:
        yield report
    finally:
        aside.close()


def cells_in_sql(qs: Any) -> bool:
    """Whether PostgreSQL writes the cells it can (ExportPlan.safe_rows, write_csv_by_copy)."""
    return connections[qs.db].vendor == "postgresql" and bool(settings.WORKBENCH_EXPORT_COPY)


def by_copy(qs: Any, file_format: str, encoding: str) -> bool:
    """Whether PostgreSQL writes the CSV itself (COPY): a UTF-8 CSV on PostgreSQL. Shift_JIS
    goes through Python, which checks every cell it writes (exports.UnencodableCells)."""
    return file_format == "csv" and encoding == "utf-8-sig" and cells_in_sql(qs)


def _export_failed(job: ExportJob, error: str, **data: Any) -> None:
    with transaction.atomic():
        ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.FAILED, error=error[:2000])
        audit_log(
            actor=job.user, action="export.failed", target=job, institution_id=None,
            data={"list": job.list_key, "filter": job.params, "error": error[:500], **data},
        )  # fmt: skip


@shared_task(name="workbench.exports_expire", ignore_result=True)
def exports_expire() -> int:
    """Delete the files whose download link has expired (the job and its audit stay)."""
    removed = 0
    for job in ExportJob.objects.filter(expires_at__lte=timezone.now()).exclude(file_name=""):
        (export_dir() / job.file_name).unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job.pk).update(file_name="")
        removed += 1
    return removed
