from __future__ import annotations

from pathlib import Path

from celery import shared_task
from django.conf import settings

from individuals.card_trust import crls_import_from


@shared_task(
    name="individuals.crls_import", acks_late=True, ignore_result=True, time_limit=600, soft_time_limit=570
)
def crls_import() -> dict[str, int]:
    """Import the CRLs dropped in JPKI_CRL_DIR (fetched from J-LIS by the operator's job)."""
    directory = Path(settings.JPKI_CRL_DIR)
    if not directory.is_dir():
        return {"imported": 0, "skipped": 0, "refused": 0}
    return crls_import_from(directory=directory)
