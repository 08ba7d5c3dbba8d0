"""The real PC/SC path: pyscard → pcscd → vpcd → the virtual My Number Card.

``scripts/services.sh up`` with START_PCSC=1 (``make test`` sets it) starts pcscd with a private
reader configuration (only the vpcd reader) and the virtual card in slot 0 ("Virtual PCD 00 00"),
which exports its certificates to ``$RUN/card``. Tests that spend PIN tries or pull the card out use
their own virtual card in slot 1 ("Virtual PCD 00 01", port VPCD_PORT+1), served from this process,
so the shared card in slot 0 is never locked.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import Encoding

from jpki.apdu import CertKind, KeyKind, PinKind
from jpki.card import CardStatus, JpkiCard
from jpki.errors import (
    CardBusyError,
    CardRemovedError,
    LastTryRefusedError,
    NoCardError,
    NoReaderError,
    PinBlockedError,
    SecurityStatusError,
    WrongPinError,
)
from jpki.testing.pki import demo_card_keys
from jpki.testing.virtual_card import JPKI_CONTACT_ATR, VirtualJpkiCard
from jpki.testing.vpcd import VpcdCardClient
from jpki.transport import PcscTransport, list_readers, reader_states

if os.environ.get("START_PCSC") != "1":
    pytest.skip(
        "PC/SC tests need pcscd and the virtual card: run scripts/services.sh up with START_PCSC=1 "
        "(make test does)",
        allow_module_level=True,
    )

SLOT0 = "Virtual PCD 00 00"
SLOT1 = "Virtual PCD 00 01"
VPCD_PORT = int(os.environ.get("VPCD_PORT", "35963"))


def wait_until(predicate: Callable[[], Any], *, timeout: float = 10.0, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}", pytrace=False)
        time.sleep(0.05)


def card_present(reader: str) -> bool:
    return any(r.name == reader and r.card_present for r in reader_states())


@pytest.fixture(scope="session")
def service_card() -> dict[str, Any]:
    """What the slot-0 card exported: PINs and the four certificates (DER by CertKind value)."""
    directory = Path(os.environ.get("RUN", "var/test-run")) / "card"
    info_path = directory / "card.json"
    if not info_path.exists() or not card_present(SLOT0):
        pytest.fail(
            f"no virtual card in {SLOT0!r} or no {info_path}: start the services with START_PCSC=1 "
            "(scripts/services.sh up) and run with the same RUN",
            pytrace=False,
        )
    info: dict[str, Any] = json.loads(info_path.read_text())
    info["der"] = {kind.value: (directory / f"{kind.value}.der").read_bytes() for kind in CertKind}
    return info


@dataclass
class InsertedCard:
    card: VirtualJpkiCard
    client: VpcdCardClient

    def remove(self) -> None:
        self.client.close()
        wait_until(lambda: not card_present(SLOT1), what=f"{SLOT1} to be empty")


@pytest.fixture
def slot1() -> Iterator[Callable[..., InsertedCard]]:
    """Insert a fresh virtual card (options as for VirtualJpkiCard) into slot 1; removed afterwards."""
    inserted: list[InsertedCard] = []

    def insert(**options: Any) -> InsertedCard:
        card = VirtualJpkiCard(demo_card_keys(), **options)
        client = VpcdCardClient(card, port=VPCD_PORT + 1)
        client.start()
        inserted.append(InsertedCard(card, client))
        wait_until(lambda: card_present(SLOT1), what=f"the card in {SLOT1}")
        return inserted[-1]

    yield insert
    for item in inserted:
        item.remove()


def rsa_key(der: bytes) -> RSAPublicKey:
    key = x509.load_der_x509_certificate(der).public_key()
    assert isinstance(key, RSAPublicKey)
    return key


# --- the shared card in slot 0 ---


def test_readers_are_listed_with_the_card(service_card: dict[str, Any]) -> None:
    assert list_readers()[:2] == [SLOT0, SLOT1]
    slot0 = next(r for r in reader_states() if r.name == SLOT0)
    assert slot0.card_present and slot0.atr == JPKI_CONTACT_ATR


def test_status_over_pcsc(service_card: dict[str, Any]) -> None:
    with JpkiCard.open(SLOT0) as card:
        assert isinstance(card.transport, PcscTransport)
        assert card.transport.protocol == "T=1"
        assert card.transport.atr == JPKI_CONTACT_ATR
        assert card.status() == CardStatus(present=True, auth_tries_left=3, signature_tries_left=5)
        assert card.read_token_info() == "JPKIAPICCTOKEN"


def test_first_reader_with_a_card_is_chosen(service_card: dict[str, Any]) -> None:
    with JpkiCard.open() as card:
        assert isinstance(card.transport, PcscTransport)
        assert card.transport.reader == SLOT0  # slot 1 is empty


def test_certificates_byte_for_byte(service_card: dict[str, Any]) -> None:
    expected = service_card["der"]
    with JpkiCard.open(SLOT0) as card:
        for kind in (CertKind.AUTH, CertKind.AUTH_CA, CertKind.SIGNATURE_CA):
            assert card.read_certificate(kind) == expected[kind.value], kind
        with pytest.raises(SecurityStatusError) as excinfo:
            card.read_certificate(CertKind.SIGNATURE)
        assert excinfo.value.sw == 0x6982
        card.verify(PinKind.SIGNATURE, service_card["signature_password"])
        assert card.read_certificate(CertKind.SIGNATURE) == expected["signature"]


def test_verify_and_sign_accepted_by_our_verifier(service_card: dict[str, Any]) -> None:
    from jpki.certs import sha256_fingerprint
    from jpki.verify import TrustStore, verify_signature

    der = service_card["der"]
    store = TrustStore([sha256_fingerprint(der["auth_ca"]), sha256_fingerprint(der["signature_ca"])])
    store.add_anchor(der["auth_ca"])
    store.add_anchor(der["signature_ca"])
    with JpkiCard.open(SLOT0) as card:
        card.verify(PinKind.AUTH, service_card["auth_pin"])
        card.verify(PinKind.SIGNATURE, service_card["signature_password"])
        auth_signature = card.sign_sha256(KeyKind.AUTH, b"login nonce")
        doc_signature = card.sign_sha256(KeyKind.SIGNATURE, b"a document")
    rsa_key(der["auth"]).verify(auth_signature, b"login nonce", PKCS1v15(), hashes.SHA256())
    now = datetime.now(UTC)
    for cert, signature, data, purpose in (
        (der["auth"], auth_signature, b"login nonce", "authentication"),
        (der["signature"], doc_signature, b"a document", "signature"),
    ):
        result = verify_signature(
            certificate=cert, signature=signature, data=data, purpose=purpose, store=store, crls=None, at=now
        )
        assert result.ok, (purpose, result.reason, result.detail)
        tampered = verify_signature(
            certificate=cert,
            signature=signature,
            data=data + b"!",
            purpose=purpose,
            store=store,
            crls=None,
            at=now,
        )
        assert not tampered.ok


def test_sessions_do_not_share_a_verified_pin(service_card: dict[str, Any]) -> None:
    """Closing resets the card, so the next session starts logged out."""
    with JpkiCard.open(SLOT0) as card:
        card.verify(PinKind.AUTH, service_card["auth_pin"])
    with JpkiCard.open(SLOT0) as card, pytest.raises(SecurityStatusError):
        card.sign_sha256(KeyKind.AUTH, b"x")


def test_exclusive_connection(service_card: dict[str, Any]) -> None:
    with JpkiCard.open(SLOT0) as card:
        card.select()
        with pytest.raises(CardBusyError) as excinfo:
            PcscTransport(SLOT0)
        assert excinfo.value.code == "jpki.card_busy"
    with PcscTransport(SLOT0):  # released on close
        pass


def test_unknown_and_empty_readers(service_card: dict[str, Any]) -> None:
    with pytest.raises(NoReaderError):
        PcscTransport("No Such Reader 00 00")
    with pytest.raises(NoCardError):
        PcscTransport(SLOT1)


# --- our own cards in slot 1 ---


def test_three_wrong_pins_lock_over_pcsc(slot1: Callable[..., InsertedCard]) -> None:
    virtual = slot1().card
    with JpkiCard.open(SLOT1) as card:
        for left in (2, 1):
            with pytest.raises(WrongPinError) as excinfo:
                card.verify(PinKind.AUTH, "0000")
            assert excinfo.value.tries_left == left
        with pytest.raises(LastTryRefusedError):
            card.verify(PinKind.AUTH, "1234")
        assert card.tries_left(PinKind.AUTH) == 1
        with pytest.raises(PinBlockedError):
            card.verify(PinKind.AUTH, "0000", confirm_last_try=True)
    assert virtual.tries_left(PinKind.AUTH) == 0
    # The lock survives a new session (the counter is non-volatile on the card).
    with JpkiCard.open(SLOT1) as card:
        assert card.status() == CardStatus(present=True, auth_tries_left=0, signature_tries_left=5)
        with pytest.raises(PinBlockedError):
            card.verify(PinKind.AUTH, "1234", confirm_last_try=True)


def test_signature_password_locks_after_five(slot1: Callable[..., InsertedCard]) -> None:
    slot1(signature_tries_left=2)
    with JpkiCard.open(SLOT1) as card:
        with pytest.raises(WrongPinError):
            card.verify(PinKind.SIGNATURE, "WRONG9")
        with pytest.raises(LastTryRefusedError):
            card.verify(PinKind.SIGNATURE, "WRONG9")
        with pytest.raises(PinBlockedError):
            card.verify(PinKind.SIGNATURE, "WRONG9", confirm_last_try=True)
        assert card.tries_left(PinKind.SIGNATURE) == 0


def test_t0_style_card_through_pcscd(slot1: Callable[..., InsertedCard]) -> None:
    """pcsc-lite passes 61xx/6Cxx up; our transport fetches the rest (jpki.md §4.3)."""
    slot1(t0=True, response_chunk=100)
    keys = demo_card_keys()
    with JpkiCard.open(SLOT1) as card:
        assert card.read_certificate(CertKind.AUTH) == keys.auth_cert.public_bytes(Encoding.DER)
        card.verify(PinKind.AUTH, "1234")
        signature = card.sign_sha256(KeyKind.AUTH, b"t0")
    rsa_key(keys.auth_cert.public_bytes(Encoding.DER)).verify(signature, b"t0", PKCS1v15(), hashes.SHA256())


def test_card_removed_during_a_session(slot1: Callable[..., InsertedCard]) -> None:
    inserted = slot1()
    clients_card = JpkiCard.open(SLOT1)
    try:
        clients_card.verify(PinKind.AUTH, "1234")
        inserted.remove()
        with pytest.raises(CardRemovedError) as excinfo:
            clients_card.sign_sha256(KeyKind.AUTH, b"x")
        assert excinfo.value.code == "jpki.card_removed"
        assert clients_card.status() == CardStatus(present=False)
    finally:
        clients_card.close()
    with pytest.raises(NoCardError):
        JpkiCard.open(SLOT1)
