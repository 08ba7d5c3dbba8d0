"""When the password of an authentication ID expires, and which reminder is due. Pure functions.

A password lasts one year from the day it was set, counted like the ID's own validity
(set on 2025-06-10 → usable through 2026-06-10). Reminders go out 30 and 7 days before;
a daily run that missed a day sends only the nearest reminder, never both at once."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from backoffice.periods import period_end

PASSWORD_VALID_YEARS = 1
REMINDER_DAYS: tuple[int, ...] = (30, 7)
EXPIRED_NOTICE = 0  # recorded beside the reminders once the "expired" notice went out


def password_valid_through(set_on: date) -> date:
    """The last day the password set on ``set_on`` may be used."""
    return period_end(set_on, years=PASSWORD_VALID_YEARS, count_first_day=False)


def password_expired(set_on: date | None, *, today: date) -> bool:
    """True once the password's last day has passed; an ID without a password has none to expire."""
    return set_on is not None and today > password_valid_through(set_on)


def password_notice_due(set_on: date | None, *, today: date, sent: Collection[int]) -> int | None:
    """The notice to send today: 30 or 7 (days before expiry), ``EXPIRED_NOTICE``, or None.

    ``sent`` holds the notices already sent for the current password."""
    if set_on is None:
        return None
    days_left = (password_valid_through(set_on) - today).days
    if days_left < 0:
        return None if EXPIRED_NOTICE in sent else EXPIRED_NOTICE
    for days in sorted(REMINDER_DAYS):
        if days_left <= days:
            # A nearer reminder already sent covers this one too.
            return None if any(0 < s <= days for s in sent) else days
    return None
