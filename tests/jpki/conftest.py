from __future__ import annotations

import pytest

from jpki.card import JpkiCard
from jpki.testing.pki import CardKeys, Person, TestPki, default_pki, demo_card_keys, demo_person
from jpki.testing.virtual_card import VirtualJpkiCard
from jpki.transport import InProcessTransport

# --- certificates and verification (jpki/testing/pki.py, jpki/certs.py, jpki/verify.py) ---


@pytest.fixture(scope="session")
def pki() -> TestPki:
    return default_pki()


@pytest.fixture(scope="session")
def person() -> Person:
    return demo_person()


@pytest.fixture(scope="session")
def card_keys(pki: TestPki, person: Person) -> CardKeys:
    return demo_card_keys()


# --- card access and the virtual card (jpki/card.py, jpki/transport.py, jpki/testing/virtual_card.py) ---


@pytest.fixture
def virtual_card(card_keys: CardKeys) -> VirtualJpkiCard:
    """A fresh virtual My Number Card (auth PIN 1234, signature password ABC123) that records APDUs."""
    return VirtualJpkiCard(card_keys, record=True)


@pytest.fixture
def card_transport(virtual_card: VirtualJpkiCard) -> InProcessTransport:
    return InProcessTransport(virtual_card)


@pytest.fixture
def jpki_card(card_transport: InProcessTransport) -> JpkiCard:
    return JpkiCard(card_transport)
