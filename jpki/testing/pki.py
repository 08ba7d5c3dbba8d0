"""A test PKI with the J-LIS certificate profile (jpki.md §2), generated at test time.

Two self-signed roots, like J-LIS's: one for signature certificates ("JPKI for digital
signature") and one for user-authentication certificates ("JPKI for user authentication"), each
issuing end-entity certificates directly (chain length 2), plus CRLs signed by the root.

What follows J-LIS's profile (as far as jpki.md knows it):

- roots: the J-LIS subject DNs, self-signed, RSA with sha256WithRSAEncryption; KeyUsage critical
  (keyCertSign, cRLSign); BasicConstraints critical CA:TRUE; SubjectKeyIdentifier; no AKI;
- signature certificate: subject ``C=JP, CN=<opaque id>`` (no name in the DN); KeyUsage critical
  digitalSignature + nonRepudiation; certificate policy ``1.2.392.200149.8.5.1.1.20``; no EKU; a
  CRL distribution point that is a directoryName (the root's DN), not a URL; subjectAltName made
  of six otherNames under ``1.2.392.200149.8.5.5`` with ``[0] EXPLICIT UTF8String`` values, in the
  order a J-LIS test card had them (1, 4, 3, 5, 2, 6): name, date of birth ``EYYYYMMDD`` (era
  digit + Gregorian date), sex (JIS X 0303), address, and the per-character substitute-character
  flags for the name and the address;
- authentication certificate: subject ``C=JP, CN=<opaque id>``; KeyUsage critical
  digitalSignature; policy ``1.2.392.200149.8.5.1.3.30``; no subjectAltName, no personal data;
- validity up to 23:59:59 JST on the holder's 5th birthday after issuance.

The OIDs are written out here literally (not imported from ``jpki.certs``) so that this module is
an independent statement of the profile that the parser is tested against.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import ClassVar, Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7
from cryptography.x509.oid import NameOID, ObjectIdentifier

# Policies and subjectAltName otherName type-ids (jpki.md §2.2): the profile's, as jpki.certs reads them.
from jpki.certs import (
    ADDRESS_OID,
    ADDRESS_SUBSTITUTE_FLAGS_OID,
    AUTHENTICATION_POLICY_OID,
    DATE_OF_BIRTH_OID,
    NAME_OID,
    NAME_SUBSTITUTE_FLAGS_OID,
    SEX_OID,
    SIGNATURE_POLICY_OID,
)

JST = timezone(timedelta(hours=9), "JST")


JLIS = "Japan Agency for Local Authority Information Systems"
SIGNATURE_CA_NAME = x509.Name(
    [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "JPKI"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "JPKI for digital signature"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, JLIS),
    ]
)
AUTHENTICATION_CA_NAME = x509.Name(
    [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "JPKI"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "JPKI for user authentication"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, JLIS),
    ]
)

# Start of each era (Gregorian), with J-LIS's era digit: 1 明治, 2 大正, 3 昭和, 4 平成, 5 令和.
_ERAS: tuple[tuple[date, int], ...] = (
    (date(2019, 5, 1), 5),
    (date(1989, 1, 8), 4),
    (date(1926, 12, 25), 3),
    (date(1912, 7, 30), 2),
    (date(1873, 1, 1), 1),  # Meiji began in 1868 on the lunar calendar; Gregorian dates from 1873.
)


def era_digit(day: date) -> int:
    """The J-LIS era digit for a Gregorian date; 0 (unknown) before the Gregorian calendar."""
    for start, digit in _ERAS:
        if day >= start:
            return digit
    return 0


@dataclass(frozen=True)
class Person:
    """What J-LIS puts in the signature certificate."""

    name: str  # e.g. "山田 太郎", or an alphabet name for foreign residents
    date_of_birth: date
    sex: int  # JIS X 0303: 1 male, 2 female, 9 not applicable (0 not known)
    address: str


@dataclass(frozen=True)
class CardKeys:
    """Everything a virtual card holds."""

    signature_key: rsa.RSAPrivateKey
    signature_cert: x509.Certificate
    signature_ca_cert: x509.Certificate
    auth_key: rsa.RSAPrivateKey
    auth_cert: x509.Certificate
    auth_ca_cert: x509.Certificate


def _der_utf8(text: str) -> bytes:
    """DER of a UTF8String (the otherName value; cryptography adds the ``[0] EXPLICIT``)."""
    body = text.encode("utf-8")
    n = len(body)
    if n < 0x80:
        length = bytes([n])
    else:
        octets = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(octets)]) + octets
    return b"\x0c" + length + body


def _other_name(oid: ObjectIdentifier, text: str) -> x509.OtherName:
    return x509.OtherName(oid, _der_utf8(text))


def fifth_birthday_after(issued: datetime, born: date) -> datetime:
    """23:59:59 JST on the holder's 5th birthday after ``issued`` (jpki.md §2.4)."""
    issued_day = issued.astimezone(JST).date()
    count = 0
    year = issued_day.year
    while True:
        try:
            birthday = born.replace(year=year)
        except ValueError:  # 29 February in a common year: J-LIS's rule is unknown, take 28 Feb
            birthday = date(year, 2, 28)
        if birthday > issued_day:
            count += 1
            if count == 5:
                return datetime.combine(birthday, time(23, 59, 59), JST)
        year += 1


