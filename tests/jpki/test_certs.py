"""Reading JPKI certificates: kind by policy OID, the 基本4情報 from the signature certificate."""

from __future__ import annotations

import functools
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ObjectIdentifier
from hypothesis import given, settings
from hypothesis import strategies as st

from jpki.certs import (
    MalformedCertificateError,
    PersonalInfo,
    certificate_kind,
    is_authentication_certificate,
    is_signature_certificate,
    load_certificate,
    normalise_fingerprint,
    personal_info,
    sha256_fingerprint,
)
from jpki.testing.pki import CardKeys, Person, TestPki, era_digit

NAME, FLAGS, SEX, DOB, ADDRESS, ADDRESS_FLAGS = (
    ObjectIdentifier(f"1.2.392.200149.8.5.5.{n}") for n in range(1, 7)
)
NOW = datetime(2026, 6, 1, tzinfo=UTC)


@functools.cache
def leaf_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def utf8(text: str) -> bytes:
    body = text.encode()
    assert len(body) < 128
    return b"\x0c" + bytes([len(body)]) + body


def cert_with(pki: TestPki, entries: list[tuple[ObjectIdentifier, bytes]]) -> x509.Certificate:
    """A signature certificate whose SAN holds exactly these otherNames (raw DER values)."""
    san = x509.SubjectAlternativeName([x509.OtherName(oid, value) for oid, value in entries])
    return pki.issue_certificate(
        kind="signature",
        key=leaf_key(),
        not_before=NOW,
        not_after=NOW + timedelta(days=365),
        subject_alt_name=san,
    )


def standard(
    name: str = "山田 太郎",
    dob: str = "319800217",
    sex: str = "1",
    address: str = "東京都千代田区霞が関一丁目1番1号",
) -> list[tuple[ObjectIdentifier, bytes]]:
    return [
        (NAME, utf8(name)),
        (DOB, utf8(dob)),
        (SEX, utf8(sex)),
        (ADDRESS, utf8(address)),
        (FLAGS, utf8("0" * len(name))),
        (ADDRESS_FLAGS, utf8("0" * len(address))),
    ]


def test_personal_info_of_the_demo_card(card_keys: CardKeys) -> None:
    info = personal_info(card_keys.signature_cert)
    assert info == PersonalInfo(
        name="NGUYEN VAN AN",
        date_of_birth=date(1990, 4, 1),
        era=4,
        sex=1,
        address="東京都新宿区大久保一丁目2番3号",
        name_substitute_flags="0" * 13,
        address_substitute_flags="0" * 16,
    )
    assert info.era_name == "平成" and info.sex_code == "male"
    assert not info.name_has_substitutes and not info.address_has_substitutes


def test_jlis_example_date_of_birth_and_substitute_flags(pki: TestPki) -> None:
    entries = standard()
    entries[4] = (FLAGS, utf8("0100"))  # 太 was replaced by a substitute character
    info = personal_info(cert_with(pki, entries))
    assert (info.name, info.date_of_birth, info.era, info.era_name) == (
        "山田 太郎",
        date(1980, 2, 17),
        3,
        "昭和",
    )
    assert info.name_has_substitutes and info.name_substitute_flags == "0100"


def test_address_and_its_flags_are_told_apart_by_shape_not_by_oid(pki: TestPki) -> None:
    # One OID table has 5.5.5 and 5.5.6 the other way round (jpki.md §2.2).
    entries = standard()
    entries[3] = (ADDRESS, utf8("0" * 8))
    entries[5] = (ADDRESS_FLAGS, utf8("大阪府大阪市北区梅田一丁目"))
    info = personal_info(cert_with(pki, entries))
    assert info.address == "大阪府大阪市北区梅田一丁目"
    assert info.address_substitute_flags == "0" * 8


def test_order_of_the_other_names_does_not_matter(pki: TestPki) -> None:
    entries = list(reversed(standard()))
    assert personal_info(cert_with(pki, entries)).name == "山田 太郎"


def test_flags_are_optional(pki: TestPki) -> None:
    entries = [e for e in standard() if e[0] not in (FLAGS, ADDRESS_FLAGS)]
    info = personal_info(cert_with(pki, entries))
    assert info.name_substitute_flags is None and info.address_substitute_flags is None
    assert info.address.startswith("東京都")


