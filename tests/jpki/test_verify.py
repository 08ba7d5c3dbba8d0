"""Verifying JPKI signatures: raw PKCS#1 v1.5 and detached CMS, against pinned roots and imported CRLs."""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jpki import verify as verify_module
from jpki.certs import sha256_fingerprint
from jpki.testing.pki import CardKeys, Person, TestPki, demo_person, detached_cms, sign_pkcs1_sha256
from jpki.verify import (
    CACHE_BUCKET_SECONDS,
    CrlStore,
    TrustStore,
    UntrustedAnchorError,
    UntrustedCrlError,
    VerificationResult,
    verify_detached_cms,
    verify_signature,
)

NONCE = b"registration nonce 6f1c2e"
REASONS = {
    "ok",
    "signature_invalid",
    "untrusted_root",
    "expired",
    "not_yet_valid",
    "wrong_policy",
    "wrong_key_usage",
    "revoked",
    "malformed",
}


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(Encoding.DER)


def store_for(*pkis: TestPki) -> TrustStore:
    roots = [root for pki in pkis for root in (pki.signature_ca, pki.auth_ca)]
    store = TrustStore(sha256_fingerprint(root) for root in roots)
    for root in roots:
        store.add_anchor(der(root))
    return store


@pytest.fixture
def store(pki: TestPki) -> TrustStore:
    return store_for(pki)


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC)


@functools.cache
def other_pki() -> TestPki:
    """A second PKI with the same DNs as the first and different keys (a look-alike J-LIS)."""
    return TestPki.create()


@functools.cache
def spare_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def raw(
    keys: CardKeys,
    purpose: str,
    *,
    store: TrustStore,
    at: datetime,
    crls: CrlStore | None = None,
    data: bytes = NONCE,
    signed: bytes = NONCE,
) -> VerificationResult:
    key, cert = (
        (keys.signature_key, keys.signature_cert)
        if purpose == "signature"
        else (keys.auth_key, keys.auth_cert)
    )
    return verify_signature(
        certificate=der(cert),
        signature=sign_pkcs1_sha256(key, signed),
        data=data,
        purpose=purpose,  # type: ignore[arg-type]
        store=store,
        crls=crls,
        at=at,
    )


def cms(
    keys: CardKeys,
    purpose: str,
    *,
    store: TrustStore,
    at: datetime,
    crls: CrlStore | None = None,
    data: bytes = NONCE,
    signed: bytes = NONCE,
) -> VerificationResult:
    key, cert = (
        (keys.signature_key, keys.signature_cert)
        if purpose == "signature"
        else (keys.auth_key, keys.auth_cert)
    )
    return verify_detached_cms(
        cms=detached_cms(signed, cert, key),
        data=data,
        purpose=purpose,  # type: ignore[arg-type]
        store=store,
        crls=crls,
        at=at,
    )


both_forms = pytest.mark.parametrize("form", [raw, cms], ids=["raw", "cms"])
both_purposes = pytest.mark.parametrize("purpose", ["signature", "authentication"])


# --- valid signatures --------------------------------------------------------------------------


@both_forms
@both_purposes
def test_a_valid_signature(
    form, purpose: str, card_keys: CardKeys, store: TrustStore, now: datetime, person: Person
) -> None:  # type: ignore[no-untyped-def]
    result = form(card_keys, purpose, store=store, at=now)
    assert (result.ok, result.reason, result.revocation) == (True, "ok", "not_checked")
    expected = card_keys.signature_cert if purpose == "signature" else card_keys.auth_cert
    assert result.certificate == expected
    assert result.certificate_fingerprint == sha256_fingerprint(expected)
    assert result.purpose == purpose
    if purpose == "signature":
        assert result.personal_info is not None
        assert (result.personal_info.name, result.personal_info.date_of_birth) == (
            person.name,
            person.date_of_birth,
        )
    else:
        assert result.personal_info is None
    assert "失効の確認はしていません" in result.message_ja
    assert "Revocation was not checked" in result.message_en


