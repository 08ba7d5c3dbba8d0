"""Legal date arithmetic: periods under Civil Code arts. 140–143 (期間の計算), business days,
Japanese eras (和暦). Pure functions: no clock, the date is always an argument.

Counting (§13 D2):
- 「…の日から起算して」 counts the first day (``count_first_day=True``).
- Plain 「…の日から」 does not (art. 140): the period starts the next day.
- A period of years or months ends on the day before the day that corresponds to its start
  in the last month; where that month has no such day, on its last day (art. 143).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def period_start(start: date, *, count_first_day: bool) -> date:
    """The first day inside the period."""
    return start if count_first_day else start + timedelta(days=1)


def period_end(start: date, *, years: int = 0, months: int = 0, days: int = 0, count_first_day: bool) -> date:
    """The last day of the period (inclusive)."""
    if years < 0 or months < 0 or days < 0:
        raise ValueError("periods run forward: years, months and days must not be negative")
    if not (years or months or days):
        raise ValueError("a period needs a length")
    origin = period_start(start, count_first_day=count_first_day)
    end = origin
    if years or months:
        year, month = _add_months(origin.year, origin.month, years * 12 + months)
        last_day = calendar.monthrange(year, month)[1]
        if origin.day > last_day:
            # No corresponding day in the last month: the period ends on its last day.
            end = date(year, month, last_day)
        else:
            end = date(year, month, origin.day) - timedelta(days=1)
        if days:
            end += timedelta(days=days)
        return end
    return origin + timedelta(days=days - 1)


def first_day_after(
    start: date, *, years: int = 0, months: int = 0, days: int = 0, count_first_day: bool
) -> date:
    """The first day on which the period has fully elapsed (経過した日)."""
    end = period_end(start, years=years, months=months, days=days, count_first_day=count_first_day)
    return end + timedelta(days=1)


def has_elapsed(
    start: date, *, on: date, years: int = 0, months: int = 0, days: int = 0, count_first_day: bool
) -> bool:
    """True when, on ``on``, the whole period has passed."""
    return on >= first_day_after(
        start, years=years, months=months, days=days, count_first_day=count_first_day
    )


def within(
    start: date, *, on: date, years: int = 0, months: int = 0, days: int = 0, count_first_day: bool
) -> bool:
    """True when ``on`` falls inside the period (from its first to its last day)."""
    first = period_start(start, count_first_day=count_first_day)
    last = period_end(start, years=years, months=months, days=days, count_first_day=count_first_day)
    return first <= on <= last
