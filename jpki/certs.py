"""JPKI certificates: which kind a certificate is, and the personal data in a signature certificate.

The facts come from jpki.md §2:

- a signature certificate (署名用電子証明書) carries certificate policy ``1.2.392.200149.8.5.1.1.20``
  and the holder's 基本4情報 in subjectAltName ``otherName`` entries under
  ``1.2.392.200149.8.5.5`` (value ``[0] EXPLICIT UTF8String``);
- an authentication certificate (利用者証明用電子証明書) carries policy ``1.2.392.200149.8.5.1.3.30``
  and no personal data;
- neither carries the My Number (個人番号), and nothing here ever looks for one.

The subject DN holds no name (its CN is an opaque code), so the identity comes from the SAN only.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from asn1crypto import core  # type: ignore[import-untyped]
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ObjectIdentifier

CertificateKind = Literal["signature", "authentication"]

SIGNATURE_POLICY_OID = ObjectIdentifier("1.2.392.200149.8.5.1.1.20")
# The JPKI test environment's signature policy. Not accepted by default: a production verifier
# must not take test-environment certificates.
SIGNATURE_TEST_ENVIRONMENT_POLICY_OID = ObjectIdentifier("1.2.392.200149.8.5.1.0.20")
AUTHENTICATION_POLICY_OID = ObjectIdentifier("1.2.392.200149.8.5.1.3.30")

NAME_OID = ObjectIdentifier("1.2.392.200149.8.5.5.1")
NAME_SUBSTITUTE_FLAGS_OID = ObjectIdentifier("1.2.392.200149.8.5.5.2")
SEX_OID = ObjectIdentifier("1.2.392.200149.8.5.5.3")
DATE_OF_BIRTH_OID = ObjectIdentifier("1.2.392.200149.8.5.5.4")
ADDRESS_OID = ObjectIdentifier("1.2.392.200149.8.5.5.5")
ADDRESS_SUBSTITUTE_FLAGS_OID = ObjectIdentifier("1.2.392.200149.8.5.5.6")
_JPKI_SAN_OIDS = frozenset(
    {
        NAME_OID,
        NAME_SUBSTITUTE_FLAGS_OID,
        SEX_OID,
        DATE_OF_BIRTH_OID,
        ADDRESS_OID,
        ADDRESS_SUBSTITUTE_FLAGS_OID,
    }
)

ERAS: dict[int, str] = {0: "", 1: "明治", 2: "大正", 3: "昭和", 4: "平成", 5: "令和"}
# JIS X 0303: 0 not known, 1 male, 2 female, 9 not applicable.
SEXES: dict[int, str] = {0: "not_known", 1: "male", 2: "female", 9: "not_applicable"}

_FLAGS = re.compile(r"[01]+")
_DATE_OF_BIRTH = re.compile(r"([0-9])([0-9]{4})([0-9]{2})([0-9]{2})")


class MalformedCertificateError(ValueError):
    """A certificate (or its JPKI subjectAltName) that cannot be read as JPKI defines it.

    ``field`` names the part at fault, e.g. ``"der"``, ``"san.date_of_birth"``.
    """

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class PersonalInfo:
    """The 基本4情報 from a signature certificate, as J-LIS recorded them."""

    name: str
    date_of_birth: date
    era: int  # J-LIS era digit of the date of birth: 1 明治 … 5 令和, 0 unknown
    sex: int  # JIS X 0303: 1 male, 2 female, 9 not applicable, 0 not known
    address: str
    name_substitute_flags: str | None = None  # one 0/1 per character; 1 = a substitute (外字) was used
    address_substitute_flags: str | None = None

    @property
    def era_name(self) -> str:
        return ERAS.get(self.era, "")

    @property
    def sex_code(self) -> str:
        return SEXES.get(self.sex, "not_known")

    @property
    def name_has_substitutes(self) -> bool:
        return "1" in (self.name_substitute_flags or "")

    @property
    def address_has_substitutes(self) -> bool:
        return "1" in (self.address_substitute_flags or "")


def load_certificate(data: bytes | x509.Certificate) -> x509.Certificate:
    """A certificate from DER or PEM bytes; :class:`MalformedCertificateError` otherwise."""
    if isinstance(data, x509.Certificate):
        return data
    if not isinstance(data, bytes | bytearray | memoryview):
        raise MalformedCertificateError("a certificate must be DER or PEM bytes", field="der")
    raw = bytes(data)
    try:
        if raw.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_certificate(raw)
        return x509.load_der_x509_certificate(raw)
    except (ValueError, x509.InvalidVersion) as exc:  # a flipped version byte is not a ValueError
        raise MalformedCertificateError(f"not an X.509 certificate: {exc}", field="der") from exc


def certificate_der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(Encoding.DER)


def normalise_fingerprint(fingerprint: str) -> str:
    """``"D2:27:F6…"`` or ``"d227 f6…"`` → ``"d227f6…"`` (64 lower-case hex digits)."""
    cleaned = re.sub(r"[\s:]", "", fingerprint).lower()
    if not re.fullmatch(r"[0-9a-f]{64}", cleaned):
        raise ValueError(f"not a SHA-256 fingerprint: {fingerprint!r}")
    return cleaned


def sha256_fingerprint(cert: bytes | x509.Certificate) -> str:
    """Lower-case hex SHA-256 of the certificate's DER (as J-LIS publishes its root fingerprints)."""
    der = certificate_der(cert) if isinstance(cert, x509.Certificate) else bytes(cert)
    return hashlib.sha256(der).hexdigest()


