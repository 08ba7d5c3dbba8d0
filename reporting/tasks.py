"""Scheduled reporting work (Celery beat, daily; see CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils import timezone

from reporting.monthly import monthly_reports_run


@shared_task(
    name="reporting.monthly_reports",
    acks_late=True,
    ignore_result=True,
    time_limit=1800,
    soft_time_limit=1700,
)
def monthly_reports() -> dict[str, Any]:
    """Daily: on the first business day of a month, build last month's reports once and mail
    the all-bureaus one to the auditors; on any other day, nothing."""
    return monthly_reports_run(today=timezone.localdate())
