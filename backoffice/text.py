"""Input normalisation and the My Number guard (§13 D12), shared by every form."""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_TWELVE_DIGITS = re.compile(r"(?<!\d)(\d{4})[ -]?(\d{4})[ -]?(\d{4})(?!\d)")


def nfkc(value: str) -> str:
    """Full-width digits and letters typed by Japanese users become their ASCII forms."""
    return unicodedata.normalize("NFKC", value).strip()


def my_number_check_digit(first_eleven: str) -> int:
    """Check digit of an individual number (個人番号), §13 D12."""
    digits = [int(c) for c in reversed(first_eleven)]
    total = 0
    for n, p in enumerate(digits, start=1):
        q = n + 1 if n <= 6 else n - 5
        total += p * q
    r = total % 11
    return 0 if r <= 1 else 11 - r


def looks_like_my_number(text: str) -> bool:
    for match in _TWELVE_DIGITS.finditer(nfkc(text)):
        digits = "".join(match.groups())
        if my_number_check_digit(digits[:11]) == int(digits[11]):
            return True
    return False


def reject_my_number(value: str) -> None:
    """Validator for free text: we never store an individual number, even by accident."""
    if value and looks_like_my_number(str(value)):
        raise ValidationError(
            _(
                "This looks like an individual number (My Number). "
                "Do not enter it: this system never stores it."
            ),
            code="my_number",
        )
