from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError

from backoffice.env import database_from_url, env_bool, env_int, env_list
from backoffice.text import looks_like_my_number, my_number_check_digit, nfkc, reject_my_number


def _valid_my_number(first11: str) -> str:
    return first11 + str(my_number_check_digit(first11))


def test_nfkc_turns_full_width_into_ascii() -> None:
    assert nfkc("　ＡＢＣ１２３　") == "ABC123"


def test_a_valid_individual_number_is_refused_in_free_text() -> None:
    number = _valid_my_number("12345678901")
    assert looks_like_my_number(f"番号は{number}です")
    spaced = f"{number[:4]} {number[4:8]} {number[8:]}"
    assert looks_like_my_number(spaced)
    full_width = number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    with pytest.raises(ValidationError):
        reject_my_number(full_width)


def test_twelve_digits_with_a_wrong_check_digit_pass() -> None:
    number = _valid_my_number("12345678901")
    wrong = number[:11] + str((int(number[11]) + 1) % 10)
    assert not looks_like_my_number(wrong)
    reject_my_number(wrong)


def test_longer_digit_runs_are_not_mistaken_for_a_my_number() -> None:
    number = _valid_my_number("12345678901")
    assert not looks_like_my_number("9" + number)


def test_env_helpers_fail_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_BOOL", "maybe")
    with pytest.raises(ImproperlyConfigured):
        env_bool("X_BOOL")
    monkeypatch.setenv("X_INT", "12a")
    with pytest.raises(ImproperlyConfigured):
        env_int("X_INT", 1)
    monkeypatch.setenv("X_BOOL", "Yes")
    assert env_bool("X_BOOL") is True
    monkeypatch.setenv("X_LIST", "a, b,,c")
    assert env_list("X_LIST", []) == ["a", "b", "c"]
    assert env_int("X_UNSET_INT", 7) == 7


def test_database_url_parsing() -> None:
    db = database_from_url("postgresql://app:p%40ss@db.internal:6543/zairyu")
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "zairyu",
        "app",
        "p@ss",
        "db.internal",
        "6543",
    )
    with pytest.raises(ImproperlyConfigured):
        database_from_url("mysql://x@y/z")
    with pytest.raises(ImproperlyConfigured):
        database_from_url("postgresql://x@y:5432/")
