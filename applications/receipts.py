"""Receipt numbers (受付番号), given by the nightly run at 02:10 Japan time (§7.3, §13 D8): the
receiving office's prefix (東オン, 阪オン, …), the year, and a gap-free serial per office and year.

The counter row of each office is locked for the whole assignment, so two runs at once queue behind
each other: the second finds nothing left to number. A serial is taken in the same transaction as
the application it numbers, so a rollback returns both: no gaps, no duplicates."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from applications.mail import application_mail
from applications.models import Application, ApplicationState, ReceiptCounter
from backoffice.accounts.models import RegionalBureau
from backoffice.audit.services import audit_log
from backoffice.periods import format_both


def receipt_number(prefix: str, year: int, serial: int) -> str:
    return f"{prefix}{year}-{serial:06d}"


def _counter(bureau: RegionalBureau, year: int) -> ReceiptCounter:
    try:
        with transaction.atomic():
            ReceiptCounter.objects.get_or_create(bureau=bureau, year=year)
    except IntegrityError:
        pass  # created by a run at the same moment: lock theirs
    counter: ReceiptCounter = ReceiptCounter.objects.select_for_update().get(bureau=bureau, year=year)
    return counter


def receipts_assign(*, now: datetime | None = None, cutoff: datetime | None = None) -> dict[str, int]:
    """Number every application filed before ``cutoff`` (default: the start of today, Japan time —
    the numbers of one day's filings come the next night). Returns numbers given per office."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    cutoff = cutoff or local.replace(hour=0, minute=0, second=0, microsecond=0)
    given: dict[str, int] = {}
    bureau_ids = (
        Application.objects.filter(state=ApplicationState.SUBMITTED, submitted_at__lt=cutoff)
        .values_list("bureau_id", flat=True)
        .distinct()
    )
    for bureau in RegionalBureau.objects.filter(pk__in=list(bureau_ids)).order_by("pk"):
        given[bureau.receipt_prefix] = _assign_office(bureau, local, cutoff)
    return given


def _assign_office(bureau: RegionalBureau, local: datetime, cutoff: datetime) -> int:
    count = 0
    with transaction.atomic():
        counter = _counter(bureau, local.year)
        pending = list(
            Application.objects.select_for_update()
            .filter(bureau=bureau, state=ApplicationState.SUBMITTED, submitted_at__lt=cutoff)
            .select_related("filer")
            .order_by("submitted_at", "pk")
        )
        for application in pending:
            counter.last_serial += 1
            application.receive()
            application.receipt_year = local.year
            application.receipt_serial = counter.last_serial
            application.receipt_number = receipt_number(
                bureau.receipt_prefix, local.year, counter.last_serial
            )
            application.received_at = local
            application.save()
            audit_log(
                actor=None, action="application.receive", target=application,
                institution_id=application.institution_id,
                data={
                    "transition": {"field": "state", "from": ApplicationState.SUBMITTED, "to": application.state},
                    "receipt_number": application.receipt_number,
                },
            )  # fmt: skip
            application_mail(application, "receipt", received_on=format_both(local.date()))
            count += 1
        counter.save(update_fields=["last_serial"])
    return count