def policy_oids(cert: x509.Certificate) -> frozenset[ObjectIdentifier]:
    try:
        ext = cert.extensions.get_extension_for_class(x509.CertificatePolicies)
    except x509.ExtensionNotFound:
        return frozenset()
    return frozenset(p.policy_identifier for p in ext.value)


def is_signature_certificate(cert: x509.Certificate) -> bool:
    """Carries the production JPKI signature policy OID."""
    return SIGNATURE_POLICY_OID in policy_oids(cert)


def is_authentication_certificate(cert: x509.Certificate) -> bool:
    """Carries the JPKI user-authentication policy OID."""
    return AUTHENTICATION_POLICY_OID in policy_oids(cert)


def certificate_kind(cert: x509.Certificate) -> CertificateKind | None:
    """``"signature"``, ``"authentication"``, or None for neither (or, oddly, both)."""
    signature, authentication = is_signature_certificate(cert), is_authentication_certificate(cert)
    if signature and not authentication:
        return "signature"
    if authentication and not signature:
        return "authentication"
    return None


def _other_name_text(other_name: x509.OtherName, field: str) -> str:
    """The string inside an otherName value (cryptography has already removed ``[0] EXPLICIT``)."""
    try:
        value = core.load(other_name.value, strict=True)
    except (ValueError, TypeError) as exc:
        raise MalformedCertificateError(f"{field}: not DER: {exc}", field=f"san.{field}") from exc
    if not isinstance(value, core.AbstractString):
        raise MalformedCertificateError(
            f"{field}: expected a UTF8String, found {type(value).__name__}", field=f"san.{field}"
        )
    text = value.native
    if not isinstance(text, str):
        raise MalformedCertificateError(f"{field}: not text", field=f"san.{field}")
    return text


def _jpki_other_names(cert: x509.Certificate) -> dict[ObjectIdentifier, str]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound as exc:
        raise MalformedCertificateError(
            "no subjectAltName: not a JPKI signature certificate", field="san"
        ) from exc
    except ValueError as exc:  # an undecodable extension
        raise MalformedCertificateError(f"unreadable subjectAltName: {exc}", field="san") from exc
    found: dict[ObjectIdentifier, str] = {}
    for other_name in san.get_values_for_type(x509.OtherName):
        if other_name.type_id not in _JPKI_SAN_OIDS:
            continue
        field = other_name.type_id.dotted_string
        if other_name.type_id in found:
            raise MalformedCertificateError(f"{field} appears more than once", field=f"san.{field}")
        found[other_name.type_id] = _other_name_text(other_name, field)
    return found


