"""The certificate-number converter (§13 D5): plain functions, example-based and property tests."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backoffice.text import looks_like_my_number
from individuals import certno
from individuals.certno import CertificateNumberError, CodeTable, OldStyleNumber

TABLE = CodeTable.of(
    offices={"東": "13", "大": "27", "札": "01", "成田空港": "12"},
    categories={"弁": "7", "行": "8"},
)

FULL_WIDTH = str.maketrans("0123456789() ", "０１２３４５６７８９（）\u3000")


def test_the_leaflets_example_converts_to_the_printed_number() -> None:
    assert certno.to_number("（東）弁 10 第 50 号", certno.LEAFLET_TABLE) == "132010700050"
    assert certno.to_number(certno.EXAMPLE_OLD_STYLE, certno.LEAFLET_TABLE) == certno.EXAMPLE_NUMBER


@pytest.mark.parametrize(
    "typed",
    [
        "（東） 弁 １０ 第 ５０ 号",  # as the leaflet prints it, full-width
        "(東)弁10第50号",
        "（東）弁10第50号",
        "東弁10第50号",  # office not bracketed
        "【東】弁 10 第 50 号",
        "（東）弁 10 第 00050 号",
        "（東）弁 2010 第 50 号",  # four-digit year
        "（東）弁 10 50",  # no 第 and 号
        "  （東）\u3000弁\u300010\u3000第\u300050\u3000号  ",
    ],
)
def test_ways_of_typing_the_old_style(typed: str) -> None:
    assert certno.to_number(typed, certno.LEAFLET_TABLE) == "132010700050"


@pytest.mark.parametrize(
    "typed",
    [
        "132010700050",
        "１３２０１０７０００５０",
        "1320 1070 0050",
        "1320-1070-0050",
        "１３２０－１０７０－００５０",
    ],
)
def test_a_twelve_digit_number_is_normalised(typed: str) -> None:
    assert certno.to_number(typed, certno.LEAFLET_TABLE) == "132010700050"


@pytest.mark.parametrize(
    "typed,code",
    [
        ("（大）弁 10 第 50 号", "unknown_office"),
        ("（東）行 10 第 50 号", "unknown_category"),
        ("13201070005", "length"),
        ("1320107000500", "length"),
        ("", "malformed"),
        ("弁護士です", "malformed"),
        ("（東）弁 第 50 号", "malformed"),
        ("（東）弁 10 第 号", "malformed"),
        ("（）弁 10 第 50 号", "malformed"),
        ("（東）弁 123 第 50 号", "year"),
        ("（東）弁 1900 第 50 号", "year"),
        ("（東）弁 10 第 0 号", "serial"),
        ("（東）弁 10 第 123456 号", "serial"),
    ],
)
def test_refusals_carry_a_code_and_both_languages(typed: str, code: str) -> None:
    with pytest.raises(CertificateNumberError) as caught:
        certno.to_number(typed, certno.LEAFLET_TABLE)
    error = caught.value
    assert error.code == code
    assert error.message_ja and error.message_en
    assert error.message("ja") == error.message_ja and error.message("en") == error.message_en


def test_an_unknown_code_points_to_the_number_at_the_top_right() -> None:
    with pytest.raises(CertificateNumberError) as caught:
        certno.to_number("（大）弁 10 第 50 号", certno.LEAFLET_TABLE)
    assert "「大」" in caught.value.message_ja and "右上" in caught.value.message_ja
    assert "“大”" in caught.value.message_en and "top right" in caught.value.message_en


def test_two_digit_years_read_from_1989_on() -> None:
    assert certno.expand_year("89") == 1989
    assert certno.expand_year("99") == 1999
    assert certno.expand_year("00") == 2000
    assert certno.expand_year("10") == 2010
    assert certno.expand_year("88") == 2088
    assert certno.expand_year("2024") == 2024


def test_the_longest_unbracketed_office_symbol_wins() -> None:
    assert certno.to_number("成田空港行 19 第 7 号", TABLE) == "122019800007"
    assert certno.to_number("（成田空港）行 19 第 7 号", TABLE) == "122019800007"


def test_parts_split_as_d5_reads_the_number() -> None:
    assert certno.parts("132010700050") == certno.NumberParts(
        office="13", year="2010", category="7", serial="00050"
    )


def test_a_table_with_a_wrong_code_length_is_refused() -> None:
    with pytest.raises(ValueError):
        CodeTable(offices={"東": "130"}, categories={})
    with pytest.raises(ValueError):
        CodeTable(offices={}, categories={"弁": "07"})


def test_the_leaflets_number_is_not_mistaken_for_a_my_number_here() -> None:
    """D12: the certificate number has its own field and no My Number guard. Whether or not a
    given certificate number passes the My Number check, the converter accepts it."""
    for number in ("132010700050", "123456789018"):
        assert certno.validate_number(number) == number
    assert looks_like_my_number("123456789018")  # a valid My Number, still a fine certificate number


# --- properties ------------------------------------------------------------------------------

offices = st.sampled_from(sorted(TABLE.offices))
categories = st.sampled_from(sorted(TABLE.categories))
years = st.integers(min_value=certno.FIRST_YEAR, max_value=2088)
serials = st.integers(min_value=1, max_value=99999)


@given(offices, categories, years, serials, st.booleans())
def test_conversion_lays_out_office_year_category_serial(
    office: str, category: str, year: int, serial: int, two_digit: bool
) -> None:
    old = OldStyleNumber(office=office, category=category, year=year, serial=serial)
    typed = certno.format_old_style(old, two_digit_year=two_digit)
    number = certno.to_number(typed, TABLE)
    assert len(number) == 12 and number.isdigit()
    assert number == f"{TABLE.offices[office]}{year:04d}{TABLE.categories[category]}{serial:05d}"
    parts = certno.parts(number)
    assert (parts.office, int(parts.year), parts.category, int(parts.serial)) == (
        TABLE.offices[office],
        year,
        TABLE.categories[category],
        serial,
    )


@given(offices, categories, years, serials)
def test_full_width_input_converts_like_half_width(
    office: str, category: str, year: int, serial: int
) -> None:
    typed = f"({office}){category} {year % 100:02d} 第 {serial} 号"
    assert certno.to_number(typed.translate(FULL_WIDTH), TABLE) == certno.to_number(typed, TABLE)


@given(st.text(alphabet="0123456789", min_size=12, max_size=12), st.sampled_from(["", " ", "-", "\u3000"]))
def test_any_twelve_digits_are_accepted_with_separators_and_full_width(digits: str, sep: str) -> None:
    typed = sep.join([digits[:4], digits[4:8], digits[8:]])
    assert certno.to_number(typed, TABLE) == digits
    assert certno.to_number(typed.translate(FULL_WIDTH), TABLE) == digits


@given(st.text(alphabet="0123456789", min_size=1, max_size=30).filter(lambda s: len(s) != 12))
def test_other_digit_counts_are_refused_with_the_count(digits: str) -> None:
    with pytest.raises(CertificateNumberError) as caught:
        certno.validate_number(digits)
    assert caught.value.code == "length"
    assert str(len(digits)) in caught.value.message_en


@given(st.text(max_size=40))
def test_any_input_gives_twelve_digits_or_a_coded_error(text: str) -> None:
    try:
        number = certno.to_number(text, TABLE)
    except CertificateNumberError as error:
        assert error.code in {"length", "malformed", "year", "serial", "unknown_office", "unknown_category"}
    else:
        assert len(number) == 12 and number.isascii() and number.isdigit()


@given(st.text(max_size=40))
def test_normalise_is_idempotent_and_nfkc(text: str) -> None:
    once = certno.normalise(text)
    assert certno.normalise(once) == once
    assert unicodedata.normalize("NFKC", once) == once


@given(st.text(alphabet="東大札京名広高福那横神仙", min_size=1, max_size=2), categories, years, serials)
def test_symbols_outside_the_table_are_refused_by_name(
    office: str, category: str, year: int, serial: int
) -> None:
    if office in TABLE.offices:
        return
    typed = f"（{office}）{category} {year} 第 {serial} 号"
    with pytest.raises(CertificateNumberError) as caught:
        certno.to_number(typed, TABLE)
    assert caught.value.code == "unknown_office"
    assert caught.value.params["symbol"] == office
