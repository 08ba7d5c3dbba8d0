"""The nightly receipt numbers (受付番号) on PostgreSQL: four runs at once, in four threads with
their own connections, number every filed application exactly once, with a gap-free serial per
receiving office and one receipt e-mail per application and address."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone

from applications.models import Application, ApplicationState, Filing, ReceiptCounter
from applications.receipts import receipts_assign
from backoffice.accounts.models import Prefecture
from backoffice.workbench.models import OutboxMessage
from tests.factories import persona_users

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

TOKYO_COUNT = 36
OSAKA_COUNT = 24
THREADS = 4


def _filed(filer: Any, *, prefecture: Prefecture, index: int, submitted_at: Any) -> Application:
    """A filed application, set up directly: the FSM field is protected, so the state is written
    with a queryset update (the filing itself is test_lifecycle's and test_views' concern)."""
    filing = Filing.objects.create(filer=filer, filer_kind="institution_staff", mode="individual")
    application = Application.objects.create(
        filing=filing, procedure="extension", filer=filer, subject_name=f"TEST PERSON {index:03d}",
        nationality="ベトナム", date_of_birth=date(1995, 4, 1), sex="M", prefecture=prefecture,
        address=f"テスト町1-{index}",
        notification_email=f"person{index:03d}@example.com", status="engineer_humanities_international",
    )  # fmt: skip
    Application.objects.filter(pk=application.pk).update(
        state=ApplicationState.SUBMITTED,
        bureau=prefecture.bureau,
        submitted_at=submitted_at,
        provisional_number=f"P-{timezone.localdate():%Y%m%d}-{application.pk:07d}",
    )
    return Application.objects.get(pk=application.pk)


def _run_together(jobs: list[Any]) -> list[Any]:
    barrier = threading.Barrier(len(jobs))
    outcomes: list[Any] = [None] * len(jobs)

    def run(index: int, job: Any) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[index] = job()
        except Exception as exc:  # reported by the assertion on the outcomes
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a numbering run did not finish"
    return outcomes


@pytest.mark.parametrize("earlier", [0, 5], ids=["first-night-of-the-year", "counters-from-an-earlier-night"])
def test_four_runs_at_once_number_every_application_once_and_without_gaps(earlier: int) -> None:
    """``earlier`` numbers were given per office on an earlier night this year: with none, the runs
    race to create the counter rows; with some, they queue on the existing rows' locks."""
    cast = persona_users()
    hr = cast["users"]["hr"]
    tokyo_pref, osaka_pref = Prefecture.objects.get(code="13"), Prefecture.objects.get(code="27")
    assert tokyo_pref.bureau.receipt_prefix == "東オン" and osaka_pref.bureau.receipt_prefix == "阪オン"
    filed_at = timezone.now() - timedelta(hours=3)
    applications = [
        # the two offices interleaved (3 : 2), several filed in the same second
        _filed(hr, prefecture=tokyo_pref if i % 5 < 3 else osaka_pref, index=i,
               submitted_at=filed_at + timedelta(seconds=i // 3))
        for i in range(TOKYO_COUNT + OSAKA_COUNT)
    ]  # fmt: skip
    expected = Counter(a.bureau.receipt_prefix for a in applications)
    assert expected == {"東オン": TOKYO_COUNT, "阪オン": OSAKA_COUNT}
    total = len(applications)
    earlier_mail = list(OutboxMessage.objects.values_list("pk", flat=True))

    night = timezone.now() + timedelta(days=1)
    year = timezone.localtime(night).year
    if earlier:
        for prefecture in (tokyo_pref, osaka_pref):
            ReceiptCounter.objects.create(bureau=prefecture.bureau, year=year, last_serial=earlier)
    outcomes = _run_together([lambda: receipts_assign(now=night) for _ in range(THREADS)])

    assert all(isinstance(o, dict) for o in outcomes), outcomes
    given: Counter[str] = Counter()
    for outcome in outcomes:
        given.update(outcome)
    assert sum(given.values()) == total, outcomes
    assert given == expected, outcomes

    rows = list(
        Application.objects.filter(pk__in=[a.pk for a in applications]).values(
            "pk", "state", "bureau__receipt_prefix", "receipt_year", "receipt_serial", "receipt_number",
            "submitted_at",
        )
    )  # fmt: skip
    assert {r["state"] for r in rows} == {ApplicationState.RECEIVED}
    numbers = [r["receipt_number"] for r in rows]
    assert all(numbers) and len(set(numbers)) == total
    for prefix, count in expected.items():
        mine = [r for r in rows if r["bureau__receipt_prefix"] == prefix]
        serials = list(range(earlier + 1, earlier + count + 1))
        assert sorted(r["receipt_serial"] for r in mine) == serials, prefix
        assert all(r["receipt_year"] == year for r in mine)
        for r in mine:
            assert r["receipt_number"] == f"{prefix}{year}-{r['receipt_serial']:06d}"
        # in filing order: an earlier filing never gets a later serial
        ordered = sorted(mine, key=lambda r: (r["submitted_at"], r["pk"]))
        assert [r["receipt_serial"] for r in ordered] == serials, prefix
    counters = {c.bureau.receipt_prefix: c.last_serial for c in ReceiptCounter.objects.filter(year=year)}
    assert counters == {prefix: earlier + count for prefix, count in expected.items()}

    # One receipt mail per application to the filer and one to the foreign national.
    receipts = list(
        OutboxMessage.objects.exclude(pk__in=earlier_mail)
        .filter(subject__contains="受付番号")
        .values_list("recipient", "body")
    )
    assert len(receipts) == 2 * total
    for row, application in zip(
        sorted(rows, key=lambda r: r["pk"]), sorted(applications, key=lambda a: a.pk), strict=True
    ):
        for recipient in (hr.email, application.notification_email):
            mails = [b for r, b in receipts if r == recipient and f"受付番号: {row['receipt_number']}\n" in b]
            assert len(mails) == 1, (recipient, row["receipt_number"], len(mails))

    # A fifth run, later, finds nothing left and sends nothing.
    before = OutboxMessage.objects.count()
    assert receipts_assign(now=night + timedelta(hours=1)) == {}
    assert OutboxMessage.objects.count() == before
