"""A detached CMS made around the card's one signing operation (jpki/cms.py), and the three CMS
checks of jpki.verify.verify_detached_cms: content type, message digest, signature over the
signed attributes as a SET OF."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest
from asn1crypto import cms as asn1_cms  # type: ignore[import-untyped]

from jpki.apdu import digest_info
from jpki.certs import certificate_der
from jpki.cms import detached_signed_data
from jpki.testing.pki import CardKeys, TestPki
from jpki.testing.virtual_card import VirtualJpkiCard, raw_rsa_sign
from jpki.transport import InProcessTransport
from jpki.verify import TrustStore, verify_detached_cms
from tests.jpki.test_verify import store_for

CONTENT = b'{"application":{"subject_name":"NGUYEN VAN AN"},"type":"zairyu.application/v1"}'


@pytest.fixture
def store(pki: TestPki) -> TrustStore:
    return store_for(pki)


def _verify(signature: bytes, store: TrustStore, data: bytes = CONTENT) -> Any:
    return verify_detached_cms(
        cms=signature, data=data, purpose="signature", store=store, crls=None, at=datetime.now(UTC)
    )


def _signed(keys: CardKeys, content: bytes = CONTENT) -> bytes:
    return detached_signed_data(
        content,
        certificate_der=certificate_der(keys.signature_cert),
        sign=lambda info: raw_rsa_sign(keys.signature_key, info),
    )


def test_the_virtual_card_signs_a_cms_that_verifies(card_keys: CardKeys, store: TrustStore) -> None:
    from jpki.card import JpkiCard, KeyKind, PinKind

    card = JpkiCard(
        InProcessTransport(VirtualJpkiCard(card_keys, auth_pin="1234", signature_password="ABC123"))
    )
    card.verify(PinKind.SIGNATURE, "ABC123")
    signature = detached_signed_data(
        CONTENT,
        certificate_der=certificate_der(card_keys.signature_cert),
        sign=lambda info: card.sign(KeyKind.SIGNATURE, info),
    )
    result = _verify(signature, store)
    assert result.ok and result.reason == "ok", result.detail
    assert result.personal_info is not None and result.personal_info.name == "NGUYEN VAN AN"
    parsed = asn1_cms.ContentInfo.load(signature)["content"]
    assert parsed["encap_content_info"]["content"].native is None  # detached


def test_changed_content_fails_the_message_digest(card_keys: CardKeys, store: TrustStore) -> None:
    result = _verify(_signed(card_keys), store, data=CONTENT.replace(b"AN", b"AM"))
    assert (result.ok, result.reason) == (False, "signature_invalid")
    assert "message digest" in result.detail


def _rebuilt(keys: CardKeys, attributes: Any, *, sign_as_tagged: bool = False) -> bytes:
    """A SignedData like ours with other signed attributes, signed over their SET OF encoding (or,
    wrongly, over their [0] IMPLICIT encoding)."""
    original = asn1_cms.ContentInfo.load(_signed(keys))
    signer = original["content"]["signer_infos"][0]
    signer["signed_attrs"] = attributes
    encoded = bytearray(signer["signed_attrs"].dump(force=True))
    if not sign_as_tagged:
        encoded[0] = 0x31
    signer["signature"] = raw_rsa_sign(
        keys.signature_key, digest_info("sha256", hashlib.sha256(encoded).digest())
    )
    return bytes(original.dump(force=True))


def _attributes(content_type: str, digest: bytes) -> Any:
    return asn1_cms.CMSAttributes(
        [
            asn1_cms.CMSAttribute({"type": "content_type", "values": [content_type]}),
            asn1_cms.CMSAttribute({"type": "message_digest", "values": [digest]}),
        ]
    )


def test_a_content_type_other_than_data_is_refused(card_keys: CardKeys, store: TrustStore) -> None:
    signature = _rebuilt(card_keys, _attributes("signed_data", hashlib.sha256(CONTENT).digest()))
    result = _verify(signature, store)
    assert (result.ok, result.reason) == (False, "signature_invalid")
    assert "content type" in result.detail


def test_the_signature_must_cover_the_attributes_as_a_set(card_keys: CardKeys, store: TrustStore) -> None:
    good = _rebuilt(card_keys, _attributes("data", hashlib.sha256(CONTENT).digest()))
    assert _verify(good, store).ok
    wrong = _rebuilt(card_keys, _attributes("data", hashlib.sha256(CONTENT).digest()), sign_as_tagged=True)
    result = _verify(wrong, store)
    assert (result.ok, result.reason) == (False, "signature_invalid")
    assert "does not verify" in result.detail