def test_the_card_form_digest_info_signature_verifies(
    card_keys: CardKeys, store: TrustStore, now: datetime
) -> None:
    """The card pads what it is given; given the SHA-256 DigestInfo it makes a standard signature."""
    digest = hashes.Hash(hashes.SHA256())
    digest.update(NONCE)
    digest_info = bytes.fromhex("3031300d060960864801650304020105000420") + digest.finalize()
    # Emulate the card: type-1 padding over the DigestInfo, then the raw RSA private operation.
    k = card_keys.signature_key.private_numbers()
    n = k.public_numbers.n
    padded = b"\x00\x01" + b"\xff" * (256 - 3 - len(digest_info)) + b"\x00" + digest_info
    signature = pow(int.from_bytes(padded, "big"), k.d, n).to_bytes(256, "big")
    result = verify_signature(
        certificate=card_keys.signature_cert,
        signature=signature,
        data=NONCE,
        purpose="signature",
        store=store,
        crls=None,
        at=now,
    )
    assert result.ok
    # A bare 32-byte hash signed the same way is not a standard signature.
    bare = b"\x00\x01" + b"\xff" * (256 - 3 - 32) + b"\x00" + digest_info[-32:]
    bad = pow(int.from_bytes(bare, "big"), k.d, n).to_bytes(256, "big")
    result = verify_signature(
        certificate=card_keys.signature_cert,
        signature=bad,
        data=NONCE,
        purpose="signature",
        store=store,
        crls=None,
        at=now,
    )
    assert result.reason == "signature_invalid"


def test_certificate_may_be_an_object_der_or_pem(
    card_keys: CardKeys, store: TrustStore, now: datetime
) -> None:
    signature = sign_pkcs1_sha256(card_keys.signature_key, NONCE)
    for form in (
        card_keys.signature_cert,
        der(card_keys.signature_cert),
        card_keys.signature_cert.public_bytes(Encoding.PEM),
    ):
        result = verify_signature(
            certificate=form,
            signature=signature,
            data=NONCE,
            purpose="signature",
            store=store,
            crls=None,
            at=now,
        )
        assert result.ok, result.detail


# --- failures, each with its reason ------------------------------------------------------------


@both_forms
@both_purposes
def test_tampered_data(form, purpose: str, card_keys: CardKeys, store: TrustStore, now: datetime) -> None:  # type: ignore[no-untyped-def]
    result = form(card_keys, purpose, store=store, at=now, data=NONCE + b"!")
    assert (result.ok, result.reason) == (False, "signature_invalid")
    assert result.personal_info is None
    assert "署名が一致しません" in result.message_ja


@both_forms
def test_an_authentication_certificate_where_a_signature_certificate_is_required(
    form, card_keys: CardKeys, store: TrustStore, now: datetime
) -> None:  # type: ignore[no-untyped-def]
    swapped = CardKeys(
        signature_key=card_keys.auth_key,
        signature_cert=card_keys.auth_cert,
        signature_ca_cert=card_keys.auth_ca_cert,
        auth_key=card_keys.signature_key,
        auth_cert=card_keys.signature_cert,
        auth_ca_cert=card_keys.signature_ca_cert,
    )
    result = form(swapped, "signature", store=store, at=now)
    assert (result.ok, result.reason) == (False, "wrong_policy")
    assert "署名用電子証明書ではありません" in result.message_ja
    result = form(swapped, "authentication", store=store, at=now)
    assert (result.ok, result.reason) == (False, "wrong_policy")


def test_swapped_policy_oids_are_a_wrong_policy(
    pki: TestPki, person: Person, store: TrustStore, now: datetime
) -> None:
    keys = pki.issue_card(person, swap_policies=True)
    assert raw(keys, "signature", store=store, at=now).reason == "wrong_policy"