def test_unknown_other_names_and_other_general_names_are_ignored(pki: TestPki) -> None:
    entries = [*standard(), (ObjectIdentifier("1.2.392.200149.8.5.5.99"), utf8("x"))]
    san = x509.SubjectAlternativeName(
        [x509.OtherName(oid, value) for oid, value in entries] + [x509.RFC822Name("a@example.com")]
    )
    cert = pki.issue_certificate(
        kind="signature",
        key=leaf_key(),
        not_before=NOW,
        not_after=NOW + timedelta(days=1),
        subject_alt_name=san,
    )
    assert personal_info(cert).sex == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"dob": "31980021"}, "san.date_of_birth"),  # too short
        ({"dob": "319800230"}, "san.date_of_birth"),  # 30 February
        ({"dob": "819800217"}, "san.date_of_birth"),  # no era 8
        ({"dob": "3198O0217"}, "san.date_of_birth"),  # a letter O
        ({"sex": "3"}, "san.sex"),  # not a JIS X 0303 code
        ({"sex": "male"}, "san.sex"),
        ({"name": "  "}, "san.name"),
    ],
)
def test_malformed_values_raise_a_typed_error_naming_the_field(
    pki: TestPki, change: dict[str, str], field: str
) -> None:
    with pytest.raises(MalformedCertificateError) as caught:
        personal_info(cert_with(pki, standard(**change)))
    assert caught.value.field == field


def test_missing_duplicated_or_non_string_items_are_malformed(pki: TestPki) -> None:
    without_dob = [e for e in standard() if e[0] != DOB]
    with pytest.raises(MalformedCertificateError, match="lacks date_of_birth"):
        personal_info(cert_with(pki, without_dob))
    without_address = [e for e in standard() if e[0] not in (ADDRESS, ADDRESS_FLAGS)]
    with pytest.raises(MalformedCertificateError, match="lacks address"):
        personal_info(cert_with(pki, without_address))
    with pytest.raises(MalformedCertificateError, match="more than once"):
        personal_info(cert_with(pki, [*standard(), (SEX, utf8("2"))]))
    integer_sex = [(oid, b"\x02\x01\x01" if oid == SEX else value) for oid, value in standard()]
    with pytest.raises(MalformedCertificateError, match="expected a UTF8String"):
        personal_info(cert_with(pki, integer_sex))
    both_flags = [
        (oid, utf8("0101") if oid in (ADDRESS, ADDRESS_FLAGS) else value) for oid, value in standard()
    ]
    with pytest.raises(MalformedCertificateError) as caught:
        personal_info(cert_with(pki, both_flags))
    assert caught.value.field == "san.address"
    bad_name_flags = [(oid, utf8("abc") if oid == FLAGS else value) for oid, value in standard()]
    with pytest.raises(MalformedCertificateError):
        personal_info(cert_with(pki, bad_name_flags))


def test_the_authentication_certificate_has_no_personal_data(card_keys: CardKeys) -> None:
    with pytest.raises(MalformedCertificateError) as caught:
        personal_info(card_keys.auth_cert)
    assert caught.value.field == "san"


def test_kind_by_policy_oid(pki: TestPki, card_keys: CardKeys, person: Person) -> None:
    assert is_signature_certificate(card_keys.signature_cert) and not is_authentication_certificate(
        card_keys.signature_cert
    )
    assert is_authentication_certificate(card_keys.auth_cert) and not is_signature_certificate(
        card_keys.auth_cert
    )
    assert certificate_kind(card_keys.signature_cert) == "signature"
    assert certificate_kind(card_keys.auth_cert) == "authentication"
    both = pki.issue_certificate(
        kind="signature",
        key=leaf_key(),
        not_before=NOW,
        not_after=NOW + timedelta(days=1),
        policies=[
            ObjectIdentifier("1.2.392.200149.8.5.1.1.20"),
            ObjectIdentifier("1.2.392.200149.8.5.1.3.30"),
        ],
        person=person,
    )
    assert certificate_kind(both) is None
    none = pki.issue_certificate(
        kind="signature", key=leaf_key(), not_before=NOW, not_after=NOW + timedelta(days=1), policies=[]
    )
    assert certificate_kind(none) is None
    test_environment = pki.issue_certificate(
        kind="signature",
        key=leaf_key(),
        not_before=NOW,
        not_after=NOW + timedelta(days=1),
        policies=[ObjectIdentifier("1.2.392.200149.8.5.1.0.20")],
    )
    assert not is_signature_certificate(test_environment)  # the test environment is not production


