"""Verifying JPKI signatures server-side (jpki.md §3): raw PKCS#1 v1.5 SHA-256 and detached CMS.

What is checked, in this order, each failure with a stable reason code:

1. the certificate parses and has an RSA key (``malformed``);
2. its certificate policy matches the purpose: the signature policy for ``"signature"``, the
   user-authentication policy for ``"authentication"`` (``wrong_policy``);
3. its KeyUsage allows the purpose: digitalSignature + nonRepudiation for signatures,
   digitalSignature for authentication (``wrong_key_usage``);
4. the path to a *pinned* trust anchor, validated by pyhanko-certvalidator at the verification
   time with fetching disabled (``untrusted_root``, ``expired``, ``not_yet_valid``);
5. revocation, from the CRLs an administrator imported: a CRL that is current at the verification
   time is used and the result says ``revocation="checked"`` (or reason ``revoked``); without one
   the result says ``revocation="not_checked"`` and is still ok; the caller decides whether that
   is acceptable;
6. the signature itself (``signature_invalid``);
7. for signature certificates, the personal data in the subjectAltName (``malformed`` if it is
   not in J-LIS's format).

Steps 1–5 and 7 depend only on the certificate, the trust store, the CRLs and the time, so their
outcome is cached per certificate (SHA-256 of its DER), purpose, five-minute time bucket and CRL
generation; the cache keeps only successes and each entry also records the instants between
which it holds. Repeated verifications by the same certificate then cost one RSA verification.

``jpki`` is plain Python: no Django here.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import threading
from collections import OrderedDict
from collections.abc import Callable, Coroutine, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Literal, TypeVar

from asn1crypto import cms as asn1_cms  # type: ignore[import-untyped]
from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.sign.general import extract_certificate_info
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    ExpiredError,
    InsufficientRevinfoError,
    NotYetValidError,
    PathBuildingError,
    PathValidationError,
    RevokedError,
)

from jpki.certs import (
    CertificateKind,
    MalformedCertificateError,
    PersonalInfo,
    certificate_der,
    certificate_kind,
    load_certificate,
    normalise_fingerprint,
    personal_info,
)

Purpose = CertificateKind
Reason = Literal[
    "ok",
    "signature_invalid",
    "untrusted_root",
    "expired",
    "not_yet_valid",
    "wrong_policy",
    "wrong_key_usage",
    "revoked",
    "malformed",
]
Revocation = Literal["checked", "revoked", "not_checked"]

JST = timezone(timedelta(hours=9), "JST")
CACHE_BUCKET_SECONDS = 300
CACHE_SIZE = 10_000

_PKCS1V15 = padding.PKCS1v15()
_SHA256 = hashes.SHA256()
_KEY_USAGE: dict[str, set[str]] = {
    "signature": {"digital_signature", "non_repudiation"},
    "authentication": {"digital_signature"},
}


class UntrustedAnchorError(ValueError):
    """A root certificate that may not become a trust anchor (its fingerprint is not pinned)."""

    def __init__(self, message: str, *, fingerprint: str) -> None:
        super().__init__(message)
        self.fingerprint = fingerprint


class UntrustedCrlError(ValueError):
    """A CRL that is not signed by any trust anchor, or cannot be read."""


# --- results --------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerificationResult:
    ok: bool
    reason: Reason
    revocation: Revocation
    certificate: x509.Certificate | None
    personal_info: PersonalInfo | None  # only for signature certificates, only when ok
    message_ja: str
    message_en: str
    purpose: Purpose
    certificate_fingerprint: str | None = None  # SHA-256 of the signer certificate's DER
    detail: str = ""  # technical detail for logs, not for users


_PURPOSE_JA = {"signature": "署名用電子証明書", "authentication": "利用者証明用電子証明書"}
_PURPOSE_EN = {"signature": "signature certificate", "authentication": "user-authentication certificate"}


def _day(moment: datetime) -> tuple[str, str]:
    local = moment.astimezone(JST)
    return f"{local:%Y年%m月%d日 %H:%M:%S}", f"{local:%Y-%m-%d %H:%M:%S} JST"


def _messages(
    reason: Reason, purpose: Purpose, revocation: Revocation, cert: x509.Certificate | None
) -> tuple[str, str]:
    kind_ja, kind_en = _PURPOSE_JA[purpose], _PURPOSE_EN[purpose]
    if reason == "ok":
        if revocation == "checked":
            return (
                f"署名を確認しました（{kind_ja}、失効確認済み）。",
                f"The signature is valid ({kind_en}; checked for revocation).",
            )
        return (
            f"署名を確認しました（{kind_ja}）。失効の確認はしていません。",
            f"The signature is valid ({kind_en}). Revocation was not checked.",
        )
    if reason == "expired" and cert is not None:
        ja, en = _day(cert.not_valid_after_utc)
        return (
            f"電子証明書の有効期限が切れています（{ja}まで）。",
            f"The certificate has expired (it was valid until {en}).",
        )
    if reason == "not_yet_valid" and cert is not None:
        ja, en = _day(cert.not_valid_before_utc)
        return (
            f"電子証明書はまだ有効になっていません（{ja}から）。",
            f"The certificate is not valid yet (it is valid from {en}).",
        )
    fixed: dict[str, tuple[str, str]] = {
        "signature_invalid": (
            "署名が一致しません。署名の後にデータが変わったか、別の鍵で署名されています。",
            "The signature does not match: the data changed after signing, or another key signed it.",
        ),
        "untrusted_root": (
            "電子証明書が信頼する発行元（J-LIS のルート証明書）につながりません。",
            "The certificate does not chain to a trusted issuer (a pinned J-LIS root certificate).",
        ),
        "expired": ("電子証明書の有効期限が切れています。", "The certificate has expired."),
        "not_yet_valid": ("電子証明書はまだ有効になっていません。", "The certificate is not valid yet."),
        "wrong_policy": (
            f"{kind_ja}ではありません。{kind_ja}で署名してください。",
            f"This is not a {kind_en}. Sign with the {kind_en}.",
        ),
        "wrong_key_usage": (
            f"この電子証明書の鍵用途では{kind_ja}として使えません。",
            f"The certificate's key usage does not allow its use as a {kind_en}.",
        ),
        "revoked": ("電子証明書は失効しています。", "The certificate has been revoked."),
        "malformed": (
            "電子証明書または署名のデータを読み取れません。",
            "The certificate or the signature could not be read.",
        ),
    }
    return fixed[reason]


def _failure(
    reason: Reason,
    purpose: Purpose,
    *,
    cert: x509.Certificate | None = None,
    revocation: Revocation = "not_checked",
    fingerprint: str | None = None,
    detail: str = "",
    messages: tuple[str, str] | None = None,
) -> VerificationResult:
    ja, en = messages or _messages(reason, purpose, revocation, cert)
    return VerificationResult(
        ok=False,
        reason=reason,
        revocation="revoked" if reason == "revoked" else revocation,
        certificate=cert,
        personal_info=None,
        message_ja=ja,
        message_en=en,
        purpose=purpose,
        certificate_fingerprint=fingerprint,
        detail=detail,
    )


# --- running pyHanko's async API from synchronous code ------------------------------------------

_T = TypeVar("_T")
_EXECUTOR = ThreadPoolExecutor(max_workers=4, thread_name_prefix="jpki-verify")


def _run(make: Callable[[], Coroutine[Any, Any, _T]]) -> _T:
    """Run a coroutine to completion, also when this thread already runs an event loop.

    pyhanko-certvalidator 0.33 has only ``async_validate_usage``. In a thread without a loop
    (Django's sync views, management commands, Celery) ``asyncio.run`` is enough; inside a running
    loop (an async view, Playwright's sync API) the coroutine runs on a worker thread's own loop.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    return _EXECUTOR.submit(lambda: asyncio.run(make())).result()


# --- trust anchors and CRLs ---------------------------------------------------------------------

_store_ids = itertools.count(1)


@dataclass(frozen=True)
class _Anchor:
    cert: x509.Certificate
    asn1: Any  # asn1crypto.x509.Certificate
    fingerprint: str


@dataclass(frozen=True)
class _Chain:
    """What a successful path validation established about one certificate."""

    cert: x509.Certificate
    public_key: rsa.RSAPublicKey
    fingerprint: str
    personal_info: PersonalInfo | None
    revocation: Revocation
    valid_from: datetime
    valid_until: datetime
    success: VerificationResult  # the (immutable) result of every good signature by this certificate


class TrustStore:
    """Pinned trust anchors: a root is accepted only if its SHA-256 fingerprint is pinned.

    Administrators load the J-LIS root certificates; the fingerprints come from J-LIS's published
    list (jpki.md §2.1) and are configured with the product. Same-DN roots of several generations
    may be loaded together; paths are built by key, not by name alone.
    """

    def __init__(self, pinned_fingerprints: Iterable[str]) -> None:
        self.pinned: frozenset[str] = frozenset(normalise_fingerprint(f) for f in pinned_fingerprints)
        self._anchors: tuple[_Anchor, ...] = ()
        self._lock = threading.Lock()
        self.generation = 0
        self._cache: OrderedDict[tuple[Any, ...], _Chain] = OrderedDict()
        self._cache_lock = threading.Lock()

    @property
    def anchors(self) -> tuple[x509.Certificate, ...]:
        return tuple(a.cert for a in self._anchors)

    def add_anchor(self, der: bytes) -> x509.Certificate:
        """Add a root certificate (DER, or PEM); refuse one whose fingerprint is not pinned."""
        cert = load_certificate(der)
        raw = certificate_der(cert)
        fingerprint = hashlib.sha256(raw).hexdigest()
        if fingerprint not in self.pinned:
            raise UntrustedAnchorError(
                f"certificate {cert.subject.rfc4514_string()} (SHA-256 {fingerprint}) is not on the "
                "pinned list of trust-anchor fingerprints",
                fingerprint=fingerprint,
            )
        try:
            constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
            cert.verify_directly_issued_by(cert)
        except (x509.ExtensionNotFound, ValueError, TypeError, InvalidSignature) as exc:
            raise UntrustedAnchorError(
                f"certificate SHA-256 {fingerprint} is not a self-signed root: {exc}", fingerprint=fingerprint
            ) from exc
        if not constraints.ca:
            raise UntrustedAnchorError(
                f"certificate SHA-256 {fingerprint} is not a CA certificate", fingerprint=fingerprint
            )
        with self._lock:
            if all(a.fingerprint != fingerprint for a in self._anchors):
                anchor = _Anchor(cert, asn1_x509.Certificate.load(raw), fingerprint)
                self._anchors = (*self._anchors, anchor)
                self.generation += 1
                self._clear_cache()
        return cert

    def issuer_of(self, cert: x509.Certificate) -> x509.Certificate | None:
        """The anchor whose key signed ``cert``, if any (only to pick the CRL to check against)."""
        anchor = self._issuer_anchor(cert)
        return anchor.cert if anchor else None

    def _issuer_anchor(self, cert: x509.Certificate) -> _Anchor | None:
        for anchor in self._anchors:
            if anchor.cert.subject != cert.issuer:
                continue
            try:
                cert.verify_directly_issued_by(anchor.cert)
            except (ValueError, TypeError, InvalidSignature):
                continue
            return anchor
        return None

    # The chain cache. Keys: (leaf SHA-256, purpose, time bucket, store generation, CRL store id
    # and generation). Only successes are kept, each with the instants between which it holds.
    def _cached(self, key: tuple[Any, ...], at: datetime) -> _Chain | None:
        chain = self._cache.get(key)
        if chain is None or not (chain.valid_from <= at <= chain.valid_until):
            return None
        return chain

    def _remember(self, key: tuple[Any, ...], chain: _Chain) -> None:
        with self._cache_lock:
            self._cache[key] = chain
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)

    def _clear_cache(self) -> None:
        with self._cache_lock:
            self._cache.clear()


@dataclass(frozen=True)
class _HeldCrl:
    crl: x509.CertificateRevocationList
    asn1: Any  # asn1crypto.crl.CertificateList


class CrlStore:
    """CRLs imported by an administrator or a scheduled task, at most one (the newest) per anchor.

    A CRL is accepted only if a trust anchor of ``store`` signed it. J-LIS's CRL distribution
    points are directory names that cannot be fetched (jpki.md §2.6), so nothing is fetched.
    """

    def __init__(self, store: TrustStore) -> None:
        self.store = store
        self.generation = 0
        self._id = next(_store_ids)
        self._by_anchor: dict[str, _HeldCrl] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._by_anchor)

    @property
    def token(self) -> tuple[int, int]:
        return (self._id, self.generation)

    def add(self, data: bytes | x509.CertificateRevocationList) -> x509.CertificateRevocationList:
        """Import a CRL (DER or PEM); :class:`UntrustedCrlError` unless a trust anchor signed it.

        An older CRL than the one held for the same anchor is ignored (and returned as given).
        """
        try:
            if isinstance(data, x509.CertificateRevocationList):
                crl = data
            elif bytes(data).lstrip().startswith(b"-----BEGIN"):
                crl = x509.load_pem_x509_crl(bytes(data))
            else:
                crl = x509.load_der_x509_crl(bytes(data))
            raw = crl.public_bytes(Encoding.DER)
        except (ValueError, TypeError) as exc:
            raise UntrustedCrlError(f"not a CRL: {exc}") from exc
        anchor = self._signing_anchor(crl)
        if anchor is None:
            raise UntrustedCrlError(
                f"the CRL from {crl.issuer.rfc4514_string()} is not signed by a trusted anchor"
            )
        with self._lock:
            held = self._by_anchor.get(anchor.fingerprint)
            if held is not None and _crl_order(held.crl) >= _crl_order(crl):
                return crl
            self._by_anchor[anchor.fingerprint] = _HeldCrl(crl, asn1_crl.CertificateList.load(raw))
            self.generation += 1
        return crl

    def crl_for(self, anchor: x509.Certificate) -> x509.CertificateRevocationList | None:
        held = self._held_for(hashlib.sha256(certificate_der(anchor)).hexdigest())
        return held.crl if held else None

    def _held_for(self, anchor_fingerprint: str) -> _HeldCrl | None:
        return self._by_anchor.get(anchor_fingerprint)

    def _signing_anchor(self, crl: x509.CertificateRevocationList) -> _Anchor | None:
        for anchor in self.store._anchors:
            if anchor.cert.subject != crl.issuer:
                continue
            key = anchor.cert.public_key()
            try:
                if crl.is_signature_valid(key):  # type: ignore[arg-type]
                    return anchor
            except (ValueError, TypeError):
                continue
        return None


