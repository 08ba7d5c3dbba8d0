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
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

from holidays.countries.japan import Japan as JapanHolidays


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


# --- Japan time --------------------------------------------------------------------------------

TOKYO = ZoneInfo("Asia/Tokyo")


def tokyo_date(moment: datetime) -> date:
    """The calendar date in Japan of an aware ``moment``; every legal date here is a Tokyo date.

    A naive datetime is refused: guessing its zone would shift dates around midnight.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("tokyo_date needs an aware datetime")
    return moment.astimezone(TOKYO).date()


# --- Business days (§13 D11) -------------------------------------------------------------------
# Closed: Saturdays, Sundays, national holidays (国民の祝日, 振替休日, 国民の休日) as computed by the
# ``holidays`` package, and the year-end closure 12/29–1/3 of government offices. The package
# covers 1949–2099; outside that range we raise rather than pretend there are no holidays.


@lru_cache(maxsize=256)  # one entry per year; the package covers ~150 years
def _public_holidays(year: int) -> frozenset[date]:
    if not JapanHolidays.start_year <= year <= JapanHolidays.end_year:
        raise ValueError(
            f"no Japanese holiday calendar for {year} "
            f"(supported {JapanHolidays.start_year}–{JapanHolidays.end_year})"
        )
    return frozenset(JapanHolidays(years=year, language="ja").keys())


def is_public_holiday(day: date) -> bool:
    """A Japanese national holiday (including substitute and in-between holidays)."""
    return day in _public_holidays(day.year)


def is_year_end_closure(day: date) -> bool:
    """12/29–1/3, when government offices are closed (年末年始)."""
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def is_business_day(day: date) -> bool:
    """Not a weekend, not a public holiday, not within 12/29–1/3."""
    return day.weekday() < 5 and not is_year_end_closure(day) and not is_public_holiday(day)


def next_business_day(day: date) -> date:
    """``day`` itself when it is a business day, else the first business day after it."""
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def add_business_days(start: date, n: int) -> date:
    """The ``n``-th business day after ``start``; ``start`` itself is never counted.

    ``n == 0`` means "no business days to add": ``start`` when it is a business day, else the next
    business day, so the result is always a business day. For a start on a closed day, ``n == 0`` and
    ``n == 1`` therefore give the same day (the first business day after it counts as the first).
    """
    if n < 0:
        raise ValueError("add_business_days counts forward: n must not be negative")
    if n == 0:
        return next_business_day(start)
    day = start
    while n:
        day += timedelta(days=1)
        if is_business_day(day):
            n -= 1
    return day


def business_days_between(a: date, b: date) -> int:
    """Business days ``d`` with ``a < d <= b`` (negative when ``b`` is before ``a``).

    So ``business_days_between(a, add_business_days(a, n)) == n`` for every ``n >= 1``; a request
    submitted on ``a`` has been waiting this many business days on ``b``.
    """
    if b < a:
        return -business_days_between(b, a)
    count = 0
    day = a
    while day < b:
        day += timedelta(days=1)
        count += is_business_day(day)
    return count


# --- Japanese eras (和暦) -----------------------------------------------------------------------
# Start days are the Gregorian days on which each era name took effect. Meiji starts on 1868-10-23,
# the day of the 改元の詔 (明治元年9月8日 in the old calendar) — the usual choice of systems
# that print Gregorian months and days with era years. The edict made the era retroactive to
# 慶応4年1月1日 (1868-01-25), but that day and everything up to 明治5年12月2日 were lunisolar
# dates whose months and days are not Gregorian, so no Gregorian date before 1868-10-23 gets a
# Meiji year. From 1868-10-23 to 1872-12-31 we write Gregorian months and days with the Meiji year
# (proleptic, as JIS X 0301 and most software do). Taishō and Shōwa began on the day the previous
# emperor died, so that day belongs to the new era (1912-07-30 is 大正元年7月30日, not 明治45年).


@dataclass(frozen=True)
class Era:
    name: str  # 令和
    letter: str  # R
    start: date
    end: date | None  # last day, inclusive; None for the current era

    def year_of(self, day: date) -> int:
        return day.year - self.start.year + 1


ERAS: tuple[Era, ...] = (
    Era("明治", "M", date(1868, 10, 23), date(1912, 7, 29)),
    Era("大正", "T", date(1912, 7, 30), date(1926, 12, 24)),
    Era("昭和", "S", date(1926, 12, 25), date(1989, 1, 7)),
    Era("平成", "H", date(1989, 1, 8), date(2019, 4, 30)),
    Era("令和", "R", date(2019, 5, 1), None),
)

_ERA_BY_TOKEN: dict[str, Era] = {token: era for era in ERAS for token in (era.name, era.letter, era.name[0])}

EraErrorCode = Literal["format", "unknown_era", "year_zero", "invalid_date", "before_era", "after_era"]


class EraDateError(ValueError):
    """An era date that cannot be formatted or parsed. ``code`` is stable; messages in ja and en."""

    def __init__(self, code: EraErrorCode, *, en: str, ja: str) -> None:
        super().__init__(f"{en} / {ja}")
        self.code: EraErrorCode = code
        self.message_en = en
        self.message_ja = ja

    def message(self, language: str) -> str:
        return self.message_ja if language.startswith("ja") else self.message_en


def era_of(day: date) -> Era:
    """The era ``day`` belongs to; before 1868-10-23 there is none (an error, not a guess)."""
    for era in reversed(ERAS):
        if day >= era.start:
            return era
    raise EraDateError(
        "before_era",
        en=f"{day.isoformat()} is before the Meiji era (from {ERAS[0].start.isoformat()})",
        ja=f"{day.isoformat()} は明治（{ERAS[0].start.isoformat()} から）より前の日付です",
    )


def format_japanese_date(day: date) -> str:
    """令和7年4月1日; the first year of an era is 元年 (令和元年5月1日)."""
    era = era_of(day)
    year = era.year_of(day)
    return f"{era.name}{'元' if year == 1 else year}年{day.month}月{day.day}日"


def format_both(day: date) -> str:
    """For screens: 2025-04-01（令和7年4月1日）. A date before Meiji shows the Gregorian date alone."""
    try:
        return f"{day.isoformat()}（{format_japanese_date(day)}）"
    except EraDateError:
        return day.isoformat()


_ERA_DATE = re.compile(
    r"(?P<era>\D+?)(?P<year>\d{1,4}|元)"
    r"(?:年(?P<month_k>\d{1,2})月(?P<day_k>\d{1,2})日?"
    r"|(?P<sep>[./-])(?P<month_s>\d{1,2})(?P=sep)(?P<day_s>\d{1,2}))"
)


def parse_japanese_date(text: str) -> date:
    """Parse an era date typed by a user.

    Accepts 令和7年4月1日, 令和元年5月1日, full-width digits and spaces (NFKC first, so ㋿ and ㍻
    work too), the one-kanji forms (令7年4月1日) and the letter forms R7.4.1, H31/4/30, s64-1-7.
    Raises :class:`EraDateError` for an unknown era, year 0, a day that does not exist, and a day
    outside the era (令和元年4月30日 is before 令和; 平成31年5月1日 is after 平成).
    """
    normalised = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).upper()
    match = _ERA_DATE.fullmatch(normalised)
    if match is None:
        raise EraDateError(
            "format",
            en=f"{text!r} is not an era date; write it like 令和7年4月1日 or R7.4.1",
            ja=f"「{text}」は和暦の日付として読めません。令和7年4月1日 または R7.4.1 の形で入力してください",
        )
    era = _ERA_BY_TOKEN.get(match["era"])
    if era is None:
        raise EraDateError(
            "unknown_era",
            en=f"unknown era {match['era']!r}; use 明治, 大正, 昭和, 平成 or 令和 (M, T, S, H, R)",
            ja=f"元号「{match['era']}」は使えません。明治・大正・昭和・平成・令和（M・T・S・H・R）のいずれかです",
        )
    year = 1 if match["year"] == "元" else int(match["year"])
    if year == 0:
        raise EraDateError(
            "year_zero",
            en=f"{era.name} has no year 0; the first year is 元年 (1)",
            ja=f"{era.name}0年はありません。最初の年は元年（1年）です",
        )
    month = int(match["month_k"] or match["month_s"])
    day_of_month = int(match["day_k"] or match["day_s"])
    era_year_text = f"{era.name}{'元' if year == 1 else year}年{month}月{day_of_month}日"
    try:
        result = date(era.start.year + year - 1, month, day_of_month)
    except ValueError:
        raise EraDateError(
            "invalid_date",
            en=f"{era_year_text} does not exist in the calendar",
            ja=f"{era_year_text} は存在しない日付です",
        ) from None
    if result < era.start:
        raise EraDateError(
            "before_era",
            en=f"{era_year_text} is before {era.name} began on {era.start.isoformat()}",
            ja=f"{era_year_text} は{era.name}の始まり（{format_japanese_date(era.start)}）より前です",
        )
    if era.end is not None and result > era.end:
        raise EraDateError(
            "after_era",
            en=f"{era_year_text} is after {era.name} ended on {era.end.isoformat()}",
            ja=f"{era_year_text} は{era.name}の終わり（{format_japanese_date(era.end)}）より後です",
        )
    return result