def test_key_usage_without_non_repudiation_is_refused_for_signatures(
    pki: TestPki, person: Person, store: TrustStore, now: datetime
) -> None:
    digital_signature_only = x509.KeyUsage(True, False, False, False, False, False, False, False, False)
    cert = pki.issue_certificate(
        kind="signature",
        key=spare_key(),
        not_before=now - timedelta(hours=1),
        not_after=now + timedelta(days=30),
        person=person,
        key_usage=digital_signature_only,
    )
    result = verify_signature(
        certificate=cert,
        signature=sign_pkcs1_sha256(spare_key(), NONCE),
        data=NONCE,
        purpose="signature",
        store=store,
        crls=None,
        at=now,
    )
    assert (result.ok, result.reason) == (False, "wrong_key_usage")


def test_critical_certificate_policies_are_accepted(
    pki: TestPki, person: Person, store: TrustStore, now: datetime
) -> None:
    """J-LIS's criticality of certificatePolicies is not confirmed (jpki.md §2.2): both work."""
    cert = pki.issue_certificate(
        kind="signature",
        key=spare_key(),
        not_before=now - timedelta(hours=1),
        not_after=now + timedelta(days=30),
        person=person,
        critical_policies=True,
    )
    result = verify_signature(
        certificate=cert,
        signature=sign_pkcs1_sha256(spare_key(), NONCE),
        data=NONCE,
        purpose="signature",
        store=store,
        crls=None,
        at=now,
    )
    assert result.ok, result.detail


@both_forms
@both_purposes
def test_expired_and_not_yet_valid(form, purpose: str, card_keys: CardKeys, store: TrustStore) -> None:  # type: ignore[no-untyped-def]
    cert = card_keys.signature_cert if purpose == "signature" else card_keys.auth_cert
    late = form(card_keys, purpose, store=store, at=cert.not_valid_after_utc + timedelta(seconds=1))
    assert (late.ok, late.reason) == (False, "expired")
    assert "有効期限が切れています" in late.message_ja and "23:59:59 JST" in late.message_en
    early = form(card_keys, purpose, store=store, at=cert.not_valid_before_utc - timedelta(seconds=1))
    assert (early.ok, early.reason) == (False, "not_yet_valid")
    assert form(card_keys, purpose, store=store, at=cert.not_valid_after_utc).ok


def test_an_expired_root_fails_even_when_the_leaf_is_still_valid(person: Person) -> None:
    t0 = datetime(2020, 1, 1, tzinfo=UTC)
    old = TestPki.create(now=t0)  # roots valid until t0 + 3652 days
    cert = old.issue_certificate(
        kind="signature", key=spare_key(), not_before=t0, not_after=t0 + timedelta(days=5000), person=person
    )
    store = store_for(old)
    signature = sign_pkcs1_sha256(spare_key(), NONCE)
    inside = verify_signature(
        certificate=cert,
        signature=signature,
        data=NONCE,
        purpose="signature",
        store=store,
        crls=None,
        at=t0 + timedelta(days=100),
    )
    assert inside.ok
    after = verify_signature(
        certificate=cert,
        signature=signature,
        data=NONCE,
        purpose="signature",
        store=store,
        crls=None,
        at=t0 + timedelta(days=3700),
    )
    assert (after.ok, after.reason) == (False, "expired")
    assert "ルート証明書" in after.message_ja


@both_forms
@both_purposes
def test_a_look_alike_root_is_untrusted(form, purpose: str, store: TrustStore, now: datetime) -> None:  # type: ignore[no-untyped-def]
    keys = other_pki().issue_card(demo_person())
    result = form(keys, purpose, store=store, at=now)
    assert (result.ok, result.reason) == (False, "untrusted_root")
    assert "J-LIS" in result.message_ja


def test_an_empty_store_trusts_nothing(card_keys: CardKeys, now: datetime) -> None:
    result = raw(card_keys, "signature", store=TrustStore([]), at=now)
    assert result.reason == "untrusted_root"


# --- the trust store -----------------------------------------------------------------------------