def test_load_certificate_and_fingerprints(card_keys: CardKeys) -> None:
    from cryptography.hazmat.primitives.serialization import Encoding

    der = card_keys.signature_cert.public_bytes(Encoding.DER)
    pem = card_keys.signature_cert.public_bytes(Encoding.PEM)
    assert load_certificate(der) == load_certificate(pem) == card_keys.signature_cert
    for junk in (b"", b"\x30\x03\x02\x01", b"-----BEGIN CERTIFICATE-----\nxx\n-----END CERTIFICATE-----\n"):
        with pytest.raises(MalformedCertificateError):
            load_certificate(junk)
    fp = sha256_fingerprint(card_keys.signature_cert)
    assert fp == sha256_fingerprint(der) and re.fullmatch(r"[0-9a-f]{64}", fp)
    colons = ":".join(fp[i : i + 2] for i in range(0, 64, 2)).upper()
    assert normalise_fingerprint(colons) == fp
    with pytest.raises(ValueError):
        normalise_fingerprint("d227f6cd")


# --- never a My Number (domain.md D12) --------------------------------------------------------


def is_my_number(digits: str) -> bool:
    """The 個人番号 check digit (D12): weights Qn = n + 1 (n ≤ 6), n − 5 (n ≥ 7), P1 next to the check digit."""
    if not re.fullmatch(r"\d{12}", digits):
        return False
    body = [int(c) for c in reversed(digits[:11])]
    remainder = sum(p * (n + 1 if n <= 6 else n - 5) for n, p in enumerate(body, start=1)) % 11
    return int(digits[11]) == (0 if remainder <= 1 else 11 - remainder)


def test_my_number_check_digit_helper() -> None:
    assert is_my_number("123456789018")
    assert not is_my_number("123456789012")


names = st.text(
    alphabet=st.sampled_from("山田太郎花子ＡＢＣ ABCDEFGHIJKLMNOPQRSTUVWXYZ"), min_size=1, max_size=30
).filter(str.strip)
addresses = st.text(
    alphabet=st.sampled_from("東京都千代田区一二三丁目番号の-0123456789１２３ "), min_size=1, max_size=35
).filter(lambda s: s.strip() and not re.fullmatch(r"[01]+", s))


@settings(max_examples=60, deadline=None)
@given(
    name=names,
    born=st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31)),
    sex=st.sampled_from([1, 2, 9]),
    address=addresses,
)
def test_round_trip_and_nothing_that_passes_the_my_number_check_comes_out(
    pki: TestPki, name: str, born: date, sex: int, address: str
) -> None:
    person = Person(name=name, date_of_birth=born, sex=sex, address=address)
    cert = pki.issue_certificate(
        kind="signature", key=leaf_key(), not_before=NOW, not_after=NOW + timedelta(days=1), person=person
    )
    info = personal_info(cert)
    assert (info.name, info.date_of_birth, info.sex, info.address, info.era) == (
        name,
        born,
        sex,
        address,
        era_digit(born),
    )
    # Every value that came out, except the flags (0/1 per character by definition) and the
    # address the person gave (which may hold any house number), has no 12-digit run that could
    # be a My Number.
    produced = [info.name, info.date_of_birth.isoformat(), str(info.era), str(info.sex)]
    for value in produced:
        for run in re.findall(r"(?<!\d)\d{12}(?!\d)", value):
            assert not is_my_number(run)
    assert set(info.name_substitute_flags or "0") <= {"0", "1"}
    assert set(info.address_substitute_flags or "0") <= {"0", "1"}


def test_no_field_of_the_demo_card_is_a_my_number(card_keys: CardKeys) -> None:
    info = personal_info(card_keys.signature_cert)
    for value in (info.name, info.address, info.date_of_birth.strftime("%Y%m%d"), str(info.sex)):
        for run in re.findall(r"\d{12,}", value):
            assert not is_my_number(run)
    assert not hasattr(info, "my_number") and not hasattr(info, "individual_number")
