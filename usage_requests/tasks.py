from __future__ import annotations

from datetime import date

from celery import shared_task
from django.utils import timezone

from usage_requests.id_daily import auth_ids_daily


@shared_task(
    name="usage_requests.daily", acks_late=True, ignore_result=True, time_limit=1800, soft_time_limit=1750
)
def daily(on: str | None = None) -> dict[str, int]:
    """Reminders and expiries; safe to run twice on one day."""
    return auth_ids_daily(today=date.fromisoformat(on) if on else timezone.localdate())