def _opaque_id() -> str:
    # The real CN is an opaque identifier code; this one has letters so that it can never be
    # mistaken for a 12-digit number.
    return "JPKITEST" + secrets.token_hex(12).upper()


def _ski(key: rsa.RSAPrivateKey) -> x509.SubjectKeyIdentifier:
    return x509.SubjectKeyIdentifier.from_public_key(key.public_key())


def _self_signed_root(name: x509.Name, key: rsa.RSAPrivateKey, now: datetime) -> x509.Certificate:
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3652))
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_ski(key), critical=False)
        .sign(key, hashes.SHA256())
    )


def _key_usage(*, non_repudiation: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=non_repudiation,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def signature_subject_alt_name(person: Person) -> x509.SubjectAlternativeName:
    """The six otherNames of a signature certificate, in the order seen on a J-LIS test card."""
    born = person.date_of_birth
    return x509.SubjectAlternativeName(
        [
            _other_name(NAME_OID, person.name),
            _other_name(DATE_OF_BIRTH_OID, f"{era_digit(born)}{born:%Y%m%d}"),
            _other_name(SEX_OID, str(person.sex)),
            _other_name(ADDRESS_OID, person.address),
            _other_name(NAME_SUBSTITUTE_FLAGS_OID, "0" * len(person.name)),
            _other_name(ADDRESS_SUBSTITUTE_FLAGS_OID, "0" * len(person.address)),
        ]
    )


@dataclass(frozen=True)
class TestPki:
    """Two J-LIS-shaped roots and their keys. Build with :meth:`create`."""

    __test__: ClassVar[bool] = False  # not a pytest test class

    now: datetime
    key_size: int
    signature_ca: x509.Certificate  # self-signed root for signature certs (J-LIS profile)
    signature_ca_key: rsa.RSAPrivateKey = field(repr=False)
    auth_ca: x509.Certificate  # self-signed root for authentication certs
    auth_ca_key: rsa.RSAPrivateKey = field(repr=False)

    @classmethod
    def create(cls, *, now: datetime | None = None, key_size: int = 2048) -> TestPki:
        now = now or datetime.now(UTC)
        signature_key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
        auth_key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
        return cls(
            now=now,
            key_size=key_size,
            signature_ca=_self_signed_root(SIGNATURE_CA_NAME, signature_key, now),
            signature_ca_key=signature_key,
            auth_ca=_self_signed_root(AUTHENTICATION_CA_NAME, auth_key, now),
            auth_ca_key=auth_key,
        )

    def issue_certificate(
        self,
        *,
        kind: Literal["signature", "authentication"],
        key: rsa.RSAPrivateKey,
        not_before: datetime,
        not_after: datetime,
        policies: Sequence[ObjectIdentifier] | None = None,
        person: Person | None = None,
        key_usage: x509.KeyUsage | None = None,
        critical_policies: bool = False,
        subject_alt_name: x509.SubjectAlternativeName | None = None,
    ) -> x509.Certificate:
        """One end-entity certificate from the ``kind`` root; the defaults follow J-LIS's profile.

        ``policies`` defaults to the kind's policy OID; ``person`` (signature certificates) fills
        the subjectAltName unless ``subject_alt_name`` is given; ``key_usage`` defaults to the
        kind's (critical) KeyUsage. The overrides exist to build wrong certificates for tests.
        """
        ca, ca_key = (
            (self.signature_ca, self.signature_ca_key)
            if kind == "signature"
            else (self.auth_ca, self.auth_ca_key)
        )
        if policies is None:
            policies = [SIGNATURE_POLICY_OID if kind == "signature" else AUTHENTICATION_POLICY_OID]
        builder = (
            x509.CertificateBuilder()
            .subject_name(
                x509.Name(
                    [
                        x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
                        x509.NameAttribute(NameOID.COMMON_NAME, _opaque_id()),
                    ]
                )
            )
            .issuer_name(ca.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(key_usage or _key_usage(non_repudiation=kind == "signature"), critical=True)
        )
        if policies:
            builder = builder.add_extension(
                x509.CertificatePolicies([x509.PolicyInformation(oid, None) for oid in policies]),
                critical=critical_policies,  # J-LIS's criticality is not confirmed (jpki.md §2.2)
            )
        builder = (
            builder.add_extension(
                x509.CRLDistributionPoints(
                    [x509.DistributionPoint([x509.DirectoryName(ca.subject)], None, None, None)]
                ),
                critical=False,
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
            )
            .add_extension(_ski(key), critical=False)
        )
        if subject_alt_name is None and person is not None:
            subject_alt_name = signature_subject_alt_name(person)
        if subject_alt_name is not None:
            builder = builder.add_extension(subject_alt_name, critical=False)
        return builder.sign(ca_key, hashes.SHA256())

    def issue_card(
        self,
        person: Person,
        *,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        swap_policies: bool = False,
    ) -> CardKeys:
        """A signature and an authentication key pair with their certificates, as on one card.

        ``swap_policies`` gives each certificate the other kind's policy OID (for wrong-policy
        tests); everything else stays in place.
        """
        not_before = not_before or self.now - timedelta(hours=1)
        not_after = not_after or fifth_birthday_after(not_before, person.date_of_birth)
        signature_key = rsa.generate_private_key(public_exponent=65537, key_size=self.key_size)
        auth_key = rsa.generate_private_key(public_exponent=65537, key_size=self.key_size)
        signature_policy, auth_policy = SIGNATURE_POLICY_OID, AUTHENTICATION_POLICY_OID
        if swap_policies:
            signature_policy, auth_policy = auth_policy, signature_policy
        return CardKeys(
            signature_key=signature_key,
            signature_cert=self.issue_certificate(
                kind="signature",
                key=signature_key,
                not_before=not_before,
                not_after=not_after,
                policies=[signature_policy],
                person=person,
            ),
            signature_ca_cert=self.signature_ca,
            auth_key=auth_key,
            auth_cert=self.issue_certificate(
                kind="authentication",
                key=auth_key,
                not_before=not_before,
                not_after=not_after,
                policies=[auth_policy],
            ),
            auth_ca_cert=self.auth_ca,
        )

    def crl(
        self,
        *,
        kind: Literal["signature", "authentication"],
        revoked: Sequence[x509.Certificate] = (),
        this_update: datetime | None = None,
        next_update: datetime | None = None,
    ) -> x509.CertificateRevocationList:
        """A full CRL from the signature or the authentication root."""
        ca, ca_key = (
            (self.signature_ca, self.signature_ca_key)
            if kind == "signature"
            else (self.auth_ca, self.auth_ca_key)
        )
        this_update = this_update or self.now
        next_update = next_update or this_update + timedelta(days=1)
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(ca.subject)
            .last_update(this_update)
            .next_update(next_update)
            # Increasing with this_update, as a CA numbers its CRLs.
            .add_extension(x509.CRLNumber(int(this_update.timestamp() * 1000)), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
            )
        )
        # Revoked an hour before the CRL was issued, but not before the certificate existed.
        for cert in revoked:
            revoked_on = min(this_update, max(cert.not_valid_before_utc, this_update - timedelta(hours=1)))
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(cert.serial_number)
                .revocation_date(revoked_on)
                .build()
            )
        return builder.sign(ca_key, hashes.SHA256())


@functools.cache
def default_pki() -> TestPki:
    """One test PKI per process (key generation is slow), for tests and the demo card."""
    return TestPki.create()


def demo_person() -> Person:
    """A fixed foreign resident."""
    return Person(
        name="NGUYEN VAN AN",
        date_of_birth=date(1990, 4, 1),
        sex=1,
        address="東京都新宿区大久保一丁目2番3号",
    )


@functools.cache
def demo_card_keys() -> CardKeys:
    """The demo person's card from :func:`default_pki`, issued once per process."""
    return default_pki().issue_card(demo_person())


def detached_cms(data: bytes, cert: x509.Certificate, key: rsa.RSAPrivateKey) -> bytes:
    """A detached CMS SignedData (SHA-256, RSA PKCS#1 v1.5, signed attributes, signer cert included),
    the shape ``myna jpki cms sign`` and the D10 API produce."""
    return (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(data)
        .add_signer(cert, key, hashes.SHA256())
        .sign(Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature])
    )


def sign_pkcs1_sha256(key: rsa.RSAPrivateKey, data: bytes) -> bytes:
    """What the card returns for ``80 2A 00 80`` over the SHA-256 DigestInfo of ``data``."""
    return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
