"""When an authentication ID must be renewed by a periodic report (定期報告). Pure functions
(§5.5, §13 D2): a reminder two months before expiry, filing closes one month before it,
an approved report extends validity from the current expiry, not from the approval day."""

from __future__ import annotations

import calendar
from datetime import date

from backoffice.periods import period_end


def months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier; the month's last day where it has no such day."""
    index = day.year * 12 + (day.month - 1) - months
    year, month = index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def renewal_reminder_on(valid_until: date) -> date:
    return months_before(valid_until, 2)


def periodic_report_deadline(valid_until: date) -> date:
    """The last day a periodic report is accepted for an ID valid through ``valid_until``."""
    return months_before(valid_until, 1)


def extended_validity(valid_until: date, *, years: int) -> date:
    """Validity after an approved report: ``years`` more, counted from the day after the
    current expiry (valid through 2026-06-10, one year → through 2027-06-10)."""
    return period_end(valid_until, years=years, count_first_day=False)
