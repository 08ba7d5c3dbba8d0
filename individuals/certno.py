"""The 12-digit filing-agent certificate number (申請等取次者証明書番号), §13 D5.

Lawyers and gyoseishoshi who notified ISA hold a 届出済証明書. Newer certificates print a
12-digit number at the top right; older ones print only a notation such as
「（東）弁 10 第 50 号」, which converts with a code table as

    [issuing office, 2 digits][year, 4 digits][category, 1 digit][serial, 5 digits]
    （東）弁 10 第 50 号  →  13 2010 7 00050  →  132010700050

The code table (issuing-office symbol → 2 digits, category symbol → 1 digit) is data that an
administrator maintains; it is passed in here as a ``CodeTable``. This module is plain Python:
no Django, no I/O, no clock.

What is checked, and what is not:

- A 12-digit number is only checked for being 12 digits (full-width or half-width, spaces and
  hyphens between groups allowed). D5 gives it no check digit, and its inner structure is our
  reading of one example, so it is not enforced: the register of notified lawyers and
  gyoseishoshi decides whether a number exists. ``parts`` splits it for display only.
- A 12-digit number may also pass the My Number check digit (§13 D12). It is not one: this
  field has its own validation and is never put through the My Number guard.
- The year of an old-style notation is the Western year's last two digits (the leaflet's
  「西暦下２桁」). 89–99 are read as 1989–1999, 00–88 as 2000–2088: the notification system for
  gyoseishoshi began in 1989, so no certificate carries an earlier year. A four-digit year
  (1989–2099) is taken as written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

LENGTH = 12
OFFICE_DIGITS = 2
YEAR_DIGITS = 4
CATEGORY_DIGITS = 1
SERIAL_DIGITS = 5
CENTURY_PIVOT = 89  # two-digit years from here on are 19xx
FIRST_YEAR = 1989
LAST_YEAR = 2099

EXAMPLE_OLD_STYLE = "（東）弁 10 第 50 号"
EXAMPLE_NUMBER = "132010700050"

# Brackets users type around the office symbol, after NFKC: （）→(), ［］→[], ｛｝→{}.
_OPENING = "([{〔【〈《「『"
_CLOSING = ")]}〕】〉》」』"
_BRACKETS = str.maketrans(_OPENING + _CLOSING, "(" * len(_OPENING) + ")" * len(_CLOSING))
# Dashes between digit groups: ASCII, Unicode hyphens and minus, the katakana long vowel mark.
_DASHES = str.maketrans("", "", "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\uff0d\uff70")

_OLD_STYLE = re.compile(
    r"""^
    (?:\((?P<office>[^()\d]+)\)|(?P<bare>[^()\d]+?))   # (東) or 東 (then split by the table)
    (?P<category>(?(office)[^()\d]+|))                 # 弁, when the office was bracketed
    (?P<year>\d+)
    (?:第|\s)+                                        # 第, or at least a space
    (?P<serial>\d+)
    \s*号?
    $""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class CodeTable:
    """Issuing-office symbols → 2-digit codes, category symbols → 1-digit codes."""

    offices: Mapping[str, str]
    categories: Mapping[str, str]

    def __post_init__(self) -> None:
        for symbol, code in self.offices.items():
            if not (code.isascii() and code.isdigit() and len(code) == OFFICE_DIGITS):
                raise ValueError(f"office code for {symbol!r} must be {OFFICE_DIGITS} digits, not {code!r}")
        for symbol, code in self.categories.items():
            if not (code.isascii() and code.isdigit() and len(code) == CATEGORY_DIGITS):
                raise ValueError(
                    f"category code for {symbol!r} must be {CATEGORY_DIGITS} digit, not {code!r}"
                )

    @classmethod
    def of(cls, *, offices: Mapping[str, str], categories: Mapping[str, str]) -> CodeTable:
        """Build a table with its symbols normalised as user input is (NFKC, no spaces)."""
        return cls(
            offices={_symbol(k): v for k, v in offices.items()},
            categories={_symbol(k): v for k, v in categories.items()},
        )


LEAFLET_TABLE = CodeTable(offices={"東": "13"}, categories={"弁": "7"})
"""What the leaflet's conversion example proves (D5): 東 → 13, 弁 → 7. Nothing else is known."""


_MESSAGES: dict[str, tuple[str, str]] = {
    "length": (
        "申請等取次者証明書番号は12桁の数字です（{digits}桁が入力されました）。"
        "届出済証明書の右上に印字された12桁の番号を入力してください。",
        "The certificate number has 12 digits ({digits} were entered). Enter the 12-digit number "
        "printed at the top right of your certificate (届出済証明書).",
    ),
    "malformed": (
        "番号の形が読み取れません。届出済証明書の右上に印字された12桁の数字か、"
        "「（東）弁 10 第 50 号」の形の番号を入力してください。",
        "This number cannot be read. Enter the 12-digit number printed at the top right of your "
        "certificate (届出済証明書), or the old-style number as printed, e.g. 「（東）弁 10 第 50 号」.",
    ),
    "year": (
        "発行年「{year}」が読み取れません。西暦の下2桁（例: 10）か4桁（例: 2010）で入力してください。",
        "The year of issue “{year}” cannot be read. Enter the Western year's last two digits "
        "(e.g. 10) or all four (e.g. 2010).",
    ),
    "serial": (
        "通し番号「{serial}」は1〜99999の数字でなければなりません。",
        "The serial number “{serial}” must be a number from 1 to 99999.",
    ),
    "unknown_office": (
        "発行局の記号「{symbol}」はコード表にありません。"
        "届出済証明書の右上に印字された12桁の番号を入力してください。",
        "The issuing-office symbol “{symbol}” is not in our code table. Enter the 12-digit number "
        "printed at the top right of your certificate (届出済証明書).",
    ),
    "unknown_category": (
        "区分の記号「{symbol}」はコード表にありません。"
        "届出済証明書の右上に印字された12桁の番号を入力してください。",
        "The category symbol “{symbol}” is not in our code table. Enter the 12-digit number "
        "printed at the top right of your certificate (届出済証明書).",
    ),
}


