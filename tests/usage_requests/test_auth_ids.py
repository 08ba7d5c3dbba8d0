"""Authentication IDs (§13 D4): generation, the Luhn mod 32 check character, input handling."""

from __future__ import annotations

import itertools
import random
import secrets
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from usage_requests.auth_ids import ALPHABET, check_character, display, generate, normalise, problem

AMBIGUOUS = "0O1I"

# A few fixed codes for the exhaustive checks, made with a seeded generator.
_seeded = random.Random(20260105)
SAMPLE_CODES = [generate(_seeded.randrange) for _ in range(4)] + [
    "22222222222" + check_character("22222222222"),
    "ZZZZZZZZZZZ" + check_character("ZZZZZZZZZZZ"),
]

bodies = st.text(alphabet=ALPHABET, min_size=11, max_size=11)
codes = bodies.map(lambda body: body + check_character(body))


def _seeded_rng(seed: int) -> Callable[[int], int]:
    return random.Random(seed).randrange


# --- the alphabet --------------------------------------------------------------------------


def test_alphabet_is_32_distinct_unambiguous_upper_case_symbols() -> None:
    assert len(ALPHABET) == 32
    assert len(set(ALPHABET)) == 32
    assert not set(AMBIGUOUS) & set(ALPHABET)
    assert set(ALPHABET) == set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") - set(AMBIGUOUS)


# --- generation ----------------------------------------------------------------------------


def test_generated_codes_are_valid_and_12_long() -> None:
    for _ in range(2000):
        code = generate()
        assert len(code) == 12
        assert problem(code) is None
        assert not set(code) & set(AMBIGUOUS)
        assert set(code) <= set(ALPHABET)


@given(st.integers(min_value=0, max_value=2**32))
def test_generated_codes_are_valid_for_any_seed(seed: int) -> None:
    code = generate(_seeded_rng(seed))
    assert len(code) == 12
    assert problem(code) is None
    assert not set(code) & set(AMBIGUOUS)


def test_injected_rng_makes_generation_deterministic() -> None:
    assert generate(_seeded_rng(7)) == generate(_seeded_rng(7))
    assert generate(_seeded_rng(7)) != generate(_seeded_rng(8))


def test_injected_rng_is_asked_for_eleven_symbols_below_32() -> None:
    asked: list[int] = []

    def rng(n: int) -> int:
        asked.append(n)
        return len(asked) - 1  # 0, 1, 2, … → "2", "3", "4", …

    code = generate(rng)
    assert asked == [32] * 11
    assert code[:11] == ALPHABET[:11]
    assert code[11] == check_character(ALPHABET[:11])
    assert problem(code) is None


def test_constant_rng_gives_the_extreme_codes() -> None:
    assert generate(lambda n: 0)[:11] == "2" * 11
    assert generate(lambda n: n - 1)[:11] == "Z" * 11


@pytest.mark.parametrize("bad", [-1, 32, 1000])
def test_rng_out_of_range_is_refused(bad: int) -> None:
    with pytest.raises(ValueError, match="outside"):
        generate(lambda n: bad)


def test_default_rng_is_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def fake_randbelow(n: int) -> int:
        calls.append(n)
        return 5

    monkeypatch.setattr(secrets, "randbelow", fake_randbelow)
    code = generate()
    assert calls == [32] * 11
    assert code[:11] == ALPHABET[5] * 11


def test_default_generation_spreads_over_the_whole_alphabet() -> None:
    seen = set(itertools.chain.from_iterable(generate()[:11] for _ in range(500)))
    assert seen == set(ALPHABET)


# --- the check character -------------------------------------------------------------------


def test_check_character_known_values() -> None:
    # Worked by hand: body "22222222222" is all code point 0, so the total is 0 and the check is "2".
    assert check_character("22222222222") == "2"
    # body "2222222222" + "3": rightmost code point 1 is doubled → 2; 32 − 2 = 30 → "Y".
    assert check_character("22222222223") == "Y"
    # body "2222222222" + "Z": 31 doubled = 62 = 1·32 + 30 → 1 + 30 = 31; 32 − 31 = 1 → "3".
    assert check_character("2222222222Z") == "3"
    # body "222222222" + "3" + "2": the code point 1 is not doubled → total 1 → 31 → "Z".
    assert check_character("22222222232") == "Z"


@pytest.mark.parametrize("body", ["", "2222222222", "222222222222"])
def test_check_character_needs_eleven_symbols(body: str) -> None:
    with pytest.raises(ValueError, match="11 symbols"):
        check_character(body)


@pytest.mark.parametrize("body", ["2222222222O", "22222222220", "abcdefghjkl", "2222222222-"])
def test_check_character_refuses_foreign_symbols(body: str) -> None:
    with pytest.raises(ValueError, match="alphabet"):
        check_character(body)


@pytest.mark.parametrize("code", SAMPLE_CODES)
def test_every_single_substitution_is_caught_exhaustively(code: str) -> None:
    assert problem(code) is None
    for position in range(12):
        for symbol in ALPHABET:
            if symbol == code[position]:
                continue
            altered = code[:position] + symbol + code[position + 1 :]
            assert problem(altered) == "check", (code, position, symbol)


@given(codes, st.integers(min_value=0, max_value=11), st.sampled_from(ALPHABET))
def test_any_single_substitution_is_caught(code: str, position: int, symbol: str) -> None:
    altered = code[:position] + symbol + code[position + 1 :]
    assert (problem(altered) is None) == (altered == code)