def _crl_order(crl: x509.CertificateRevocationList) -> tuple[int, datetime]:
    try:
        number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    except (x509.ExtensionNotFound, ValueError):
        number = -1
    return (number, crl.last_update_utc)


# --- path validation (cached) -------------------------------------------------------------------


def _require_aware(at: datetime) -> None:
    if not isinstance(at, datetime) or at.utcoffset() is None:
        raise ValueError("the verification time must be a timezone-aware datetime")


_identity_lock = threading.Lock()
_VALIDATION_LOCK = threading.Lock()
_der_hash_by_identity: dict[int, tuple[x509.Certificate, bytes]] = {}


def _leaf_hash(certificate: bytes | x509.Certificate) -> tuple[bytes, bytes | None]:
    """SHA-256 of the certificate's DER, and the DER if it was given as bytes."""
    if type(certificate) is bytes:  # the common case first: what a client uploads
        raw: bytes = certificate
    elif isinstance(certificate, x509.Certificate):
        # Re-encoding costs a third of an RSA verification; remember the digest per object
        # (holding a reference, so the id cannot be reused while it is in the map).
        held = _der_hash_by_identity.get(id(certificate))
        if held is not None and held[0] is certificate:
            return held[1], None
        digest = hashlib.sha256(certificate_der(certificate)).digest()
        with _identity_lock:
            if len(_der_hash_by_identity) >= 1024:
                _der_hash_by_identity.clear()
            _der_hash_by_identity[id(certificate)] = (certificate, digest)
        return digest, None
    elif isinstance(certificate, bytes | bytearray | memoryview):
        raw = bytes(certificate)
    else:
        raise MalformedCertificateError("a certificate must be DER or PEM bytes", field="der")
    if raw[:1] != b"\x30" and raw.lstrip().startswith(b"-----BEGIN"):  # DER starts with SEQUENCE
        raw = certificate_der(load_certificate(raw))
    return hashlib.sha256(raw).digest(), raw


