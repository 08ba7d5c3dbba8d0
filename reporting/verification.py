"""Pure rules of issued documents and their verification: document numbers, the file's hash,
and what ``/verify/<number>/`` may say about an authentication ID. No ORM, no clock."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

# The authentication IDs' alphabet (§13 D4): upper-case letters and digits without 0/O/1/I.
NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
NUMBER_GROUPS = 4
GROUP_LENGTH = 4
NUMBER_SYMBOLS = NUMBER_GROUPS * GROUP_LENGTH  # 16 symbols of 5 bits: 80 random bits
_SEPARATORS = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\uff0d\uff70")

# Uploads larger than this are refused before they are hashed (our PDFs are well under 1 MB).
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def new_document_number() -> str:
    """A random number such as ``K7QD-2M9X-HT4C-8RWN``: unguessable (80 bits from ``secrets``),
    not sequential, so a number reveals neither how many documents exist nor another's number.
    Uniqueness is the database's job (a unique column)."""
    symbols = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(NUMBER_SYMBOLS))
    return _grouped(symbols)


def _grouped(symbols: str) -> str:
    return "-".join(symbols[i : i + GROUP_LENGTH] for i in range(0, len(symbols), GROUP_LENGTH))


def normalise_document_number(raw: str) -> str | None:
    """The canonical form of a number as typed or scanned (full-width, lower case, spaces or
    other dashes between the groups), or None when it cannot be one of ours."""
    text = unicodedata.normalize("NFKC", raw).upper()
    symbols = "".join(ch for ch in text if not ch.isspace() and ch not in _SEPARATORS)
    if len(symbols) != NUMBER_SYMBOLS or any(ch not in NUMBER_ALPHABET for ch in symbols):
        return None
    return _grouped(symbols)


def sha256_of(chunks: Iterable[bytes]) -> tuple[str, int]:
    """The SHA-256 (hex) and size of a file read in chunks."""
    digest = hashlib.sha256()
    size = 0
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def is_genuine(*, issued_sha256: str, uploaded_sha256: str) -> bool:
    """The uploaded file is the one we issued, byte for byte (compared in constant time)."""
    return hmac.compare_digest(issued_sha256.lower(), uploaded_sha256.lower())


IdVerdict = Literal["valid", "awaiting_password", "expired", "suspended", "revoked"]


@dataclass(frozen=True, slots=True)
class IdStatus:
    """What the public verification page says about one authentication ID."""

    masked: str  # ABCD-••••-••LM: enough to tell two IDs of one notice apart, not to log in
    verdict: IdVerdict
    valid_until: date | None = None
    revoked_on: date | None = None


def mask_id(code: str) -> str:
    """The first four and the last two symbols of a 12-symbol ID."""
    bare = "".join(ch for ch in code if ch.isalnum())
    if len(bare) != 12:
        return "••••-••••-••••"
    return f"{bare[:4]}-••••-••{bare[10:]}"


def id_status(
    *, code: str, state: str, valid_until: date | None, revoked_on: date | None, today: date
) -> IdStatus:
    """An ID's state as the verification page reports it: revoked (抹消) and suspended as
    recorded; an active ID past its last valid day is expired even before the nightly run
    suspends it; an ID whose password is not set yet is issued but not yet valid."""
    masked = mask_id(code)
    if state == "revoked":
        return IdStatus(masked, "revoked", valid_until=valid_until, revoked_on=revoked_on)
    if state == "suspended":
        return IdStatus(masked, "suspended", valid_until=valid_until)
    if state == "awaiting_password":
        return IdStatus(masked, "awaiting_password")
    if valid_until is None or valid_until < today:
        return IdStatus(masked, "expired", valid_until=valid_until)
    return IdStatus(masked, "valid", valid_until=valid_until)
