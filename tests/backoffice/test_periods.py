"""Legal date arithmetic: Civil Code periods (§13 D2), business days (§13 D11), Japanese eras."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backoffice.periods import (
    ERAS,
    EraDateError,
    add_business_days,
    business_days_between,
    era_of,
    first_day_after,
    format_both,
    format_japanese_date,
    has_elapsed,
    is_business_day,
    is_public_holiday,
    next_business_day,
    parse_japanese_date,
    period_end,
    period_start,
    tokyo_date,
    within,
)

D = date
ONE_DAY = timedelta(days=1)

# Dates the holiday calendar covers (the holidays package: 1949–2099), kept away from the edges.
covered_dates = st.dates(min_value=D(1950, 1, 1), max_value=D(2098, 12, 1))
era_dates = st.dates(min_value=D(1868, 10, 23), max_value=D(2100, 12, 31))
lengths = st.fixed_dictionaries(
    {
        "years": st.integers(0, 10),
        "months": st.integers(0, 30),
        "days": st.integers(0, 400),
    }
).filter(lambda length: any(length.values()))


# --- §13 D2 worked examples ---------------------------------------------------------------------


def test_sentence_served_counts_the_first_day_five_years() -> None:
    # 「刑の執行を終わった日から起算して5年を経過」
    served = D(2020, 4, 1)
    assert period_start(served, count_first_day=True) == served
    assert period_end(served, years=5, count_first_day=True) == D(2025, 3, 31)
    assert first_day_after(served, years=5, count_first_day=True) == D(2025, 4, 1)
    assert not has_elapsed(served, on=D(2025, 3, 31), years=5, count_first_day=True)
    assert has_elapsed(served, on=D(2025, 4, 1), years=5, count_first_day=True)


def test_sentence_served_on_a_leap_day_ends_on_the_last_day_of_february() -> None:
    served = D(2020, 2, 29)
    assert period_end(served, years=5, count_first_day=True) == D(2025, 2, 28)
    assert first_day_after(served, years=5, count_first_day=True) == D(2025, 3, 1)
    assert not has_elapsed(served, on=D(2025, 2, 28), years=5, count_first_day=True)
    assert has_elapsed(served, on=D(2025, 3, 1), years=5, count_first_day=True)


def test_revocation_cooldown_does_not_count_the_first_day() -> None:
    # 「抹消の日から1年が経過」 (art. 140)
    revoked = D(2024, 5, 10)
    assert period_start(revoked, count_first_day=False) == D(2024, 5, 11)
    assert period_end(revoked, years=1, count_first_day=False) == D(2025, 5, 10)
    assert first_day_after(revoked, years=1, count_first_day=False) == D(2025, 5, 11)
    assert not within(revoked, on=revoked, years=1, count_first_day=False)
    assert within(revoked, on=D(2024, 5, 11), years=1, count_first_day=False)
    assert within(revoked, on=D(2025, 5, 10), years=1, count_first_day=False)
    assert not has_elapsed(revoked, on=D(2025, 5, 10), years=1, count_first_day=False)
    assert has_elapsed(revoked, on=D(2025, 5, 11), years=1, count_first_day=False)


def test_id_valid_one_year_from_the_password_day() -> None:
    # 「パスワードを設定した日から1年間」
    password_set = D(2025, 6, 10)
    assert period_end(password_set, years=1, count_first_day=False) == D(2026, 6, 10)
    assert within(password_set, on=D(2026, 6, 10), years=1, count_first_day=False)
    assert not within(password_set, on=D(2026, 6, 11), years=1, count_first_day=False)


# --- Month ends and leap days (art. 143) -------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "length", "count_first_day", "end"),
    [
        # Jan 31 + 1 month: no Feb 31, so the last day of February.
        (D(2025, 1, 31), {"months": 1}, True, D(2025, 2, 28)),
        (D(2024, 1, 31), {"months": 1}, True, D(2024, 2, 29)),
        (D(2025, 1, 30), {"months": 1}, True, D(2025, 2, 28)),
        (D(2025, 1, 28), {"months": 1}, True, D(2025, 2, 27)),
        # Not counting Jan 31: the period starts Feb 1 and runs to the end of February.
        (D(2025, 1, 31), {"months": 1}, False, D(2025, 2, 28)),
        (D(2024, 1, 31), {"months": 1}, False, D(2024, 2, 29)),
        # Aug 31 + 6 months: no Feb 31.
        (D(2025, 8, 31), {"months": 6}, True, D(2026, 2, 28)),
        (D(2023, 8, 31), {"months": 6}, True, D(2024, 2, 29)),
        (D(2025, 8, 31), {"months": 6}, False, D(2026, 2, 28)),
        # Feb 29 + 1 year / 4 years.
        (D(2024, 2, 29), {"years": 1}, True, D(2025, 2, 28)),
        (D(2024, 2, 29), {"years": 4}, True, D(2028, 2, 28)),
        (D(2024, 2, 29), {"years": 1}, False, D(2025, 2, 28)),
        (D(2024, 2, 29), {"years": 4}, False, D(2028, 2, 29)),
        (D(2024, 2, 28), {"years": 1}, False, D(2025, 2, 28)),
        # A period starting on the first of a month ends on the last day of a month (art. 143(1)).
        (D(2025, 3, 31), {"months": 1}, False, D(2025, 4, 30)),
        (D(2025, 4, 1), {"months": 1}, True, D(2025, 4, 30)),
        (D(2025, 12, 31), {"years": 1}, False, D(2026, 12, 31)),
        # Across a year boundary.
        (D(2025, 11, 15), {"months": 3}, True, D(2026, 2, 14)),
        (D(2025, 11, 30), {"months": 3}, True, D(2026, 2, 28)),
        # Years and months together.
        (D(2025, 4, 1), {"years": 1, "months": 6}, True, D(2026, 9, 30)),
    ],
)
def test_month_ends_and_leap_days(
    start: date, length: dict[str, int], count_first_day: bool, end: date
) -> None:
    assert period_end(start, count_first_day=count_first_day, **length) == end
    assert first_day_after(start, count_first_day=count_first_day, **length) == end + ONE_DAY


@pytest.mark.parametrize(
    ("start", "days", "count_first_day", "end"),
    [
        (D(2025, 4, 1), 1, True, D(2025, 4, 1)),
        (D(2025, 4, 1), 1, False, D(2025, 4, 2)),
        (D(2025, 4, 1), 30, True, D(2025, 4, 30)),
        (D(2025, 4, 1), 30, False, D(2025, 5, 1)),
        (D(2024, 2, 28), 2, True, D(2024, 2, 29)),
        (D(2025, 2, 28), 2, True, D(2025, 3, 1)),
        (D(2025, 12, 31), 1, False, D(2026, 1, 1)),
    ],
)
def test_periods_in_days(start: date, days: int, count_first_day: bool, end: date) -> None:
    assert period_end(start, days=days, count_first_day=count_first_day) == end


def test_years_plus_days() -> None:
    # The days run on from the end of the years: 2026-06-10, plus one day.
    assert period_end(D(2025, 6, 10), years=1, days=1, count_first_day=False) == D(2026, 6, 11)


@pytest.mark.parametrize(
    "length",
    [{"years": -1}, {"months": -1}, {"days": -1}, {"years": 1, "days": -1}],
)
def test_negative_lengths_are_refused(length: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="negative"):
        period_end(D(2025, 4, 1), count_first_day=True, **length)
    with pytest.raises(ValueError):
        has_elapsed(D(2025, 4, 1), on=D(2030, 1, 1), count_first_day=True, **length)


def test_a_period_needs_a_length() -> None:
    with pytest.raises(ValueError, match="length"):
        period_end(D(2025, 4, 1), count_first_day=True)
    with pytest.raises(ValueError, match="length"):
        first_day_after(D(2025, 4, 1), years=0, months=0, days=0, count_first_day=False)


# --- Properties of the period arithmetic -------------------------------------------------------


@given(st.dates(max_value=D(9000, 1, 1)), st.dates(max_value=D(9000, 1, 1)), lengths, st.booleans())
def test_period_end_is_monotone_in_the_start(
    a: date, b: date, length: dict[str, int], count_first_day: bool
) -> None:
    early, late = min(a, b), max(a, b)
    assert period_end(early, count_first_day=count_first_day, **length) <= period_end(
        late, count_first_day=count_first_day, **length
    )


@given(st.dates(max_value=D(9000, 1, 1)), lengths, lengths, st.booleans())
def test_period_end_is_monotone_in_the_length(
    start: date, a: dict[str, int], b: dict[str, int], count_first_day: bool
) -> None:
    # Componentwise larger lengths end no earlier.
    small = {key: min(a[key], b[key]) for key in a}
    large = {key: max(a[key], b[key]) for key in a}
    if not any(small.values()):
        return
    assert period_end(start, count_first_day=count_first_day, **small) <= period_end(
        start, count_first_day=count_first_day, **large
    )


@given(st.dates(max_value=D(9000, 1, 1)), st.integers(0, 100), st.integers(0, 100), st.booleans())
def test_longer_periods_in_months_end_later(
    start: date, months: int, extra: int, count_first_day: bool
) -> None:
    short = period_end(start, months=months + 1, count_first_day=count_first_day)
    long = period_end(start, months=months + 1 + extra, count_first_day=count_first_day)
    assert short <= long
    assert (short < long) == (extra > 0)


@given(st.dates(max_value=D(9000, 1, 1)), lengths, st.booleans())
def test_first_day_after_is_the_day_after_the_end(
    start: date, length: dict[str, int], count_first_day: bool
) -> None:
    end = period_end(start, count_first_day=count_first_day, **length)
    assert first_day_after(start, count_first_day=count_first_day, **length) == end + ONE_DAY
    assert end >= period_start(start, count_first_day=count_first_day)


@given(st.dates(max_value=D(9000, 1, 1)), lengths, st.booleans())
def test_has_elapsed_turns_true_the_day_after_the_last_day(
    start: date, length: dict[str, int], count_first_day: bool
) -> None:
    end = period_end(start, count_first_day=count_first_day, **length)
    assert not has_elapsed(start, on=end, count_first_day=count_first_day, **length)
    assert has_elapsed(start, on=end + ONE_DAY, count_first_day=count_first_day, **length)
    assert within(start, on=end, count_first_day=count_first_day, **length)
    assert not within(start, on=end + ONE_DAY, count_first_day=count_first_day, **length)
    first = period_start(start, count_first_day=count_first_day)
    assert within(start, on=first, count_first_day=count_first_day, **length)
    assert not within(start, on=first - ONE_DAY, count_first_day=count_first_day, **length)


@given(st.dates(max_value=D(9000, 1, 1)), lengths)
def test_not_counting_the_first_day_is_counting_from_the_next_day(
    start: date, length: dict[str, int]
) -> None:
    assert period_end(start, count_first_day=False, **length) == period_end(
        start + ONE_DAY, count_first_day=True, **length
    )


@given(st.dates(min_value=D(1900, 1, 1), max_value=D(9000, 1, 1)), st.integers(1, 50), st.booleans())
def test_years_are_twelve_months(start: date, years: int, count_first_day: bool) -> None:
    assert period_end(start, years=years, count_first_day=count_first_day) == period_end(
        start, months=12 * years, count_first_day=count_first_day
    )


def test_tokyo_date_uses_japan_time() -> None:
    # 2025-03-31 15:30 UTC is already 2025-04-01 in Tokyo.
    assert tokyo_date(datetime(2025, 3, 31, 15, 30, tzinfo=UTC)) == D(2025, 4, 1)
    assert tokyo_date(datetime(2025, 3, 31, 14, 59, tzinfo=UTC)) == D(2025, 3, 31)
    assert tokyo_date(datetime(2025, 4, 1, 0, 0, tzinfo=timezone(timedelta(hours=9)))) == D(2025, 4, 1)
    with pytest.raises(ValueError, match="aware"):
        tokyo_date(datetime(2025, 4, 1, 0, 0))


# --- Business days (§13 D11) -------------------------------------------------------------------

HOLIDAYS_2026 = [
    D(2026, 1, 1),
    D(2026, 1, 12),
    D(2026, 2, 11),
    D(2026, 2, 23),
    D(2026, 3, 20),
    D(2026, 4, 29),
    D(2026, 5, 3),
    D(2026, 5, 4),
    D(2026, 5, 5),
    D(2026, 5, 6),
    D(2026, 7, 20),
    D(2026, 8, 11),
    D(2026, 9, 21),
    D(2026, 9, 22),
    D(2026, 9, 23),
    D(2026, 10, 12),
    D(2026, 11, 3),
    D(2026, 11, 23),
]


def test_the_2026_public_holidays() -> None:
    year = [D(2026, 1, 1) + timedelta(days=i) for i in range(365)]
    assert [day for day in year if is_public_holiday(day)] == HOLIDAYS_2026
    for day in HOLIDAYS_2026:
        assert not is_business_day(day)


def test_weekdays_that_are_not_holidays_are_business_days() -> None:
    assert is_business_day(D(2026, 5, 7))  # Thursday after Golden Week
    assert is_business_day(D(2026, 9, 24))  # Thursday after the silver week
    assert not is_business_day(D(2026, 5, 9))  # Saturday
    assert not is_business_day(D(2026, 5, 10))  # Sunday


@pytest.mark.parametrize(
    "day",
    [D(2025, 12, 29), D(2025, 12, 30), D(2025, 12, 31), D(2026, 1, 2), D(2026, 12, 29), D(2026, 12, 31)],
)
def test_year_end_closure(day: date) -> None:
    assert day.weekday() < 5  # a weekday, closed all the same
    assert not is_public_holiday(day)
    assert not is_business_day(day)


def test_the_first_business_days_around_the_year_end() -> None:
    assert is_business_day(D(2025, 12, 26))  # Friday
    assert add_business_days(D(2025, 12, 26), 1) == D(2026, 1, 5)  # Monday, the R2026 start
    assert is_business_day(D(2026, 12, 28))  # Monday
    assert add_business_days(D(2026, 12, 28), 1) == D(2027, 1, 4)


@pytest.mark.parametrize(
    ("start", "n", "result"),
    [
        (D(2026, 4, 27), 0, D(2026, 4, 27)),  # Monday, a business day: itself
        (D(2026, 4, 29), 0, D(2026, 4, 30)),  # 昭和の日: the next business day
        (D(2026, 4, 25), 1, D(2026, 4, 27)),  # Saturday + 1 → Monday
        (D(2026, 4, 25), 0, D(2026, 4, 27)),  # Saturday + 0 → Monday as well
        (D(2026, 4, 27), 5, D(2026, 5, 8)),  # 4/28, 4/30, 5/1, 5/7, 5/8
        (D(2026, 4, 30), 1, D(2026, 5, 1)),
        (D(2026, 5, 1), 1, D(2026, 5, 7)),
        (D(2026, 9, 18), 1, D(2026, 9, 24)),  # over the 2026 silver week
        (D(2026, 3, 16), 5, D(2026, 3, 24)),  # over 春分の日 (Friday) and a weekend
    ],
)
def test_add_business_days(start: date, n: int, result: date) -> None:
    assert add_business_days(start, n) == result


def test_add_business_days_refuses_negative_counts() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_business_days(D(2026, 4, 27), -1)


def test_business_days_between() -> None:
    assert business_days_between(D(2026, 4, 27), D(2026, 4, 27)) == 0
    assert business_days_between(D(2026, 4, 27), D(2026, 5, 8)) == 5
    assert business_days_between(D(2026, 5, 8), D(2026, 4, 27)) == -5
    assert business_days_between(D(2025, 12, 26), D(2026, 1, 4)) == 0


def test_years_without_a_holiday_calendar_are_refused() -> None:
    with pytest.raises(ValueError, match="holiday calendar"):
        is_business_day(D(2100, 3, 1))
    with pytest.raises(ValueError, match="holiday calendar"):
        is_business_day(D(1948, 3, 1))


@given(covered_dates, st.integers(0, 60))
def test_add_business_days_lands_on_a_business_day(start: date, n: int) -> None:
    result = add_business_days(start, n)
    assert is_business_day(result)
    assert result > start or (n == 0 and result == start)
    if n >= 1:
        # Exactly n business days after start up to the result, and n - 1 the day before it:
        # no business day is skipped.
        assert business_days_between(start, result) == n
        assert business_days_between(start, result - ONE_DAY) == n - 1
    elif is_business_day(start):
        assert result == start


@given(covered_dates, st.integers(0, 400), st.integers(0, 30))
def test_add_business_days_is_monotone_in_the_start(start: date, gap: int, n: int) -> None:
    later = start + timedelta(days=gap)
    assert add_business_days(start, n) <= add_business_days(later, n)


@given(covered_dates, st.integers(1, 30), st.integers(0, 30))
def test_add_business_days_is_strictly_monotone_in_n(start: date, n: int, extra: int) -> None:
    assert (add_business_days(start, n) < add_business_days(start, n + extra)) == (extra > 0)
    assert add_business_days(start, 0) <= add_business_days(start, n)


@given(covered_dates)
def test_next_business_day(day: date) -> None:
    result = next_business_day(day)
    assert is_business_day(result)
    assert all(not is_business_day(day + timedelta(days=i)) for i in range((result - day).days))


# --- Japanese eras --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (D(1868, 10, 23), "明治元年10月23日"),
        (D(1868, 12, 31), "明治元年12月31日"),
        (D(1869, 1, 1), "明治2年1月1日"),
        (D(1912, 7, 29), "明治45年7月29日"),
        (D(1912, 7, 30), "大正元年7月30日"),
        (D(1913, 1, 1), "大正2年1月1日"),
        (D(1926, 12, 24), "大正15年12月24日"),
        (D(1926, 12, 25), "昭和元年12月25日"),
        (D(1927, 1, 1), "昭和2年1月1日"),
        (D(1989, 1, 7), "昭和64年1月7日"),
        (D(1989, 1, 8), "平成元年1月8日"),
        (D(1990, 1, 1), "平成2年1月1日"),
        (D(2019, 4, 30), "平成31年4月30日"),
        (D(2019, 5, 1), "令和元年5月1日"),
        (D(2020, 1, 1), "令和2年1月1日"),
        (D(2025, 4, 1), "令和7年4月1日"),
    ],
)
def test_era_boundaries(day: date, text: str) -> None:
    assert format_japanese_date(day) == text
    assert parse_japanese_date(text) == day


def test_format_both_for_screens() -> None:
    assert format_both(D(2025, 4, 1)) == "2025-04-01（令和7年4月1日）"
    assert format_both(D(2019, 5, 1)) == "2019-05-01（令和元年5月1日）"
    assert format_both(D(1868, 1, 25)) == "1868-01-25"  # before Meiji: Gregorian only


def test_a_date_before_meiji_has_no_era() -> None:
    with pytest.raises(EraDateError) as caught:
        format_japanese_date(D(1868, 10, 22))
    assert caught.value.code == "before_era"
    assert "明治" in caught.value.message_ja
    assert "Meiji" in caught.value.message_en


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("令和7年4月1日", D(2025, 4, 1)),
        ("令和元年5月1日", D(2019, 5, 1)),
        ("令和７年４月１日", D(2025, 4, 1)),
        ("令和　７年　４月　１日", D(2025, 4, 1)),
        (" 令和 7 年 4 月 1 日 ", D(2025, 4, 1)),
        ("令和07年04月01日", D(2025, 4, 1)),
        ("令和7年4月1", D(2025, 4, 1)),
        ("㋿7年4月1日", D(2025, 4, 1)),
        ("㍻31年4月30日", D(2019, 4, 30)),
        ("令7年4月1日", D(2025, 4, 1)),
        ("R7.4.1", D(2025, 4, 1)),
        ("r7.4.1", D(2025, 4, 1)),
        ("Ｒ７．４．１", D(2025, 4, 1)),
        ("R7/4/1", D(2025, 4, 1)),
        ("R7-4-1", D(2025, 4, 1)),
        ("R01.05.01", D(2019, 5, 1)),
        ("H31.4.30", D(2019, 4, 30)),
        ("H1.1.8", D(1989, 1, 8)),
        ("S64.1.7", D(1989, 1, 7)),
        ("S1.12.25", D(1926, 12, 25)),
        ("T1.7.30", D(1912, 7, 30)),
        ("M1.10.23", D(1868, 10, 23)),
        ("M45.7.29", D(1912, 7, 29)),
        ("令和7.4.1", D(2025, 4, 1)),
        ("R7年4月1日", D(2025, 4, 1)),
    ],
)
def test_parse_japanese_date(text: str, day: date) -> None:
    assert parse_japanese_date(text) == day


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("慶応4年1月1日", "unknown_era"),
        ("X7.4.1", "unknown_era"),
        ("令和元年4月30日", "before_era"),
        ("R1.4.30", "before_era"),
        ("昭和元年12月24日", "before_era"),
        ("明治元年1月25日", "before_era"),
        ("平成32年1月1日", "after_era"),
        ("平成31年5月1日", "after_era"),
        ("H31.5.1", "after_era"),
        ("昭和64年1月8日", "after_era"),
        ("大正15年12月25日", "after_era"),
        ("明治45年7月30日", "after_era"),
        ("令和7年2月30日", "invalid_date"),
        ("令和6年2月30日", "invalid_date"),
        ("令和7年13月1日", "invalid_date"),
        ("令和7年4月0日", "invalid_date"),
        ("R7.2.29", "invalid_date"),
        ("令和0年5月1日", "year_zero"),
        ("R0.5.1", "year_zero"),
        ("", "format"),
        ("2025-04-01", "format"),
        ("令和7年4月", "format"),
        ("R7.4/1", "format"),
        ("令和99999年1月1日", "format"),
    ],
)
def test_parse_errors(text: str, code: str) -> None:
    with pytest.raises(EraDateError) as caught:
        parse_japanese_date(text)
    error = caught.value
    assert error.code == code
    assert isinstance(error, ValueError)
    assert error.message_en and error.message_ja
    assert error.message_en in str(error) and error.message_ja in str(error)
    assert error.message("ja") == error.message_ja
    assert error.message("en") == error.message_en


def test_error_messages_name_the_era_bounds() -> None:
    with pytest.raises(EraDateError) as caught:
        parse_japanese_date("令和元年4月30日")
    assert "2019-05-01" in caught.value.message_en
    assert "令和元年5月1日" in caught.value.message_ja
    with pytest.raises(EraDateError) as caught:
        parse_japanese_date("平成31年5月1日")
    assert "2019-04-30" in caught.value.message_en
    assert "平成31年4月30日" in caught.value.message_ja


def test_eras_are_contiguous() -> None:
    for previous, following in pairwise(ERAS):
        assert previous.end is not None
        assert previous.end + ONE_DAY == following.start
    assert ERAS[-1].end is None


@given(era_dates)
def test_parse_format_round_trip(day: date) -> None:
    text = format_japanese_date(day)
    assert parse_japanese_date(text) == day
    era = era_of(day)
    year = era.year_of(day)
    assert parse_japanese_date(f"{era.letter}{year}.{day.month}.{day.day}") == day
    full_width = text.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert parse_japanese_date(full_width) == day


@given(era_dates)
def test_era_years_start_at_one_and_match_the_gregorian_year(day: date) -> None:
    era = era_of(day)
    assert era.start <= day and (era.end is None or day <= era.end)
    year = era.year_of(day)
    assert year >= 1
    assert day.year == era.start.year + year - 1
    assert ("元年" in format_japanese_date(day)) == (year == 1)


@given(era_dates, era_dates)
def test_era_order_follows_date_order(a: date, b: date) -> None:
    early, late = min(a, b), max(a, b)
    assert ERAS.index(era_of(early)) <= ERAS.index(era_of(late))
