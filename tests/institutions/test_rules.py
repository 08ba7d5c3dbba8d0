from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from institutions.rules import (
    Category1Basis,
    CategoryEvidence,
    category_for,
    corporate_number_check_digit,
    corporate_number_problem,
    normalise_corporate_number,
)

base12 = st.text(alphabet="0123456789", min_size=12, max_size=12)


def test_worked_example_from_d14() -> None:
    assert corporate_number_check_digit("180301018771") == 1
    assert corporate_number_problem("1180301018771") is None


@given(base12)
def test_a_number_with_its_computed_check_digit_is_valid(base: str) -> None:
    number = f"{corporate_number_check_digit(base)}{base}"
    assert corporate_number_problem(number) is None
    assert number[0] in "123456789", "a check digit of 9 − (Σ mod 9) is never 0"


@given(base12, st.integers(min_value=0, max_value=9))
def test_every_other_check_digit_is_refused(base: str, digit: int) -> None:
    right = corporate_number_check_digit(base)
    number = f"{digit}{base}"
    assert (corporate_number_problem(number) is None) == (digit == right)


@given(base12, st.integers(min_value=0, max_value=11), st.integers(min_value=1, max_value=9))
def test_a_single_changed_digit_is_caught(base: str, position: int, delta: int) -> None:
    number = f"{corporate_number_check_digit(base)}{base}"
    digits = list(number)
    original = int(digits[position + 1])
    changed = (original + delta) % 10
    # Weights 1 and 2 mod 9: a change by 9 in a weight-1 place (0↔9) is the one blind spot.
    weight = 1 if (12 - position) % 2 else 2
    if (changed - original) * weight % 9 == 0:
        return
    digits[position + 1] = str(changed)
    assert corporate_number_problem("".join(digits)) == "check_digit"


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("１１８０３０１０１８７７１", "1180301018771"),
        ("1180-3010-18771", "1180301018771"),
        (" 1180301018771 ", "1180301018771"),
    ],
)
def test_full_width_and_separators_are_normalised(raw: str, expected: str) -> None:
    assert normalise_corporate_number(raw) == expected


@pytest.mark.parametrize(
    "raw,problem", [("118030101877", "length"), ("11803010187A1", "digits"), ("2180301018771", "check_digit")]
)
def test_problems_are_named(raw: str, problem: str) -> None:
    assert corporate_number_problem(raw) == problem


def test_category_one_wins_over_everything() -> None:
    decision = category_for(CategoryEvidence(Category1Basis.LISTED, True, 1))
    assert decision.category == 1 and decision.code == "CAT1-BASIS"


@pytest.mark.parametrize(
    "filed,amount,category",
    [
        (True, 10_000_000, 2),
        (True, 9_999_999, 3),
        (True, None, 3),
        (False, None, 4),
    ],
)
def test_category_by_withholding(filed: bool, amount: int | None, category: int) -> None:
    decision = category_for(CategoryEvidence(None, filed, amount))
    assert decision.category == category
    if amount is not None:
        assert f"{amount:,}" in decision.explanation_en


@given(st.integers(min_value=0, max_value=10**12))
def test_category_is_monotone_in_withholding(amount: int) -> None:
    decision = category_for(CategoryEvidence(None, True, amount))
    assert decision.category == (2 if amount >= 10_000_000 else 3)
