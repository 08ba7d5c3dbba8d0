"""The background check of a bulk file (``applications.bulk_validate``).

Registered through ``applications/tasks.py`` (one import line) so that Celery's autodiscovery of
``<app>.tasks`` finds it. Takes the import's id; idempotent: a finished import is left alone, a
half-checked one (a worker lost mid-way, acks_late redelivers) is checked again from the start.
Any failure, the soft time limit included, marks the import failed (``bulk_import_validate``)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from applications.bulk.services import bulk_import_validate


@shared_task(
    name="applications.bulk_validate", acks_late=True, ignore_result=True, time_limit=900, soft_time_limit=840
)  # type: ignore[untyped-decorator]
def bulk_validate(import_id: int) -> dict[str, Any]:
    bulk = bulk_import_validate(import_id=import_id)
    return {"import": bulk.pk, "status": bulk.status, "rows": bulk.total_rows, "errors": bulk.error_count}