def _key_usage_ok(cert: x509.Certificate, purpose: Purpose) -> bool:
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return False
    if purpose == "signature":
        return usage.digital_signature and usage.content_commitment
    return usage.digital_signature


def _validation_context(store: TrustStore, crl: _HeldCrl | None, at: datetime) -> ValidationContext:
    return ValidationContext(
        trust_roots=[a.asn1 for a in store._anchors],
        other_certs=[],
        moment=at,
        allow_fetching=False,
        crls=[crl.asn1] if crl else None,
        revocation_mode="require" if crl else "soft-fail",
        time_tolerance=timedelta(0),
    )


@dataclass(frozen=True)
class _CrlState:
    held: _HeldCrl | None  # the newest imported CRL of the certificate's issuer
    current: bool  # thisUpdate <= at <= nextUpdate: usable as a revocation check at ``at``
    revoked: bool  # it lists the certificate as revoked on or before ``at``


def _crl_state(store: TrustStore, crls: CrlStore | None, cert: x509.Certificate, at: datetime) -> _CrlState:
    if crls is None:
        return _CrlState(None, False, False)
    anchor = store._issuer_anchor(cert)
    held = crls._held_for(anchor.fingerprint) if anchor else None
    if held is None:
        return _CrlState(None, False, False)
    entry = held.crl.get_revoked_certificate_by_serial_number(cert.serial_number)
    revoked = entry is not None and entry.revocation_date_utc <= at
    next_update = held.crl.next_update_utc
    current = held.crl.last_update_utc <= at and next_update is not None and at <= next_update
    return _CrlState(held, current, revoked)