def _parse_date_of_birth(value: str) -> tuple[int, date]:
    match = _DATE_OF_BIRTH.fullmatch(value)
    if not match:
        raise MalformedCertificateError(
            f"date of birth {value!r} is not an era digit followed by YYYYMMDD", field="san.date_of_birth"
        )
    era = int(match.group(1))
    if era not in ERAS:
        raise MalformedCertificateError(f"unknown era digit {era}", field="san.date_of_birth")
    try:
        born = date(int(match.group(2)), int(match.group(3)), int(match.group(4)))
    except ValueError as exc:
        raise MalformedCertificateError(
            f"date of birth {value!r} is not a date: {exc}", field="san.date_of_birth"
        ) from exc
    return era, born


def _address_and_flags(values: list[str]) -> tuple[str, str | None]:
    """Decide which of the 5.5.5 / 5.5.6 values is the address and which its flags, by shape.

    Sources disagree on which OID is which (jpki.md §2.2); the flags are only 0s and 1s, an
    address never is.
    """
    flags = [v for v in values if _FLAGS.fullmatch(v)]
    texts = [v for v in values if not _FLAGS.fullmatch(v)]
    if len(texts) != 1 or len(flags) > 1:
        raise MalformedCertificateError(
            "expected one address and at most one substitute-flag field "
            f"(found {len(texts)} address-like and {len(flags)} flag-like values)",
            field="san.address",
        )
    address = texts[0]
    if not address.strip():
        raise MalformedCertificateError("the address is empty", field="san.address")
    return address, (flags[0] if flags else None)


def personal_info(cert: x509.Certificate) -> PersonalInfo:
    """Name, date of birth, sex and address from a JPKI signature certificate's subjectAltName.

    Raises :class:`MalformedCertificateError` when an item is missing or not in J-LIS's format.
    It does not check that the certificate is a signature certificate or trusted; the verifier
    does (an authentication certificate has no SAN and fails here).
    """
    found = _jpki_other_names(cert)
    required = {NAME_OID: "name", DATE_OF_BIRTH_OID: "date_of_birth", SEX_OID: "sex"}
    missing = [label for oid, label in required.items() if oid not in found]
    if not {ADDRESS_OID, ADDRESS_SUBSTITUTE_FLAGS_OID} & found.keys():
        missing.append("address")
    if missing:
        raise MalformedCertificateError(
            f"subjectAltName lacks {', '.join(missing)}", field=f"san.{missing[0]}"
        )

    name = found[NAME_OID]
    if not name.strip():
        raise MalformedCertificateError("the name is empty", field="san.name")
    name_flags = found.get(NAME_SUBSTITUTE_FLAGS_OID)
    if name_flags is not None and not _FLAGS.fullmatch(name_flags):
        raise MalformedCertificateError(
            "the name's substitute-character flags are not 0s and 1s", field="san.name_substitute_flags"
        )

    era, born = _parse_date_of_birth(found[DATE_OF_BIRTH_OID])

    sex_text = found[SEX_OID]
    if not re.fullmatch(r"[0-9]", sex_text) or int(sex_text) not in SEXES:
        raise MalformedCertificateError(f"sex {sex_text!r} is not a JIS X 0303 code", field="san.sex")

    address, address_flags = _address_and_flags(
        [found[oid] for oid in (ADDRESS_OID, ADDRESS_SUBSTITUTE_FLAGS_OID) if oid in found]
    )
    return PersonalInfo(
        name=name,
        date_of_birth=born,
        era=era,
        sex=int(sex_text),
        address=address,
        name_substitute_flags=name_flags,
        address_substitute_flags=address_flags,
    )