def test_an_anchor_not_on_the_pinned_list_is_refused(pki: TestPki) -> None:
    store = TrustStore([sha256_fingerprint(pki.signature_ca)])
    store.add_anchor(der(pki.signature_ca))
    fingerprint = sha256_fingerprint(other_pki().signature_ca)
    with pytest.raises(UntrustedAnchorError, match=fingerprint) as caught:
        store.add_anchor(der(other_pki().signature_ca))
    assert caught.value.fingerprint == fingerprint
    assert store.anchors == (pki.signature_ca,)


def test_pins_are_normalised_and_adding_twice_is_harmless(pki: TestPki) -> None:
    fp = sha256_fingerprint(pki.auth_ca)
    store = TrustStore([":".join(fp[i : i + 2] for i in range(0, 64, 2)).upper()])
    store.add_anchor(pki.auth_ca.public_bytes(Encoding.PEM))
    store.add_anchor(der(pki.auth_ca))
    assert store.anchors == (pki.auth_ca,)
    with pytest.raises(ValueError):
        TrustStore(["not a fingerprint"])


def test_a_pinned_certificate_that_is_not_a_root_is_refused(card_keys: CardKeys) -> None:
    leaf = card_keys.signature_cert
    store = TrustStore([sha256_fingerprint(leaf)])
    with pytest.raises(UntrustedAnchorError):
        store.add_anchor(der(leaf))


# --- revocation ----------------------------------------------------------------------------------


@both_forms
@both_purposes
def test_revoked_by_an_imported_crl(
    form, purpose: str, pki: TestPki, person: Person, store: TrustStore, now: datetime
) -> None:  # type: ignore[no-untyped-def]
    keys = pki.issue_card(person)
    cert = keys.signature_cert if purpose == "signature" else keys.auth_cert
    crls = CrlStore(store)
    crls.add(der_crl(pki.crl(kind=purpose, revoked=[cert], this_update=now - timedelta(minutes=1))))  # type: ignore[arg-type]
    result = form(keys, purpose, store=store, at=now, crls=crls)
    assert (result.ok, result.reason, result.revocation) == (False, "revoked", "revoked")
    assert "失効しています" in result.message_ja


@both_forms
@both_purposes
def test_a_current_crl_that_does_not_list_the_certificate(
    form, purpose: str, pki: TestPki, card_keys: CardKeys, store: TrustStore, now: datetime
) -> None:  # type: ignore[no-untyped-def]
    crls = CrlStore(store)
    crls.add(der_crl(pki.crl(kind=purpose, this_update=now - timedelta(minutes=1))))  # type: ignore[arg-type]
    result = form(card_keys, purpose, store=store, at=now, crls=crls)
    assert (result.ok, result.reason, result.revocation) == (True, "ok", "checked")
    assert "失効確認済み" in result.message_ja


def test_no_crl_for_the_issuer_is_not_checked(
    pki: TestPki, card_keys: CardKeys, store: TrustStore, now: datetime
) -> None:
    crls = CrlStore(store)
    crls.add(der_crl(pki.crl(kind="authentication", this_update=now - timedelta(minutes=1))))
    result = raw(card_keys, "signature", store=store, at=now, crls=crls)
    assert (result.ok, result.revocation) == (True, "not_checked")
    assert raw(card_keys, "signature", store=store, at=now, crls=None).revocation == "not_checked"


def test_a_stale_crl_is_not_a_check_but_still_proves_a_revocation(person: Person, now: datetime) -> None:
    pki = TestPki.create(now=now - timedelta(days=20))
    store = store_for(pki)
    keys = pki.issue_card(person, not_before=now - timedelta(days=10))
    old = dict(this_update=now - timedelta(days=3), next_update=now - timedelta(days=2))
    crls = CrlStore(store)
    crls.add(pki.crl(kind="signature", **old))  # type: ignore[arg-type]
    result = raw(keys, "signature", store=store, at=now, crls=crls)
    assert (result.ok, result.revocation) == (True, "not_checked")
    listing = CrlStore(store)
    listing.add(pki.crl(kind="signature", revoked=[keys.signature_cert], **old))  # type: ignore[arg-type]
    result = raw(keys, "signature", store=store, at=now, crls=listing)
    assert (result.ok, result.reason, result.revocation) == (False, "revoked", "revoked")
    # ...but not for a moment before the revocation.
    before = raw(keys, "signature", store=store, at=now - timedelta(days=5), crls=listing)
    assert (before.ok, before.revocation) == (True, "not_checked")


