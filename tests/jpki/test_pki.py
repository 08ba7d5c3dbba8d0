"""The test PKI has J-LIS's certificate profile (jpki.md §2), checked against literal OIDs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding

from jpki.testing.pki import CardKeys, Person, TestPki, era_digit, fifth_birthday_after

SIGN_POLICY = "1.2.392.200149.8.5.1.1.20"
AUTH_POLICY = "1.2.392.200149.8.5.1.3.30"
SIGN_CA_DN = (
    "OU=Japan Agency for Local Authority Information Systems,OU=JPKI for digital signature,O=JPKI,C=JP"
)
AUTH_CA_DN = (
    "OU=Japan Agency for Local Authority Information Systems,OU=JPKI for user authentication,O=JPKI,C=JP"
)


def other_names(cert: x509.Certificate) -> list[tuple[str, str]]:
    """(type-id, value) in certificate order, decoded with asn1crypto, not by the code under test."""
    parsed = asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))
    out = []
    for general_name in parsed.subject_alt_name_value:
        assert general_name.name == "other_name"
        out.append((general_name.chosen["type_id"].dotted, general_name.chosen["value"].native))
    return out


def policies(cert: x509.Certificate) -> list[str]:
    ext = cert.extensions.get_extension_for_class(x509.CertificatePolicies).value
    return [p.policy_identifier.dotted_string for p in ext]


@pytest.mark.parametrize("which", ["signature_ca", "auth_ca"])
def test_roots_are_self_signed_ca_certificates_with_the_jlis_names(pki: TestPki, which: str) -> None:
    root: x509.Certificate = getattr(pki, which)
    assert root.subject == root.issuer
    assert root.subject.rfc4514_string() == (SIGN_CA_DN if which == "signature_ca" else AUTH_CA_DN)
    root.verify_directly_issued_by(root)
    ku = root.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical and ku.value.key_cert_sign and ku.value.crl_sign and not ku.value.digital_signature
    bc = root.extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and bc.value.ca
    root.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    with pytest.raises(x509.ExtensionNotFound):
        root.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier)
    assert isinstance(root.signature_hash_algorithm, hashes.SHA256)
    key = root.public_key()
    assert isinstance(key, rsa.RSAPublicKey) and key.key_size == 2048


def test_signature_certificate_profile(card_keys: CardKeys, pki: TestPki) -> None:
    cert = card_keys.signature_cert
    card_keys.signature_cert.verify_directly_issued_by(pki.signature_ca)
    assert card_keys.signature_ca_cert == pki.signature_ca
    assert cert.issuer == pki.signature_ca.subject
    assert isinstance(cert.signature_hash_algorithm, hashes.SHA256)
    assert cert.public_key().key_size == 2048  # type: ignore[union-attr]
    assert cert.public_key().public_numbers() == card_keys.signature_key.public_key().public_numbers()  # type: ignore[union-attr]

    ku = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical
    assert ku.value.digital_signature and ku.value.content_commitment  # nonRepudiation
    assert not (ku.value.key_encipherment or ku.value.key_cert_sign or ku.value.crl_sign)
    assert policies(cert) == [SIGN_POLICY]
    with pytest.raises(x509.ExtensionNotFound):
        cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)

    (dp,) = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert dp.full_name == [x509.DirectoryName(pki.signature_ca.subject)]

    # Subject is C=JP plus an opaque CN: no name in the DN.
    assert [a.oid for a in cert.subject] == [x509.NameOID.COUNTRY_NAME, x509.NameOID.COMMON_NAME]
    assert "NGUYEN" not in cert.subject.rfc4514_string()


def test_signature_certificate_subject_alt_name(card_keys: CardKeys, person: Person) -> None:
    assert other_names(card_keys.signature_cert) == [
        ("1.2.392.200149.8.5.5.1", "NGUYEN VAN AN"),
        ("1.2.392.200149.8.5.5.4", "419900401"),  # 平成 (4) + 1990-04-01
        ("1.2.392.200149.8.5.5.3", "1"),
        ("1.2.392.200149.8.5.5.5", person.address),
        ("1.2.392.200149.8.5.5.2", "0" * len("NGUYEN VAN AN")),
        ("1.2.392.200149.8.5.5.6", "0" * len(person.address)),
    ]
    # The value is [0] EXPLICIT UTF8String inside the otherName.
    san = card_keys.signature_cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    first = san.get_values_for_type(x509.OtherName)[0]
    assert first.value[:1] == b"\x0c"  # UTF8String tag


def test_authentication_certificate_profile_has_no_personal_data(card_keys: CardKeys, pki: TestPki) -> None:
    cert = card_keys.auth_cert
    cert.verify_directly_issued_by(pki.auth_ca)
    assert card_keys.auth_ca_cert == pki.auth_ca
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical and ku.value.digital_signature and not ku.value.content_commitment
    assert policies(cert) == [AUTH_POLICY]
    with pytest.raises(x509.ExtensionNotFound):
        cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    (dp,) = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert dp.full_name == [x509.DirectoryName(pki.auth_ca.subject)]
    der = cert.public_bytes(Encoding.DER)
    assert b"NGUYEN" not in der and "大久保".encode() not in der


def test_leaf_keys_sign_pkcs1_sha256_that_verify_with_the_certificate(card_keys: CardKeys) -> None:
    for key, cert in (
        (card_keys.signature_key, card_keys.signature_cert),
        (card_keys.auth_key, card_keys.auth_cert),
    ):
        sig = key.sign(b"nonce", padding.PKCS1v15(), hashes.SHA256())
        cert.public_key().verify(sig, b"nonce", padding.PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr, call-arg, arg-type]


def test_swap_policies(pki: TestPki, person: Person) -> None:
    keys = pki.issue_card(person, swap_policies=True)
    assert policies(keys.signature_cert) == [AUTH_POLICY]
    assert policies(keys.auth_cert) == [SIGN_POLICY]
    assert other_names(keys.signature_cert)[0] == ("1.2.392.200149.8.5.5.1", person.name)


def test_validity_defaults_to_the_fifth_birthday_after_issuance_at_end_of_day_jst(pki: TestPki) -> None:
    issued = datetime(2026, 3, 1, 12, tzinfo=UTC)
    # Birthdays after 2026-03-01: 2026-04-01 (1st) … 2030-04-01 (5th).
    assert fifth_birthday_after(issued, date(1990, 4, 1)) == datetime(2030, 4, 1, 14, 59, 59, tzinfo=UTC)
    # Issued on the birthday itself (in JST): that day is not "after" issuance.
    assert fifth_birthday_after(datetime(2026, 3, 31, 15, tzinfo=UTC), date(1990, 4, 1)).year == 2031
    assert fifth_birthday_after(datetime(2026, 3, 31, 14, tzinfo=UTC), date(1990, 4, 1)).year == 2030
    keys = pki.issue_card(Person("山田 太郎", date(1980, 2, 17), 1, "東京都千代田区"), not_before=issued)
    assert keys.signature_cert.not_valid_before_utc == issued
    assert keys.signature_cert.not_valid_after_utc == datetime(2031, 2, 17, 14, 59, 59, tzinfo=UTC)
    assert other_names(keys.signature_cert)[1] == ("1.2.392.200149.8.5.5.4", "319800217")  # jpki.md's example


@pytest.mark.parametrize(
    ("day", "digit"),
    [
        (date(1912, 7, 29), 1),
        (date(1912, 7, 30), 2),
        (date(1926, 12, 24), 2),
        (date(1926, 12, 25), 3),
        (date(1989, 1, 7), 3),
        (date(1989, 1, 8), 4),
        (date(2019, 4, 30), 4),
        (date(2019, 5, 1), 5),
    ],
)
def test_era_digits(day: date, digit: int) -> None:
    assert era_digit(day) == digit


def test_crl_is_signed_by_its_root_and_lists_the_revoked(card_keys: CardKeys, pki: TestPki) -> None:
    now = datetime.now(UTC)
    crl = pki.crl(kind="signature", revoked=[card_keys.signature_cert], this_update=now)
    assert crl.issuer == pki.signature_ca.subject
    assert crl.is_signature_valid(pki.signature_ca.public_key())  # type: ignore[arg-type]
    assert not crl.is_signature_valid(pki.auth_ca.public_key())  # type: ignore[arg-type]
    assert crl.next_update_utc == now.replace(microsecond=0) + timedelta(days=1)
    entry = crl.get_revoked_certificate_by_serial_number(card_keys.signature_cert.serial_number)
    assert entry is not None and entry.revocation_date_utc <= now
    assert pki.crl(kind="authentication").get_revoked_certificate_by_serial_number(1) is None
    assert pki.crl(kind="authentication").is_signature_valid(pki.auth_ca.public_key())  # type: ignore[arg-type]
