from __future__ import annotations

import logging

from celery import shared_task

from backoffice.audit.verify import verify_chains

log = logging.getLogger(__name__)


@shared_task(
    name="audit.verify_all", acks_late=True, ignore_result=True, time_limit=3600, soft_time_limit=3500
)
def verify_all() -> bool:
    report = verify_chains()
    for link in report.broken:
        log.error("audit chain broken: %s at event %s: %s", link.chain, link.event_id, link.reason)
    return report.ok