def test_importing_a_crl_invalidates_cached_results(
    pki: TestPki, person: Person, store: TrustStore, now: datetime
) -> None:
    keys = pki.issue_card(person)
    crls = CrlStore(store)
    assert raw(keys, "signature", store=store, at=now, crls=crls).ok
    assert raw(keys, "signature", store=store, at=now, crls=crls).ok  # cached
    crls.add(pki.crl(kind="signature", revoked=[keys.signature_cert], this_update=now - timedelta(minutes=1)))
    assert raw(keys, "signature", store=store, at=now, crls=crls).reason == "revoked"


def test_crl_import_rejects_a_crl_not_signed_by_a_trusted_anchor(
    pki: TestPki, store: TrustStore, now: datetime
) -> None:
    crls = CrlStore(store)
    with pytest.raises(UntrustedCrlError, match="not signed by a trusted anchor"):
        crls.add(der_crl(other_pki().crl(kind="signature")))  # same DN, other key
    with pytest.raises(UntrustedCrlError, match="not a CRL"):
        crls.add(b"\x30\x00")
    assert len(crls) == 0 and crls.generation == 0
    pem = pki.crl(kind="signature").public_bytes(Encoding.PEM)
    crls.add(pem)
    assert len(crls) == 1 and crls.crl_for(pki.signature_ca) is not None and crls.crl_for(pki.auth_ca) is None


def test_an_older_crl_does_not_replace_a_newer_one(pki: TestPki, store: TrustStore, now: datetime) -> None:
    crls = CrlStore(store)
    newer = pki.crl(kind="signature", this_update=now)
    crls.add(newer)
    generation = crls.generation
    older = pki.crl(kind="signature", this_update=now - timedelta(days=1))
    crls.add(older)
    assert crls.crl_for(pki.signature_ca) == newer and crls.generation == generation
    newest = pki.crl(kind="signature", this_update=now + timedelta(minutes=1))
    crls.add(newest)
    assert crls.crl_for(pki.signature_ca) == newest and crls.generation == generation + 1


def der_crl(crl: x509.CertificateRevocationList) -> bytes:
    return crl.public_bytes(Encoding.DER)


# --- malformed input never raises --------------------------------------------------------------


GARBAGE = [
    b"",
    b"\x00",
    b"\x30\x82\xff\xff",
    b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    b"\x30\x03\x02\x01\x01",
]


@pytest.mark.parametrize("junk", GARBAGE)
def test_malformed_certificates(junk: bytes, card_keys: CardKeys, store: TrustStore, now: datetime) -> None:
    result = verify_signature(
        certificate=junk,
        signature=b"x" * 256,
        data=NONCE,
        purpose="signature",
        store=store,
        crls=None,
        at=now,
    )
    assert (result.ok, result.reason) == (False, "malformed")
    assert result.message_ja and result.message_en


@pytest.mark.parametrize(
    "junk", [*GARBAGE, b"\x30\x80\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02\xa0\x80\x00\x00\x00\x00"]
)
def test_malformed_cms(junk: bytes, store: TrustStore, now: datetime) -> None:
    result = verify_detached_cms(cms=junk, data=NONCE, purpose="signature", store=store, crls=None, at=now)
    assert (result.ok, result.reason) == (False, "malformed")