class CertificateNumberError(ValueError):
    """Why a certificate number was refused: a stable ``code`` and messages in ja and en."""

    def __init__(self, code: str, **params: object) -> None:
        ja, en = _MESSAGES[code]
        self.code = code
        self.params = params
        self.message_ja = ja.format(**params)
        self.message_en = en.format(**params)
        super().__init__(f"{code}: {self.message_en}")

    def message(self, language: str) -> str:
        return self.message_ja if language.startswith("ja") else self.message_en


@dataclass(frozen=True)
class OldStyleNumber:
    """A notation such as 「（東）弁 10 第 50 号」, read but not yet converted."""

    office: str
    category: str
    year: int  # four digits
    serial: int


@dataclass(frozen=True)
class NumberParts:
    office: str
    year: str
    category: str
    serial: str


def _symbol(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def normalise(raw: str) -> str:
    """NFKC (full-width digits, letters, brackets and spaces become ASCII), brackets unified
    to ``()``, runs of white space collapsed to one space, trimmed."""
    text = unicodedata.normalize("NFKC", raw).translate(_BRACKETS)
    return " ".join(text.split())


def digits_only(raw: str) -> str:
    """The input without spaces and dashes: what a 12-digit number looks like once typed."""
    return "".join(normalise(raw).translate(_DASHES).split())


def looks_like_number(raw: str) -> bool:
    """True when the input is digits only (after removing spaces and dashes), of any length."""
    bare = digits_only(raw)
    return bool(bare) and bare.isascii() and bare.isdigit()


def validate_number(raw: str) -> str:
    """The 12 digits, or ``CertificateNumberError`` (``length`` or ``malformed``)."""
    bare = digits_only(raw)
    if not bare or not (bare.isascii() and bare.isdigit()):
        raise CertificateNumberError("malformed")
    if len(bare) != LENGTH:
        raise CertificateNumberError("length", digits=len(bare))
    return bare


def parts(number: str) -> NumberParts:
    """Split a valid 12-digit number as D5 reads it, for display: 13 2010 7 00050."""
    number = validate_number(number)
    a, b, c = OFFICE_DIGITS, OFFICE_DIGITS + YEAR_DIGITS, OFFICE_DIGITS + YEAR_DIGITS + CATEGORY_DIGITS
    return NumberParts(office=number[:a], year=number[a:b], category=number[b:c], serial=number[c:])


def expand_year(written: str) -> int:
    """The four-digit year of an old-style notation; ``CertificateNumberError("year")`` if none."""
    if len(written) == 2:
        two = int(written)
        return (1900 if two >= CENTURY_PIVOT else 2000) + two
    if len(written) == YEAR_DIGITS and FIRST_YEAR <= int(written) <= LAST_YEAR:
        return int(written)
    raise CertificateNumberError("year", year=written)


def _split_bare(text: str, table: CodeTable) -> tuple[str, str]:
    """「東弁」 without brackets: the longest office symbol of the table that starts the text,
    else its first character; the rest is the category."""
    for symbol in sorted(table.offices, key=len, reverse=True):
        if text.startswith(symbol) and len(text) > len(symbol):
            return symbol, text[len(symbol) :]
    return text[:1], text[1:]


def parse_old_style(raw: str, table: CodeTable) -> OldStyleNumber:
    """Read 「（東）弁 10 第 50 号」 (also half-width, without spaces, without 号, or with the
    office unbracketed as 「東弁10第50号」). The table is needed only to split an unbracketed
    office symbol from the category."""
    match = _OLD_STYLE.match(normalise(raw))
    if match is None:
        raise CertificateNumberError("malformed")
    if match.group("office") is not None:
        office, category = _symbol(match.group("office")), _symbol(match.group("category"))
    else:
        office, category = _split_bare(_symbol(match.group("bare")), table)
    if not office or not category:
        raise CertificateNumberError("malformed")
    year = expand_year(match.group("year"))
    serial_text = match.group("serial")
    serial = int(serial_text)
    if not 1 <= serial < 10**SERIAL_DIGITS or len(serial_text) > SERIAL_DIGITS:
        raise CertificateNumberError("serial", serial=serial_text)
    return OldStyleNumber(office=office, category=category, year=year, serial=serial)


def convert(old: OldStyleNumber, table: CodeTable) -> str:
    """The 12 digits of a parsed old-style notation, by the table (unknown symbols refused)."""
    office = table.offices.get(old.office)
    if office is None:
        raise CertificateNumberError("unknown_office", symbol=old.office)
    category = table.categories.get(old.category)
    if category is None:
        raise CertificateNumberError("unknown_category", symbol=old.category)
    return f"{office}{old.year:04d}{category}{old.serial:0{SERIAL_DIGITS}d}"


def to_number(raw: str, table: CodeTable) -> str:
    """What the user typed, as the 12-digit number: either the number itself (normalised)
    or an old-style notation converted by the table."""
    if looks_like_number(raw):
        return validate_number(raw)
    return convert(parse_old_style(raw, table), table)


def format_old_style(old: OldStyleNumber, *, two_digit_year: bool = True) -> str:
    """The notation as the leaflet prints it: 「（東）弁 10 第 50 号」."""
    year = f"{old.year % 100:02d}" if two_digit_year else f"{old.year:04d}"
    return f"（{old.office}）{old.category} {year} 第 {old.serial} 号"