def _is_blind_spot(a: str, b: str) -> bool:
    return {a, b} == {"2", "Z"}


def _valid_code_with(position: int, a: str, b: str) -> str:
    """A valid code with ``a`` at ``position`` and ``b`` right after it (position + 1 ≤ 11)."""
    filler = random.Random(position * 1000 + ALPHABET.index(a) * 32 + ALPHABET.index(b))
    body = [filler.choice(ALPHABET) for _ in range(11)]
    body[position] = a
    if position + 1 < 11:
        body[position + 1] = b
        joined = "".join(body)
        return joined + check_character(joined)
    # b must be the check character: the first symbol is free, and the check runs through all
    # 32 symbols as the first symbol does (single substitutions are always caught).
    for first in ALPHABET:
        joined = first + "".join(body[1:])
        if check_character(joined) == b:
            return joined + b
    raise AssertionError("unreachable: the check character is a bijection of each position")


def test_adjacent_transpositions_exhaustively() -> None:
    """Every pair of distinct symbols at every pair of adjacent positions, check included.

    Whether a swap is caught depends only on the two symbols and the parity of the position
    (the other symbols add the same amount before and after), so this covers every code.
    """
    missed = set()
    for position in range(11):
        for a, b in itertools.permutations(ALPHABET, 2):
            code = _valid_code_with(position, a, b)
            assert problem(code) is None
            swapped = code[:position] + b + a + code[position + 2 :]
            if problem(swapped) is None:
                missed.add(frozenset((a, b)))
            else:
                assert problem(swapped) == "check"
    # Luhn mod 32 misses exactly one pair of the 496: the first and last symbols of the alphabet.
    assert missed == {frozenset("2Z")}


@given(codes, st.integers(min_value=0, max_value=10))
def test_adjacent_transpositions_are_caught_except_2_and_z(code: str, position: int) -> None:
    a, b = code[position], code[position + 1]
    swapped = code[:position] + b + a + code[position + 2 :]
    if a == b:
        assert swapped == code
    elif _is_blind_spot(a, b):
        assert problem(swapped) is None  # the documented gap
    else:
        assert problem(swapped) == "check"


def test_the_2_z_blind_spot_is_real() -> None:
    code = _valid_code_with(3, "2", "Z")
    swapped = code[:3] + "Z2" + code[5:]
    assert problem(code) is None
    assert problem(swapped) is None


# --- normalise -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "ABCDEFGHJKLM",
        "ABCD-EFGH-JKLM",
        "abcd-efgh-jklm",
        "  ABCD EFGH JKLM  ",
        "ＡＢＣＤ－ＥＦＧＨ－ＪＫＬＭ",  # full-width letters and hyphens
        "ａｂｃｄ　ｅｆｇｈ　ｊｋｌｍ",  # full-width lower case, ideographic spaces
        "ABCDーEFGHーJKLM",  # katakana long vowel mark typed for a hyphen
        "ABCD−EFGH‐JKLM",  # minus sign, Unicode hyphen
        "ABCD – EFGH — JKLM\n",  # dashes, spaces, a trailing newline
        "ABCD\tEFGH-\u00a0JKLM",  # tab and no-break space
    ],
)
def test_normalise_accepts_what_users_type(raw: str) -> None:
    assert normalise(raw) == "ABCDEFGHJKLM"


def test_normalise_leaves_ambiguous_characters_for_problem_to_report() -> None:
    assert normalise("ｏ０ｉ１-abcd-efgh") == "O0I1ABCDEFGH"
    assert problem(normalise("ｏ０ｉ１-abcd-efgh")) == "characters"


@given(codes)
def test_normalise_round_trips_display_and_full_width(code: str) -> None:
    assert normalise(code) == code
    assert normalise(display(code)) == code
    assert normalise(display(code).lower()) == code
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in display(code))
    assert normalise(full_width) == code


@given(st.text())
def test_normalise_is_idempotent(raw: str) -> None:
    once = normalise(raw)
    assert normalise(once) == once


# --- problem -------------------------------------------------------------------------------


def test_problem_codes() -> None:
    good = SAMPLE_CODES[0]
    assert problem(good) is None
    assert problem("") == "length"
    assert problem(good[:11]) == "length"
    assert problem(good + "2") == "length"
    assert problem(display(good)) == "length"  # hyphens are for display; normalise first
    assert problem(good[:5] + "O" + good[6:]) == "characters"
    assert problem(good[:5] + "0" + good[6:]) == "characters"
    assert problem(good[:5] + "I" + good[6:]) == "characters"
    assert problem(good[:5] + "1" + good[6:]) == "characters"
    assert problem(good.lower()) == "characters"
    assert problem(good[:11] + ("2" if good[11] != "2" else "3")) == "check"


def test_problem_reports_length_before_characters() -> None:
    assert problem("O0I1") == "length"


@given(st.text(max_size=20))
def test_problem_never_raises_and_answers_one_of_the_codes(text: str) -> None:
    assert problem(text) in {None, "length", "characters", "check"}


# --- display -------------------------------------------------------------------------------


def test_display_groups_of_four() -> None:
    assert display("ABCDEFGHJKLM") == "ABCD-EFGH-JKLM"


@given(codes)
def test_display_is_stable(code: str) -> None:
    shown = display(code)
    assert len(shown) == 14
    assert shown[4] == shown[9] == "-"
    assert display(shown) == shown
