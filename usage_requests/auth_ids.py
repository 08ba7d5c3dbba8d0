"""Authentication IDs (認証ID), §13 D4: generation, normalisation, validation and display.

An ID is 12 symbols from ``ALPHABET`` — upper-case letters and digits without the ambiguous
0/O/1/I, 32 symbols in all — of which the first 11 are random and the 12th is a check character
computed with the Luhn mod N algorithm (N = 32) over ``ALPHABET``.

What the check character catches (proved exhaustively in tests/usage_requests/test_auth_ids.py):

- every single-symbol substitution, at any of the 12 positions;
- every transposition of two adjacent, distinct symbols **except** "2" ↔ "Z" (the first and last
  symbols of the alphabet). This is Luhn's known blind spot — the analogue of 09 ↔ 90 in the
  decimal Luhn check — and it holds for every even N: a transposition of code points a and b goes
  unnoticed exactly when f(a) − a ≡ f(b) − b (mod N), where f is the "double and add the base-N
  digits" map, and f(x) − x is x for x < N/2 but x + 1 − N for x ≥ N/2, which makes 0 and N − 1
  collide (0 ≡ 31 + 1 − 32). So 495 of the 496 unordered pairs of distinct symbols are caught.
  A mod-N scheme that catches every adjacent transposition needs a prime modulus (e.g. ISO 7064
  MOD 37-2 with an extra check symbol); that would break the 32-symbol alphabet, so we accept the
  gap: the check character only guards against typing mistakes, and a mistyped ID simply fails to
  log in.

Randomness comes from ``secrets.randbelow`` (32¹¹ ≈ 3.8 × 10¹⁶ possible IDs). Uniqueness and
"never reused" are the database's job (a unique column that keeps revoked IDs); this module only
makes and checks codes. It is plain Python: no Django, no I/O.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Callable

ALPHABET: str = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
LENGTH = 12
BODY_LENGTH = LENGTH - 1

_N = len(ALPHABET)
_CODE_POINT = {symbol: i for i, symbol in enumerate(ALPHABET)}

# Characters removed by ``normalise``: every kind of white space (``str.split`` handles those,
# including the ideographic space U+3000 after NFKC) and the dashes users put between groups.
# Japanese IMEs often give "ー" (long vowel mark), "－"/"−" (full-width hyphen, minus) or "‐".
_SEPARATORS = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\uff0d\uff70")


def _code_point(symbol: str) -> int:
    try:
        return _CODE_POINT[symbol]
    except KeyError:
        raise ValueError(f"{symbol!r} is not a symbol of the authentication-ID alphabet") from None


def check_character(body: str) -> str:
    """The check character for ``body``, the first 11 symbols of an ID (Luhn mod 32).

    Walking from the right, every other code point starting with the rightmost is doubled and
    its base-32 digits added; the check character makes the total a multiple of 32.
    Raises ``ValueError`` if ``body`` is not 11 symbols of ``ALPHABET``.
    """
    if len(body) != BODY_LENGTH:
        raise ValueError(f"the body of an authentication ID has {BODY_LENGTH} symbols, not {len(body)}")
    total = 0
    factor = 2
    for symbol in reversed(body):
        addend = factor * _code_point(symbol)
        total += addend // _N + addend % _N
        factor = 3 - factor  # 2, 1, 2, 1, …
    return ALPHABET[(_N - total % _N) % _N]


def _check_holds(code: str) -> bool:
    """Luhn mod 32 validation of a full code whose symbols are all in ``ALPHABET``."""
    total = 0
    factor = 1
    for symbol in reversed(code):
        addend = factor * _CODE_POINT[symbol]
        total += addend // _N + addend % _N
        factor = 3 - factor
    return total % _N == 0


def generate(rng: Callable[[int], int] | None = None) -> str:
    """A new random ID: 11 symbols from ``rng`` (default ``secrets.randbelow``) plus the check.

    ``rng(n)`` must return an integer in ``[0, n)``; tests inject a seeded one to get
    deterministic codes. Whether the code is still free is for the caller (the database) to say.
    """
    draw = secrets.randbelow if rng is None else rng
    symbols = []
    for _ in range(BODY_LENGTH):
        index = draw(_N)
        if not 0 <= index < _N:
            raise ValueError(f"rng({_N}) returned {index}, outside [0, {_N})")
        symbols.append(ALPHABET[index])
    body = "".join(symbols)
    return body + check_character(body)


def normalise(raw: str) -> str:
    """What the user typed, as a bare code: NFKC, upper case, no spaces and no hyphens.

    "ａｂｃｄ－ｅｆｇｈ－ｊｋｌｍ", " abcd efgh jklm " and "ABCD-EFGH-JKLM" all become "ABCDEFGHJKLM".
    Nothing else is changed: an "O" or "0" stays as typed, so that ``problem`` can say that it is
    not part of an ID rather than guess which symbol was meant.
    """
    text = unicodedata.normalize("NFKC", raw).upper()
    text = "".join(ch for ch in "".join(text.split()) if ch not in _SEPARATORS)
    # NFKC once more: upper-casing, and removing a separator between combining marks, can leave
    # text that is not in normal form (it matters only for input that is no ID at all).
    return unicodedata.normalize("NFKC", text)


def problem(code: str) -> str | None:
    """``None`` if ``code`` is a well-formed ID, else why not.

    Checked in this order: ``"length"`` (not 12 symbols), ``"characters"`` (a symbol outside
    ``ALPHABET``, such as O, 0, I, 1 or a lower-case letter), ``"check"`` (the check character
    does not match). ``code`` is taken as given; pass user input through ``normalise`` first.
    """
    if len(code) != LENGTH:
        return "length"
    if any(symbol not in _CODE_POINT for symbol in code):
        return "characters"
    if not _check_holds(code):
        return "check"
    return None


def display(code: str) -> str:
    """The ID in groups of four joined by hyphens, as printed and shown: "ABCD-EFGH-JKLM".

    The code is normalised first, so displaying an already displayed ID gives the same text.
    """
    bare = normalise(code)
    return "-".join(bare[i : i + 4] for i in range(0, len(bare), 4))