def _validate_chain(
    cert: x509.Certificate,
    fingerprint: str,
    purpose: Purpose,
    store: TrustStore,
    crls: CrlStore | None,
    at: datetime,
) -> _Chain | VerificationResult:
    def fail(reason: Reason, detail: str, revocation: Revocation = "not_checked") -> VerificationResult:
        return _failure(
            reason, purpose, cert=cert, fingerprint=fingerprint, detail=detail, revocation=revocation
        )

    public_key = cert.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        return fail("malformed", f"unsupported key type {type(public_key).__name__}")
    kind = certificate_kind(cert)
    if kind != purpose:
        return fail("wrong_policy", f"certificate policy says {kind or 'neither kind'}, expected {purpose}")
    if not _key_usage_ok(cert, purpose):
        return fail("wrong_key_usage", f"KeyUsage does not allow {sorted(_KEY_USAGE[purpose])}")
    if not store._anchors:
        return fail("untrusted_root", "the trust store has no anchors")

    crl_state = _crl_state(store, crls, cert, at)
    if crl_state.revoked and not crl_state.current:
        # A CRL that is no longer current still proves a revocation that happened before ``at``.
        return fail("revoked", "listed as revoked in the newest imported CRL (no longer current)")
    crl = crl_state.held if crl_state.current else None

    asn1_cert = asn1_x509.Certificate.load(certificate_der(cert))

    async def validate(crl: _HeldCrl | None) -> Any:
        validator = CertificateValidator(asn1_cert, validation_context=_validation_context(store, crl, at))
        return await validator.async_validate_usage(key_usage=_KEY_USAGE[purpose])  # type: ignore[no-untyped-call]

    try:
        # asn1crypto parses lazily and pyhanko-certvalidator shares the anchors' parsed objects, so
        # two threads validating at once can trip over each other (seen as a spurious "malformed"
        # under load). Cold validation is rare (the chain is cached), so one at a time is cheap.
        with _VALIDATION_LOCK:
            try:
                path = _run(lambda: validate(crl))
            except InsufficientRevinfoError:
                if crl is None:
                    raise
                # A current, anchor-signed CRL that the validator could not apply: "not checked".
                crl = None
                path = _run(lambda: validate(None))
            links = [
                (link["tbs_certificate"]["validity"]["not_before"].native,
                 link["tbs_certificate"]["validity"]["not_after"].native, link.subject.human_friendly)
                for link in path
            ]  # fmt: skip
    except RevokedError as exc:
        return fail("revoked", str(exc))
    except ExpiredError as exc:
        return fail("expired", str(exc))
    except NotYetValidError as exc:
        return fail("not_yet_valid", str(exc))
    except (PathBuildingError, PathValidationError) as exc:
        return fail("untrusted_root", f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # asn1crypto parses lazily; anything it trips over is malformed input
        return fail("malformed", f"{type(exc).__name__}: {exc}")

    info: PersonalInfo | None = None
    if purpose == "signature":
        try:
            info = personal_info(cert)
        except MalformedCertificateError as exc:
            return fail("malformed", str(exc))

    # pyhanko-certvalidator does not hold a trust anchor to its validity period (RFC 5280 treats
    # an anchor as a key, not a certificate); we do, so an expired J-LIS root fails here.
    valid_from = cert.not_valid_before_utc
    valid_until = cert.not_valid_after_utc
    for link_from, link_until, link_name in links:
        if not link_from <= at <= link_until:
            reason: Reason = "expired" if at > link_until else "not_yet_valid"
            ja, en = _day(link_until if reason == "expired" else link_from)
            return _failure(
                reason,
                purpose,
                cert=cert,
                fingerprint=fingerprint,
                detail=f"trust anchor {link_name} is outside its validity at {at.isoformat()}",
                messages=(
                    (
                        f"発行元（J-LIS）のルート証明書の有効期限が切れています（{ja}まで）。",
                        f"The issuing J-LIS root certificate has expired (it was valid until {en}).",
                    )
                    if reason == "expired"
                    else (
                        f"発行元（J-LIS）のルート証明書はまだ有効になっていません（{ja}から）。",
                        f"The issuing J-LIS root certificate is not valid yet (it is valid from {en}).",
                    )
                ),
            )
        valid_from = max(valid_from, link_from)
        valid_until = min(valid_until, link_until)
    if crl is not None:
        valid_from = max(valid_from, crl.crl.last_update_utc)
        assert crl.crl.next_update_utc is not None
        valid_until = min(valid_until, crl.crl.next_update_utc)
    elif crl_state.held is not None and at < crl_state.held.crl.last_update_utc:
        # The newest CRL is from after ``at``: the answer changes at its thisUpdate, or earlier at
        # the revocation date it gives for this certificate.
        change = crl_state.held.crl.last_update_utc
        entry = crl_state.held.crl.get_revoked_certificate_by_serial_number(cert.serial_number)
        if entry is not None:
            change = min(change, entry.revocation_date_utc)
        valid_until = min(valid_until, change - timedelta(microseconds=1))
    revocation: Revocation = "checked" if crl is not None else "not_checked"
    ja, en = _messages("ok", purpose, revocation, cert)
    return _Chain(
        cert=cert,
        public_key=public_key,
        fingerprint=fingerprint,
        personal_info=info,
        revocation=revocation,
        valid_from=valid_from,
        valid_until=valid_until,
        success=VerificationResult(
            ok=True,
            reason="ok",
            revocation=revocation,
            certificate=cert,
            personal_info=info,
            message_ja=ja,
            message_en=en,
            purpose=purpose,
            certificate_fingerprint=fingerprint,
        ),
    )


def _chain(
    certificate: bytes | x509.Certificate,
    purpose: Purpose,
    store: TrustStore,
    crls: CrlStore | None,
    at: datetime,
) -> _Chain | VerificationResult:
    try:
        digest, raw = _leaf_hash(certificate)
    except MalformedCertificateError as exc:
        return _failure("malformed", purpose, detail=str(exc))
    bucket = int(at.timestamp()) // CACHE_BUCKET_SECONDS
    key = (digest, purpose, bucket, store.generation, crls.token if crls else None)
    cached = store._cached(key, at)
    if cached is not None:
        return cached
    try:
        cert = certificate if isinstance(certificate, x509.Certificate) else load_certificate(raw or b"")
        # Touch the parts that cryptography parses lazily, so a broken certificate fails here.
        _ = (cert.extensions, cert.not_valid_before_utc, cert.not_valid_after_utc, cert.public_key())
    except (MalformedCertificateError, ValueError, TypeError, UnsupportedAlgorithm) as exc:
        # A flipped bit in the key's algorithm identifier reads as an unsupported algorithm.
        return _failure("malformed", purpose, detail=f"{type(exc).__name__}: {exc}")
    outcome = _validate_chain(cert, digest.hex(), purpose, store, crls, at)
    if isinstance(outcome, _Chain):
        store._remember(key, outcome)
    return outcome


def _check_purpose(purpose: str) -> Purpose:
    if purpose == "signature":
        return "signature"
    if purpose == "authentication":
        return "authentication"
    raise ValueError(f"purpose must be 'signature' or 'authentication', not {purpose!r}")


# --- the two entry points -----------------------------------------------------------------------


def verify_signature(
    *,
    certificate: bytes | x509.Certificate,
    signature: bytes,
    data: bytes,
    purpose: Purpose,
    store: TrustStore,
    crls: CrlStore | None,
    at: datetime,
) -> VerificationResult:
    """Verify a raw RSASSA-PKCS1-v1_5 / SHA-256 signature over ``data`` by a JPKI certificate.

    This is what the card's ``80 2A 00 80`` command produces over a SHA-256 DigestInfo
    (jpki.md §1.6). Bad input never raises: it gives reason ``"malformed"``. Only programming
    errors raise (a naive ``at``, an unknown ``purpose``).
    """
    _require_aware(at)
    purpose = _check_purpose(purpose)
    chain = _chain(certificate, purpose, store, crls, at)
    if isinstance(chain, VerificationResult):
        return chain
    if (type(signature) is not bytes or type(data) is not bytes) and not (
        isinstance(signature, bytes | bytearray) and isinstance(data, bytes | bytearray | memoryview)
    ):
        return _failure(
            "malformed",
            purpose,
            cert=chain.cert,
            revocation=chain.revocation,
            fingerprint=chain.fingerprint,
            detail="signature and data must be bytes",
        )
    try:
        chain.public_key.verify(bytes(signature), bytes(data), _PKCS1V15, _SHA256)
    except InvalidSignature:
        return _failure(
            "signature_invalid",
            purpose,
            cert=chain.cert,
            revocation=chain.revocation,
            fingerprint=chain.fingerprint,
            detail="RSASSA-PKCS1-v1_5 SHA-256 verification failed",
        )
    return chain.success


def _parse_detached_cms(cms: bytes) -> Any:
    """The SignedData of a detached CMS with exactly one signer; ValueError otherwise."""
    if not isinstance(cms, bytes | bytearray | memoryview):
        raise ValueError("the CMS must be DER bytes")
    info = asn1_cms.ContentInfo.load(bytes(cms), strict=True)
    if info["content_type"].native != "signed_data":
        raise ValueError(f"not SignedData but {info['content_type'].native}")
    signed_data = info["content"]
    if len(signed_data["signer_infos"]) != 1:
        raise ValueError(f"expected one signer, found {len(signed_data['signer_infos'])}")
    if signed_data["encap_content_info"]["content"].native is not None:
        raise ValueError("the CMS carries its content: expected a detached signature")
    return signed_data


_CMS_HASHES: dict[str, hashes.HashAlgorithm] = {
    "sha256": hashes.SHA256(),
    "sha384": hashes.SHA384(),
    "sha512": hashes.SHA512(),
}
_RSA_PKCS1 = {"rsassa_pkcs1v15", "sha256_rsa", "sha384_rsa", "sha512_rsa"}


def _signer_info_problem(signer: Any, data: bytes, public_key: rsa.RSAPublicKey) -> str | None:
    """RFC 5652 §5.4 and §11 for the one SignerInfo: the signed attributes name the content type
    ``data`` and carry the message digest of ``data``; the RSASSA-PKCS1-v1_5 signature covers those
    attributes DER-encoded as a SET OF. None when all holds, else what does not."""
    digest_name = signer["digest_algorithm"]["algorithm"].native
    algorithm = _CMS_HASHES.get(digest_name)
    if algorithm is None:
        return f"unsupported digest algorithm {digest_name}"
    if signer["signature_algorithm"]["algorithm"].native not in _RSA_PKCS1:
        return f"unsupported signature algorithm {signer['signature_algorithm']['algorithm'].native}"
    attributes = signer["signed_attrs"]
    if not attributes.native:
        return "no signed attributes"
    values: dict[str, list[Any]] = {}
    for attribute in attributes:
        values.setdefault(attribute["type"].native, []).extend(attribute["values"].native)
    if values.get("content_type") != ["data"]:
        return f"content type attribute {values.get('content_type')!r}, expected ['data']"
    digest = hashes.Hash(algorithm)
    digest.update(data)
    if values.get("message_digest") != [digest.finalize()]:
        return "the message digest does not match the data"
    signed = bytearray(attributes.dump())
    signed[0] = 0x31  # [0] IMPLICIT → SET OF: what was signed
    try:
        public_key.verify(signer["signature"].native, bytes(signed), _PKCS1V15, algorithm)
    except InvalidSignature:
        return "the signature over the signed attributes does not verify"
    return None


def verify_detached_cms(
    *,
    cms: bytes,
    data: bytes,
    purpose: Purpose,
    store: TrustStore,
    crls: CrlStore | None,
    at: datetime,
) -> VerificationResult:
    """Verify a detached CMS SignedData (RFC 5652) over ``data`` whose signer is a JPKI certificate.

    The signer certificate must be in the SignedData (pyHanko finds it by the SignerInfo's sid).
    The certificate goes through the same checks as for a raw signature, cached the same way
    (path, validity, policy, key usage, revocation); then the three CMS checks of jpki.md §3.2:
    the content-type attribute, the messageDigest attribute against the data, and the signature
    over the DER of the signed attributes by the certificate's key. So a repeated signer costs one
    digest and one RSA verification.
    """
    _require_aware(at)
    purpose = _check_purpose(purpose)
    try:
        signed_data = _parse_detached_cms(cms)
        signer_cert_der = extract_certificate_info(signed_data).signer_cert.dump()
    except Exception as exc:  # asn1crypto and pyHanko raise a variety of errors on bad input
        return _failure("malformed", purpose, detail=f"{type(exc).__name__}: {exc}")
    chain = _chain(signer_cert_der, purpose, store, crls, at)
    if isinstance(chain, VerificationResult):
        return chain

    def fail(reason: Reason, detail: str) -> VerificationResult:
        return _failure(
            reason,
            purpose,
            cert=chain.cert,
            revocation=chain.revocation,
            fingerprint=chain.fingerprint,
            detail=detail,
        )

    if not isinstance(data, bytes | bytearray | memoryview):
        return fail("malformed", "data must be bytes")
    try:
        problem = _signer_info_problem(signed_data["signer_infos"][0], bytes(data), chain.public_key)
    except Exception as exc:  # asn1crypto raises a variety of errors on odd structures
        return fail("malformed", f"{type(exc).__name__}: {exc}")
    if problem is not None:
        return fail("signature_invalid", problem)
    return chain.success