def test_cms_that_is_not_detached_or_lacks_the_signer_certificate(
    card_keys: CardKeys, store: TrustStore, now: datetime
) -> None:
    builder = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(NONCE)
        .add_signer(card_keys.signature_cert, card_keys.signature_key, hashes.SHA256())
    )
    attached = builder.sign(Encoding.DER, [])
    result = verify_detached_cms(
        cms=attached, data=NONCE, purpose="signature", store=store, crls=None, at=now
    )
    assert result.reason == "malformed" and "detached" in result.detail
    no_certs = builder.sign(Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.NoCerts])
    result = verify_detached_cms(
        cms=no_certs, data=NONCE, purpose="signature", store=store, crls=None, at=now
    )
    assert result.reason == "malformed"


def test_cms_signed_by_another_key_than_its_certificate(
    card_keys: CardKeys, store: TrustStore, now: datetime
) -> None:
    forged = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(NONCE)
        .add_signer(card_keys.signature_cert, spare_key(), hashes.SHA256())
    )
    result = verify_detached_cms(
        cms=forged.sign(Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature]),
        data=NONCE,
        purpose="signature",
        store=store,
        crls=None,
        at=now,
    )
    assert (result.ok, result.reason) == (False, "signature_invalid")


def test_a_signature_certificate_with_a_broken_san_is_malformed(
    pki: TestPki, store: TrustStore, now: datetime
) -> None:
    san = x509.SubjectAlternativeName(
        [x509.OtherName(x509.ObjectIdentifier("1.2.392.200149.8.5.5.1"), b"\x0c\x02AB")]
    )
    cert = pki.issue_certificate(
        kind="signature",
        key=spare_key(),
        not_before=now - timedelta(hours=1),
        not_after=now + timedelta(days=1),
        subject_alt_name=san,
    )
    result = verify_signature(
        certificate=cert,
        signature=sign_pkcs1_sha256(spare_key(), NONCE),
        data=NONCE,
        purpose="signature",
        store=store,
        crls=None,
        at=now,
    )
    assert (result.ok, result.reason) == (False, "malformed")
    assert "lacks" in result.detail


def test_wrong_types_are_malformed_and_programming_errors_raise(
    card_keys: CardKeys, store: TrustStore, now: datetime
) -> None:
    result = verify_signature(
        certificate=card_keys.signature_cert,
        signature="abc",
        data=NONCE,
        purpose="signature",
        store=store,
        crls=None,
        at=now,  # type: ignore[arg-type]
    )
    assert result.reason == "malformed"
    result = verify_signature(
        certificate=12345,
        signature=b"",
        data=NONCE,
        purpose="signature",
        store=store,
        crls=None,
        at=now,  # type: ignore[arg-type]
    )
    assert result.reason == "malformed"
    with pytest.raises(ValueError, match="timezone-aware"):
        verify_signature(
            certificate=card_keys.signature_cert,
            signature=b"",
            data=b"",
            purpose="signature",
            store=store,
            crls=None,
            at=datetime(2026, 1, 1),
        )
    with pytest.raises(ValueError, match="purpose"):
        verify_signature(
            certificate=card_keys.signature_cert,
            signature=b"",
            data=b"",
            purpose="login",
            store=store,
            crls=None,
            at=now,  # type: ignore[arg-type]
        )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    certificate=st.binary(max_size=300),
    signature=st.binary(max_size=300),
    data=st.binary(max_size=50),
    purpose=st.sampled_from(["signature", "authentication"]),
)
def test_random_bytes_never_raise(
    certificate: bytes, signature: bytes, data: bytes, purpose: str, store: TrustStore
) -> None:
    at = datetime(2026, 6, 1, tzinfo=UTC)
    result = verify_signature(
        certificate=certificate,
        signature=signature,
        data=data,
        purpose=purpose,
        store=store,
        crls=None,
        at=at,
    )  # type: ignore[arg-type]
    assert result.reason == "malformed" and not result.ok
    result = verify_detached_cms(cms=signature, data=data, purpose=purpose, store=store, crls=None, at=at)  # type: ignore[arg-type]
    assert result.reason == "malformed" and not result.ok


# --- the chain cache -----------------------------------------------------------------------------


