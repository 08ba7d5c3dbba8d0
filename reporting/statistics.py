"""The monthly statistics (統計) as plain values, and the arithmetic that makes them.

Pure: no ORM, no clock, no translation. ``reporting/statistics_queries.py`` reads the grouped
counts from the database with a handful of aggregate queries and hands them to the functions
below; ``reporting/statistics_presentation.py`` puts labels on the result.

A figure table is a key, the keys of its value columns, and rows of a key and numbers. The
same tables feed the page, its CSV, the charts and the monthly PDF, so the four always agree.

Lead time (§13 D11): business days from the submission to the decision, counted like the
review's due date (``add_business_days(submitted_on, 5)``): a request submitted on a Friday and
decided the next Friday took 5 business days and met the target; one decided a business day
later did not. A return for correction restarts the clock on resubmission, as it restarts the
due date.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from backoffice.periods import business_days_between, is_business_day

REVIEW_TARGET_BUSINESS_DAYS = 5  # the review target of a usage request (§13 D11)
EXPIRING_WITHIN_DAYS = 60

Number = int | float | None

# The lead-time distribution's buckets (business days, inclusive bounds; None = open end).
LEAD_TIME_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-5", 0, 5),
    ("6-10", 6, 10),
    ("11-20", 11, 20),
    ("21+", 21, None),
)


@dataclass(frozen=True, slots=True)
class Row:
    key: str
    values: tuple[Number, ...]


@dataclass(frozen=True, slots=True)
class Table:
    """One table of figures. ``chart`` names the column drawn as a bar chart (None: no chart)."""

    key: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    chart: str | None = None

    def value(self, row: str, column: str | None = None) -> Number:
        index = self.columns.index(column) if column is not None else 0
        for candidate in self.rows:
            if candidate.key == row:
                return candidate.values[index]
        raise KeyError(row)

    def column(self, column: str) -> tuple[tuple[str, Number], ...]:
        index = self.columns.index(column)
        return tuple((row.key, row.values[index]) for row in self.rows)


@dataclass(frozen=True, slots=True)
class MonthlyFigures:
    """The statistics of one month, for one bureau (its code) or all (None)."""

    month: date  # the first day of the month
    bureau: str | None
    as_of: date  # the day the ID snapshot is taken: the month's last day, or today if earlier
    tables: tuple[Table, ...]

    def table(self, key: str) -> Table:
        for table in self.tables:
            if table.key == key:
                return table
        raise KeyError(key)


# --- months ----------------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def previous_month(month: date) -> date:
    return (month.replace(day=1) - timedelta(days=1)).replace(day=1)


def month_end(month: date) -> date:
    """The month's last day."""
    return next_month(month) - timedelta(days=1)


def parse_month(text: str) -> date:
    """``2026-10`` → 2026-10-01; ValueError for anything else."""
    text = text.strip()
    if len(text) != 7 or text[4] != "-":
        raise ValueError(f"not a month in the form YYYY-MM: {text!r}")
    return date(int(text[:4]), int(text[5:]), 1)


def first_business_day(month: date) -> date:
    """The month's first business day (not a weekend, holiday or 12/29–1/3)."""
    day = month.replace(day=1)
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def is_first_business_day(day: date) -> bool:
    return day == first_business_day(day)


# --- arithmetic ------------------------------------------------------------------------------


