"""JPKI signature verification throughput: verify_signature against a bare RSA verify, on one core.

    .venv/bin/python -m bench.jpki_verify [--seconds 5]

One signature certificate from the test PKI (J-LIS profile, RSA-2048) signs one nonce. With the
chain already validated and cached for that certificate, the benchmark measures, in the same run:

- ``verify_signature`` with the certificate as DER bytes (what a client uploads), with a current
  CRL imported, so the cached chain says "revocation checked";
- ``verify_signature`` with the certificate as a parsed ``x509.Certificate`` object;
- the bare ``cryptography`` ``public_key.verify(sig, data, PKCS1v15(), SHA256())`` of the same
  signature;
- and, for scale, a cold verification (path validation by pyhanko-certvalidator every time).

The three cached/bare measurements run interleaved in short batches, so that other load on the
machine affects them alike. Target (issue #5): the cached verification runs at least half the bare rate. Figures are printed,
never asserted.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import Encoding

from jpki.certs import sha256_fingerprint
from jpki.testing.pki import default_pki, demo_card_keys, sign_pkcs1_sha256
from jpki.verify import CrlStore, TrustStore, verify_signature


def interleaved(
    fns: dict[str, Callable[[], Any]], seconds: float, batch: int = 100
) -> dict[str, tuple[float, int]]:
    """Rates per second, measured in alternating short batches so that load on the machine
    (other processes, CPU frequency) affects every measurement alike."""
    spent = dict.fromkeys(fns, 0.0)
    done = dict.fromkeys(fns, 0)
    deadline = time.perf_counter() + seconds * len(fns)
    while time.perf_counter() < deadline:
        for name, fn in fns.items():
            start = time.perf_counter()
            for _ in range(batch):
                fn()
            spent[name] += time.perf_counter() - start
            done[name] += batch
    return {name: (done[name] / spent[name], done[name]) for name in fns}


def rate(fn: Callable[[], Any], seconds: float, batch: int = 5) -> tuple[float, int]:
    done = 0
    start = time.perf_counter()
    while time.perf_counter() < start + seconds:
        for _ in range(batch):
            fn()
        done += batch
    return done / (time.perf_counter() - start), done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="time per measurement")
    args = parser.parse_args()

    pki = default_pki()
    keys = demo_card_keys()
    store = TrustStore([sha256_fingerprint(pki.signature_ca), sha256_fingerprint(pki.auth_ca)])
    store.add_anchor(pki.signature_ca.public_bytes(Encoding.DER))
    store.add_anchor(pki.auth_ca.public_bytes(Encoding.DER))
    at = datetime.now(UTC)
    crls = CrlStore(store)
    crls.add(pki.crl(kind="signature", this_update=at - timedelta(minutes=1)).public_bytes(Encoding.DER))

    data = b"registration nonce 2f9c41d0e8a7"
    signature = sign_pkcs1_sha256(keys.signature_key, data)
    cert = keys.signature_cert
    cert_der = cert.public_bytes(Encoding.DER)
    public_key = cert.public_key()

    def cached_der() -> None:
        verify_signature(
            certificate=cert_der,
            signature=signature,
            data=data,
            purpose="signature",
            store=store,
            crls=crls,
            at=at,
        )

    def cached_object() -> None:
        verify_signature(
            certificate=cert,
            signature=signature,
            data=data,
            purpose="signature",
            store=store,
            crls=crls,
            at=at,
        )

    def bare() -> None:
        public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr, call-arg, arg-type]

    def cold() -> None:
        fresh = TrustStore(store.pinned)
        for anchor in store.anchors:
            fresh.add_anchor(anchor.public_bytes(Encoding.DER))
        verify_signature(
            certificate=cert_der,
            signature=signature,
            data=data,
            purpose="signature",
            store=fresh,
            crls=None,
            at=at,
        )

    first = verify_signature(
        certificate=cert_der,
        signature=signature,
        data=data,
        purpose="signature",
        store=store,
        crls=crls,
        at=at,
    )
    assert first.ok and first.revocation == "checked", first
    cached_object()

    rates = interleaved({"bare": bare, "der": cached_der, "object": cached_object}, args.seconds)
    (bare_rate, bare_n), (der_rate, der_n), (object_rate, object_n) = (
        rates["bare"],
        rates["der"],
        rates["object"],
    )
    cold_rate, cold_n = rate(cold, min(args.seconds, 3.0))

    print(
        f"certificate: RSA-{cert.public_key().key_size} (J-LIS profile test PKI); revocation {first.revocation}"
    )  # type: ignore[union-attr]
    print(f"{'measurement':52} {'per second':>12} {'count':>10}")
    print(f"{'bare cryptography RSA PKCS#1 v1.5 SHA-256 verify':52} {bare_rate:12,.0f} {bare_n:10,}")
    print(f"{'verify_signature, chain cached, certificate as DER':52} {der_rate:12,.0f} {der_n:10,}")
    print(f"{'verify_signature, chain cached, certificate object':52} {object_rate:12,.0f} {object_n:10,}")
    print(f"{'verify_signature, cold (pyhanko path validation)':52} {cold_rate:12,.0f} {cold_n:10,}")
    ratio = der_rate / bare_rate
    print(
        f"ratio: cached verify_signature (DER) runs at {ratio:.2f}x the bare rate "
        f"(object: {object_rate / bare_rate:.2f}x; cold: {cold_rate / bare_rate:.3f}x)"
    )
    print(f"target at least 0.5x the bare rate: {'met' if ratio >= 0.5 else 'NOT met'}")


if __name__ == "__main__":
    main()