def test_repeated_verifications_use_the_cache(
    card_keys: CardKeys, store: TrustStore, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert raw(card_keys, "signature", store=store, at=now).ok
    calls: list[object] = []
    original = verify_module._validate_chain
    monkeypatch.setattr(
        verify_module, "_validate_chain", lambda *a, **k: calls.append(a) or original(*a, **k)
    )
    for _ in range(3):
        assert raw(card_keys, "signature", store=store, at=now).ok
    assert calls == []
    # Another purpose, bucket or certificate is validated afresh.
    raw(card_keys, "authentication", store=store, at=now)
    raw(card_keys, "signature", store=store, at=now + timedelta(seconds=CACHE_BUCKET_SECONDS))
    assert len(calls) == 2


def test_the_cache_never_outlives_the_certificate(pki: TestPki, person: Person, store: TrustStore) -> None:
    bucket = CACHE_BUCKET_SECONDS
    end = datetime.fromtimestamp(
        (int(datetime.now(UTC).timestamp()) // bucket + 2) * bucket + bucket // 2, UTC
    )
    cert = pki.issue_certificate(
        kind="signature", key=spare_key(), not_before=end - timedelta(days=1), not_after=end, person=person
    )
    signature = sign_pkcs1_sha256(spare_key(), NONCE)

    def at(moment: datetime) -> VerificationResult:
        return verify_signature(
            certificate=cert,
            signature=signature,
            data=NONCE,
            purpose="signature",
            store=store,
            crls=None,
            at=moment,
        )

    assert at(end - timedelta(seconds=1)).ok  # warms the cache for this bucket
    assert at(end + timedelta(seconds=1)).reason == "expired"  # same bucket, past notAfter


@pytest.fixture(scope="module")
def warm() -> Iterator[tuple[TrustStore, CardKeys, CardKeys, bytes, bytes]]:
    from jpki.testing.pki import default_pki, demo_card_keys

    pki = default_pki()
    store = store_for(pki)
    a = demo_card_keys()
    b = pki.issue_card(
        Person("山田 花子", datetime(1985, 7, 7).date(), 2, "大阪府大阪市北区梅田一丁目1番1号")
    )
    sig_a = sign_pkcs1_sha256(a.signature_key, NONCE)
    sig_b = sign_pkcs1_sha256(b.signature_key, NONCE)
    yield store, a, b, sig_a, sig_b


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    which=st.sampled_from(["cert", "signature", "data", "swap"]),
    position=st.integers(min_value=0, max_value=10_000),
    bit=st.integers(min_value=0, max_value=7),
    as_object=st.booleans(),
)
def test_the_cache_never_returns_ok_for_another_certificate_or_signature(
    warm: tuple[TrustStore, CardKeys, CardKeys, bytes, bytes],
    which: str,
    position: int,
    bit: int,
    as_object: bool,
) -> None:
    store, a, b, sig_a, sig_b = warm
    at = datetime.now(UTC)
    cert_der, signature, data = der(a.signature_cert), sig_a, NONCE
    for cert, sig in ((a.signature_cert, sig_a), (b.signature_cert, sig_b)):  # both warm in the cache
        assert verify_signature(
            certificate=cert, signature=sig, data=NONCE, purpose="signature", store=store, crls=None, at=at
        ).ok
    if which == "cert":
        flipped = bytearray(cert_der)
        flipped[position % len(flipped)] ^= 1 << bit
        cert_der = bytes(flipped)
    elif which == "signature":
        flipped = bytearray(signature)
        flipped[position % len(flipped)] ^= 1 << bit
        signature = bytes(flipped)
    elif which == "data":
        data = NONCE + bytes([position % 256])
    else:
        signature = sig_b  # B's signature with A's certificate
    certificate: bytes | x509.Certificate = cert_der
    if as_object and which != "cert":
        certificate = a.signature_cert
    result = verify_signature(
        certificate=certificate,
        signature=signature,
        data=data,
        purpose="signature",
        store=store,
        crls=None,
        at=at,
    )
    assert not result.ok
    assert result.reason in REASONS - {"ok"}
    # ...and A's own signature still verifies, and B's certificate never verifies A's signature.
    assert verify_signature(
        certificate=a.signature_cert,
        signature=sig_a,
        data=NONCE,
        purpose="signature",
        store=store,
        crls=None,
        at=at,
    ).ok
    assert not verify_signature(
        certificate=b.signature_cert,
        signature=sig_a,
        data=NONCE,
        purpose="signature",
        store=store,
        crls=None,
        at=at,
    ).ok


# --- usable from async code and from threads -----------------------------------------------------


def test_inside_a_running_event_loop(card_keys: CardKeys, store: TrustStore, now: datetime) -> None:
    async def view() -> tuple[VerificationResult, VerificationResult]:
        fresh = TrustStore(sha256_fingerprint(c) for c in store.anchors)
        for anchor in store.anchors:
            fresh.add_anchor(der(anchor))
        return raw(card_keys, "signature", store=fresh, at=now), cms(
            card_keys, "authentication", store=fresh, at=now
        )

    first, second = asyncio.run(view())
    assert first.ok and second.ok


def test_from_many_threads(pki: TestPki, card_keys: CardKeys, now: datetime) -> None:
    store = store_for(pki)
    results: list[VerificationResult] = []
    lock = threading.Lock()

    def work() -> None:
        for purpose in ("signature", "authentication"):
            outcome = raw(card_keys, purpose, store=store, at=now)
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 12 and all(r.ok for r in results)


def test_signature_padding_must_be_pkcs1_v15(card_keys: CardKeys, store: TrustStore, now: datetime) -> None:
    pss = card_keys.signature_key.sign(NONCE, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
    result = verify_signature(
        certificate=card_keys.signature_cert,
        signature=pss,
        data=NONCE,
        purpose="signature",
        store=store,
        crls=None,
        at=now,
    )
    assert result.reason == "signature_invalid"


def test_a_crl_issued_after_the_verification_time(
    pki: TestPki, person: Person, store: TrustStore, now: datetime
) -> None:
    """Verifying an earlier moment against a newer CRL: not a check, but its revocation date counts,
    also for a cached result from just before it."""
    keys = pki.issue_card(person, not_before=now - timedelta(hours=10))
    crls = CrlStore(store)
    crls.add(
        pki.crl(kind="signature", revoked=[keys.signature_cert], this_update=now)
    )  # revoked at now - 1 h
    revoked_at = now - timedelta(hours=1)
    bucket_start = datetime.fromtimestamp(
        int(revoked_at.timestamp()) // CACHE_BUCKET_SECONDS * CACHE_BUCKET_SECONDS, UTC
    )
    before = max(bucket_start, revoked_at - timedelta(seconds=10))
    result = raw(keys, "signature", store=store, at=before, crls=crls)
    assert (result.ok, result.revocation) == (True, "not_checked")
    after = raw(keys, "signature", store=store, at=revoked_at + timedelta(microseconds=1), crls=crls)
    assert (after.ok, after.reason) == (False, "revoked")


def test_a_certificate_whose_key_algorithm_is_unknown_is_malformed_not_an_error(
    card_keys: CardKeys, store: TrustStore, now: datetime
) -> None:
    # Found by the property test above: a flipped bit in rsaEncryption's OID made public_key() raise
    # UnsupportedAlgorithm, which escaped as an exception instead of a "malformed" result.
    rsa_encryption = bytes.fromhex("06092a864886f70d010101")
    cert = der(card_keys.signature_cert)
    assert rsa_encryption in cert
    broken = cert.replace(rsa_encryption, rsa_encryption[:-1] + b"\x03", 1)
    result = verify_signature(
        certificate=broken, signature=sign_pkcs1_sha256(card_keys.signature_key, NONCE), data=NONCE,
        purpose="signature", store=store, crls=None, at=now,
    )  # fmt: skip
    assert (result.ok, result.reason) == (False, "malformed")
    assert "UnsupportedAlgorithm" in result.detail or "algorithm" in result.detail.lower()