def share(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in per cent, one decimal; None when there is nothing to divide."""
    if whole <= 0:
        return None
    return round(100.0 * part / whole, 1)


def _nth(histogram: Mapping[int, int], rank: int) -> int:
    """The ``rank``-th smallest value (1-based) of the multiset ``histogram`` (value → count)."""
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    raise ValueError("rank beyond the histogram")


def weighted_median(histogram: Mapping[int, int]) -> float | None:
    total = sum(histogram.values())
    if total == 0:
        return None
    if total % 2:
        return float(_nth(histogram, total // 2 + 1))
    return (_nth(histogram, total // 2) + _nth(histogram, total // 2 + 1)) / 2


def weighted_percentile(histogram: Mapping[int, int], percent: float) -> int | None:
    """The nearest-rank percentile: the smallest value with at least ``percent`` % at or below it."""
    total = sum(histogram.values())
    if total == 0:
        return None
    return _nth(histogram, max(1, math.ceil(percent / 100 * total)))


def lead_time_histogram(pairs: Iterable[tuple[date, date, int]]) -> dict[int, int]:
    """(submitted on, decided on, how many) → business days taken → how many.

    The database groups the decisions by their two dates, so this runs once per distinct pair
    of days (at most a few thousand a month), never once per request."""
    histogram: dict[int, int] = {}
    for submitted, decided, count in pairs:
        days = max(0, business_days_between(submitted, decided))
        histogram[days] = histogram.get(days, 0) + count
    return histogram


def lead_time_tables(
    histogram: Mapping[int, int], target: int = REVIEW_TARGET_BUSINESS_DAYS
) -> tuple[Table, Table]:
    """The lead-time summary (decided, within target, share, median, 90th percentile) and its
    distribution by bucket of business days."""
    decided = sum(histogram.values())
    within = sum(count for days, count in histogram.items() if days <= target)
    summary = Table(
        key="lead_time",
        columns=("value",),
        rows=(
            Row("decided", (decided,)),
            Row("within_target", (within,)),
            Row("over_target", (decided - within,)),
            Row("within_target_pct", (share(within, decided),)),
            Row("median_days", (weighted_median(histogram),)),
            Row("p90_days", (weighted_percentile(histogram, 90),)),
            Row("target_days", (target,)),
        ),
    )
    buckets = []
    for key, low, high in LEAD_TIME_BUCKETS:
        count = sum(n for days, n in histogram.items() if days >= low and (high is None or days <= high))
        buckets.append(Row(key, (count,)))
    distribution = Table(key="lead_time_distribution", columns=("count",), rows=tuple(buckets), chart="count")
    return summary, distribution


def counts_table(
    key: str, order: Iterable[str], counts: Mapping[str, int], column: str = "count", *, total: bool = True
) -> Table:
    """Rows in ``order`` (a zero where nothing was counted) and, if asked, a total row."""
    keys = list(order)
    rows = [Row(k, (counts.get(k, 0),)) for k in keys]
    if total:
        rows.append(Row("total", (sum(counts.get(k, 0) for k in keys),)))
    return Table(key=key, columns=(column,), rows=tuple(rows), chart=column)


def sum_by(groups: Iterable[tuple[tuple[str, ...], int]], position: int) -> dict[str, int]:
    """Totals of grouped counts by one of the group's keys: ((kind, category), n) → kind → n."""
    totals: dict[str, int] = {}
    for keys, count in groups:
        totals[keys[position]] = totals.get(keys[position], 0) + count
    return totals


def supplement_tables(
    groups: Iterable[tuple[str, str, bool, int]],
    procedures: Iterable[str],
    states: Iterable[str],
    requests_issued: int,
) -> tuple[Table, Table, Table]:
    """From (procedure, state, has a supplement request, how many) of the applications filed in
    the month: applications by procedure (filed, supplemented, rate), by state, and the totals."""
    filed: dict[str, int] = {}
    supplemented: dict[str, int] = {}
    by_state: dict[str, int] = {}
    for procedure, state, has_supplement, count in groups:
        filed[procedure] = filed.get(procedure, 0) + count
        by_state[state] = by_state.get(state, 0) + count
        if has_supplement:
            supplemented[procedure] = supplemented.get(procedure, 0) + count
    procedure_rows = [
        Row(p, (filed.get(p, 0), supplemented.get(p, 0), share(supplemented.get(p, 0), filed.get(p, 0))))
        for p in procedures
    ]
    all_filed, all_supplemented = sum(filed.values()), sum(supplemented.values())
    procedure_rows.append(Row("total", (all_filed, all_supplemented, share(all_supplemented, all_filed))))
    by_procedure = Table(
        key="applications_by_procedure",
        columns=("filed", "supplemented", "supplement_rate_pct"),
        rows=tuple(procedure_rows),
        chart="filed",
    )
    by_state_table = counts_table("applications_by_state", states, by_state)
    summary = Table(
        key="supplements",
        columns=("value",),
        rows=(
            Row("filed", (all_filed,)),
            Row("supplemented", (all_supplemented,)),
            Row("supplement_rate_pct", (share(all_supplemented, all_filed),)),
            Row("requests_issued", (requests_issued,)),
        ),
    )
    return by_procedure, by_state_table, summary


def id_snapshot_table(counts: Mapping[str, int]) -> Table:
    """Authentication IDs on the snapshot day, in buckets that do not overlap."""
    order = ("active", "expiring", "expired", "suspended", "revoked", "awaiting_password")
    return counts_table("auth_ids", order, counts)
