"""Celery tasks of residence applications: the nightly receipt numbers (02:10 Japan time)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from applications.receipts import receipts_assign


@shared_task(name="applications.receipts_assign", acks_late=True, time_limit=1800, soft_time_limit=1700)
def receipts_assign_nightly() -> dict[str, Any]:
    """Idempotent: only applications still "filed" are numbered, under the office counter's lock."""
    return receipts_assign()


from applications.bulk.tasks import bulk_validate  # noqa: E402,F401
