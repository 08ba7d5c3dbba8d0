"""The JPKI card client against the virtual My Number Card, in-process (no pcscd, no database).

Every APDU path of the client, the typed errors, the PIN counters and locks, signing with both
keys, the T=0 procedure bytes, and the promise that nothing but the JPKI AP is ever selected.
The same card runs under a real pcscd in tests/integration/test_pcsc.py.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import Encoding

from jpki import apdu
from jpki.apdu import (
    JPKI_AID,
    CertKind,
    CommandApdu,
    KeyKind,
    PinKind,
    digest_info,
    digest_info_sha256,
)
from jpki.card import CardStatus, JpkiCard, encode_pin
from jpki.errors import (
    CardCommandError,
    CardRemovedError,
    JpkiError,
    LastTryRefusedError,
    NoCertificateError,
    NotJpkiCardError,
    PinBlockedError,
    PinFormatError,
    SecurityStatusError,
    WrongPinError,
)
from jpki.testing.pki import CardKeys
from jpki.testing.virtual_card import JPKI_CONTACT_ATR, VirtualJpkiCard, pkcs1_type1_pad
from jpki.transport import InProcessTransport, Response, transmit_with_procedure_bytes

# The card's other applications. They exist only here, in a test, to check that they are never
# selected; the library has no constant for them (test_no_constant_for_other_aps).
KENHOJO_AID = bytes.fromhex("D3921000310001010408")  # text input-assist AP: holds the My Number
KENKAKU_AID = bytes.fromhex("D3921000310001010402")  # card-face AP: photo, My Number
JUKI_AID = bytes.fromhex("D3921000310001010100")  # "unknown" AP (probably 住基)
OTHER_AIDS = (KENHOJO_AID, KENKAKU_AID, JUKI_AID)

CERT_ATTR = {
    CertKind.AUTH: "auth_cert",
    CertKind.AUTH_CA: "auth_ca_cert",
    CertKind.SIGNATURE: "signature_cert",
    CertKind.SIGNATURE_CA: "signature_ca_cert",
}


def der(keys: CardKeys, kind: CertKind) -> bytes:
    return getattr(keys, CERT_ATTR[kind]).public_bytes(Encoding.DER)


def sw(response: bytes) -> int:
    return int.from_bytes(response[-2:], "big")


def sent(transport: InProcessTransport) -> list[CommandApdu]:
    return [CommandApdu.parse(command) for command, _ in transport.exchanges]


def public_key(keys: CardKeys, key: KeyKind) -> RSAPublicKey:
    cert = keys.auth_cert if key is KeyKind.AUTH else keys.signature_cert
    pk = cert.public_key()
    assert isinstance(pk, RSAPublicKey)
    return pk


class ScriptedTransport:
    """Answers from a script of (data, sw) and records the commands: for status-word mapping."""

    def __init__(self, *answers: tuple[bytes, int]) -> None:
        self.answers = list(answers)
        self.commands: list[bytes] = []

    def transmit(self, command: bytes) -> Response:
        self.commands.append(command)
        data, status = self.answers.pop(0)
        return data, status >> 8, status & 0xFF

    def close(self) -> None:
        pass


# --- APDU encoding ---


def test_command_bytes_match_jpki_md() -> None:
    assert apdu.select_jpki_ap().hex().upper() == "00A4040C0AD392F000260100000001"
    assert apdu.select_ef(0x000A).hex().upper() == "00A4020C02000A"
    assert apdu.read_binary(0, 4).hex().upper() == "00B0000004"
    assert apdu.read_binary(0x0100, 256).hex().upper() == "00B0010000"
    assert apdu.verify().hex().upper() == "00200080"  # case 1: the counter query
    assert apdu.verify(b"1234").hex().upper() == "002000800431323334"
    assert apdu.get_response(0x64).hex().upper() == "00C0000064"
    info = digest_info_sha256(b"abc")
    assert apdu.compute_signature(info) == bytes.fromhex("802A008033") + info + b"\x00"


def test_digest_info_sha256_is_the_51_byte_der() -> None:
    info = digest_info_sha256(b"abc")
    assert len(info) == 51
    assert info == bytes.fromhex("3031300d060960864801650304020105000420") + hashlib.sha256(b"abc").digest()
    assert apdu.digest_info_hash(info) == "sha256"
    assert apdu.digest_info_hash(hashlib.sha256(b"abc").digest()) is None
    with pytest.raises(ValueError):
        digest_info("sha256", b"short")


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("00200080", CommandApdu(0x00, 0x20, 0x00, 0x80)),
        ("00B0010000", CommandApdu(0x00, 0xB0, 0x01, 0x00, le=256)),
        ("00A4020C02000A", CommandApdu(0x00, 0xA4, 0x02, 0x0C, b"\x00\x0a")),
        ("802A00800201FF00", CommandApdu(0x80, 0x2A, 0x00, 0x80, b"\x01\xff", le=256)),
    ],
)
def test_command_apdu_round_trip(raw: str, expected: CommandApdu) -> None:
    assert CommandApdu.parse(bytes.fromhex(raw)) == expected
    assert expected.to_bytes().hex().upper() == raw.upper()


@pytest.mark.parametrize("raw", ["00A4", "00A4020C05000A", "00A40200000002000A"])
def test_command_apdu_parse_rejects_malformed_and_extended(raw: str) -> None:
    with pytest.raises(ValueError):
        CommandApdu.parse(bytes.fromhex(raw))


def test_read_binary_offsets_are_15_bits() -> None:
    apdu.read_binary(0x7FFF, 1)
    with pytest.raises(ValueError):
        apdu.read_binary(0x8000, 1)


def test_describe_sw() -> None:
    assert apdu.describe_sw(0x63C2) == "verification failed or counter query, 2 tries left"
    assert apdu.describe_sw(0x6982) == "security status not satisfied"
    assert apdu.describe_sw(0x6100) == "256 more bytes available"


# --- the application ---


def test_select_and_token_info(jpki_card: JpkiCard, card_transport: InProcessTransport) -> None:
    jpki_card.select()
    assert jpki_card.read_token_info() == "JPKIAPICCTOKEN"
    assert sent(card_transport)[0] == CommandApdu(0x00, 0xA4, 0x04, 0x0C, JPKI_AID)
    assert card_transport.atr == JPKI_CONTACT_ATR


class _NotJpki:
    atr = bytes.fromhex("3B8F8001804F0CA000000306030001000000006A")

    def reset(self) -> None:
        pass

    def process(self, command: bytes) -> bytes:
        return b"\x6a\x82"


def test_a_card_without_the_jpki_ap_is_not_a_jpki_card() -> None:
    card = JpkiCard(InProcessTransport(_NotJpki()))
    with pytest.raises(NotJpkiCardError) as excinfo:
        card.select()
    assert excinfo.value.code == "jpki.not_jpki_card"
    assert "6A82" in excinfo.value.message_en


def test_identified_by_select_not_by_atr(card_keys: CardKeys) -> None:
    """A contactless reader synthesises another ATR: the card must still be recognised."""
    card = JpkiCard(
        InProcessTransport(VirtualJpkiCard(card_keys, atr=bytes.fromhex("3B8880010000000000000000")))
    )
    card.select()
    assert card.read_certificate(CertKind.AUTH_CA) == der(card_keys, CertKind.AUTH_CA)


@pytest.mark.parametrize("kind", [CertKind.AUTH, CertKind.AUTH_CA, CertKind.SIGNATURE_CA])
def test_read_free_certificates_byte_for_byte(
    jpki_card: JpkiCard, card_keys: CardKeys, kind: CertKind
) -> None:
    assert jpki_card.read_certificate(kind) == der(card_keys, kind)


def test_certificate_read_uses_the_der_length_and_chunks(
    jpki_card: JpkiCard, card_transport: InProcessTransport, card_keys: CardKeys
) -> None:
    cert = der(card_keys, CertKind.AUTH)
    assert len(cert) > 512  # several chunks
    jpki_card.read_certificate(CertKind.AUTH)
    reads = [c for c in sent(card_transport) if c.ins == 0xB0]
    assert (reads[0].p1, reads[0].p2, reads[0].le) == (0, 0, 4)
    offsets = [(c.p1 << 8) | c.p2 for c in reads]
    lengths = [c.le or 0 for c in reads]
    assert all(n <= 256 for n in lengths)
    assert offsets == [sum(lengths[:i]) for i in range(len(reads))]  # contiguous
    assert sum(lengths) == len(cert)  # never past the certificate, though the EF is larger


def test_signature_certificate_needs_the_password(
    jpki_card: JpkiCard, virtual_card: VirtualJpkiCard, card_keys: CardKeys
) -> None:
    with pytest.raises(SecurityStatusError) as excinfo:
        jpki_card.read_certificate(CertKind.SIGNATURE)
    err = excinfo.value
    assert (err.sw, err.code, err.pin) == (0x6982, "jpki.security_status", "signature")
    assert isinstance(err, CardCommandError)
    assert "署名用電子証明書の暗証番号" in err.message_ja
    # The auth PIN does not open it either.
    jpki_card.verify(PinKind.AUTH, "1234")
    with pytest.raises(SecurityStatusError):
        jpki_card.read_certificate(CertKind.SIGNATURE)
    jpki_card.verify(PinKind.SIGNATURE, "ABC123")
    assert jpki_card.read_certificate(CertKind.SIGNATURE) == der(card_keys, CertKind.SIGNATURE)


def test_empty_certificate_ef_is_reported(card_keys: CardKeys) -> None:
    card = VirtualJpkiCard(card_keys)
    card._binary[apdu.EF_AUTH_CA_CERT] = b"\x00" * 0x800  # a card issued without that certificate
    with pytest.raises(NoCertificateError):
        JpkiCard(InProcessTransport(card)).read_certificate(CertKind.AUTH_CA)


# --- PIN counters ---


def test_tries_read_without_spending(
    jpki_card: JpkiCard, virtual_card: VirtualJpkiCard, card_transport: InProcessTransport
) -> None:
    for _ in range(10):
        assert jpki_card.tries_left(PinKind.AUTH) == 3
        assert jpki_card.tries_left(PinKind.SIGNATURE) == 5
    assert virtual_card.tries_left(PinKind.AUTH) == 3
    verifies = [c for c in sent(card_transport) if c.ins == 0x20]
    assert verifies and all(c.to_bytes() == bytes.fromhex("00200080") for c in verifies)


def test_counter_query_after_success_still_answers_63cx(
    jpki_card: JpkiCard, virtual_card: VirtualJpkiCard
) -> None:
    jpki_card.verify(PinKind.AUTH, "1234")
    assert virtual_card.is_verified(PinKind.AUTH)
    assert jpki_card.tries_left(PinKind.AUTH) == 3
    assert virtual_card.is_verified(PinKind.AUTH)  # the query did not log out


def test_wrong_pin_counts_down_and_a_right_one_restores(
    jpki_card: JpkiCard, virtual_card: VirtualJpkiCard
) -> None:
    with pytest.raises(WrongPinError) as excinfo:
        jpki_card.verify(PinKind.AUTH, "0000")
    assert (excinfo.value.tries_left, excinfo.value.code, excinfo.value.pin) == (2, "jpki.wrong_pin", "auth")
    assert "あと2回" in excinfo.value.message_ja
    assert virtual_card.tries_left(PinKind.AUTH) == 2
    jpki_card.verify(PinKind.AUTH, "1234")
    assert virtual_card.tries_left(PinKind.AUTH) == 3


def test_three_wrong_auth_pins_lock_it_and_the_last_try_needs_confirmation(
    jpki_card: JpkiCard, virtual_card: VirtualJpkiCard, card_transport: InProcessTransport
) -> None:
    for left in (2, 1):
        with pytest.raises(WrongPinError) as excinfo:
            jpki_card.verify(PinKind.AUTH, "0000")
        assert excinfo.value.tries_left == left
    # One try left: refused unless confirmed, and nothing is sent (not even the right PIN).
    before = len(card_transport.exchanges)
    with pytest.raises(LastTryRefusedError) as refused:
        jpki_card.verify(PinKind.AUTH, "1234")
    assert refused.value.code == "jpki.last_try_refused"
    assert [c for c in sent(card_transport)[before:] if c.ins == 0x20 and c.data] == []
    assert virtual_card.tries_left(PinKind.AUTH) == 1
    # Confirmed, and wrong again: locked.
    with pytest.raises(PinBlockedError) as blocked:
        jpki_card.verify(PinKind.AUTH, "0000", confirm_last_try=True)
    assert blocked.value.code == "jpki.pin_blocked"
    assert virtual_card.tries_left(PinKind.AUTH) == 0
    assert jpki_card.tries_left(PinKind.AUTH) == 0
    # Locked: even the right PIN is not sent any more.
    before = len(card_transport.exchanges)
    with pytest.raises(PinBlockedError):
        jpki_card.verify(PinKind.AUTH, "1234", confirm_last_try=True)
    assert [c for c in sent(card_transport)[before:] if c.ins == 0x20 and c.data] == []
    # The card itself refuses too (69 83), and signing stays impossible.
    card = virtual_card
    assert sw(card.process(apdu.select_ef(apdu.EF_AUTH_PIN))) == 0x9000
    assert sw(card.process(apdu.verify(b"1234"))) == 0x6983
    with pytest.raises(SecurityStatusError):
        jpki_card.sign_sha256(KeyKind.AUTH, b"x")
    assert jpki_card.status() == CardStatus(present=True, auth_tries_left=0, signature_tries_left=5)


def test_last_try_confirmed_with_the_right_pin_restores_the_counter(card_keys: CardKeys) -> None:
    virtual = VirtualJpkiCard(card_keys, auth_tries_left=1)
    card = JpkiCard(InProcessTransport(virtual))
    with pytest.raises(LastTryRefusedError):
        card.verify(PinKind.AUTH, "1234")
    card.verify(PinKind.AUTH, "1234", confirm_last_try=True)
    assert virtual.tries_left(PinKind.AUTH) == 3


def test_five_wrong_signature_passwords_lock_it(jpki_card: JpkiCard, virtual_card: VirtualJpkiCard) -> None:
    for left in (4, 3, 2, 1):
        with pytest.raises(WrongPinError) as excinfo:
            jpki_card.verify(PinKind.SIGNATURE, "WRONG1")
        assert (excinfo.value.tries_left, excinfo.value.pin) == (left, "signature")
    with pytest.raises(LastTryRefusedError):
        jpki_card.verify(PinKind.SIGNATURE, "WRONG1")
    with pytest.raises(PinBlockedError) as blocked:
        jpki_card.verify(PinKind.SIGNATURE, "WRONG1", confirm_last_try=True)
    assert blocked.value.pin == "signature"
    assert virtual_card.tries_left(PinKind.SIGNATURE) == 0
    assert jpki_card.tries_left(PinKind.AUTH) == 3  # the other PIN is untouched


def test_locked_pin_reported_as_6983_by_the_counter_query(card_keys: CardKeys) -> None:
    """jpki.md §1.4: a locked PIN may answer 63 C0 or 69 83; both mean blocked."""
    virtual = VirtualJpkiCard(card_keys, auth_tries_left=0, blocked_query_sw=0x6983)
    card = JpkiCard(InProcessTransport(virtual))
    assert card.tries_left(PinKind.AUTH) == 0
    with pytest.raises(PinBlockedError):
        card.verify(PinKind.AUTH, "1234", confirm_last_try=True)


@pytest.mark.parametrize(
    "answer, error",
    [
        (0x6983, PinBlockedError),
        (0x63C0, PinBlockedError),
        (0x63C1, WrongPinError),
        (0x6A86, CardCommandError),
    ],
)
def test_verify_status_words_map_to_typed_errors(answer: int, error: type[JpkiError]) -> None:
    transport = ScriptedTransport((b"", 0x9000), (b"", 0x9000), (b"", 0x63C3), (b"", answer))
    with pytest.raises(error):
        JpkiCard(transport).verify(PinKind.AUTH, "1234")
    assert transport.commands[-1] == apdu.verify(b"1234")  # sent once, never retried


@pytest.mark.parametrize(
    "pin, value", [(PinKind.AUTH, "123"), (PinKind.AUTH, "12345"), (PinKind.AUTH, "12a4"), (PinKind.AUTH, ""),
                   (PinKind.SIGNATURE, "ABC12"), (PinKind.SIGNATURE, "ABC-123"), (PinKind.SIGNATURE, "A" * 17)],
)  # fmt: skip
def test_impossible_pins_are_refused_before_the_card(
    jpki_card: JpkiCard, card_transport: InProcessTransport, pin: PinKind, value: str
) -> None:
    with pytest.raises(PinFormatError) as excinfo:
        jpki_card.verify(pin, value)
    assert excinfo.value.code == "jpki.pin_format"
    assert card_transport.exchanges == []


def test_pin_input_is_normalised() -> None:
    assert encode_pin(PinKind.AUTH, "１２３４") == b"1234"  # full-width digits from a Japanese IME
    assert encode_pin(PinKind.SIGNATURE, " abc123 ") == b"ABC123"
    assert encode_pin(PinKind.SIGNATURE, "ＡＢＣ１２３") == b"ABC123"


def test_lowercase_password_verifies(jpki_card: JpkiCard) -> None:
    jpki_card.verify(PinKind.SIGNATURE, "abc123")


# --- signing ---


@pytest.mark.parametrize("key", [KeyKind.AUTH, KeyKind.SIGNATURE])
def test_sign_with_each_key(jpki_card: JpkiCard, card_keys: CardKeys, key: KeyKind) -> None:
    jpki_card.verify(key.pin, "1234" if key is KeyKind.AUTH else "ABC123")
    signature = jpki_card.sign_sha256(key, b"nonce-123")
    assert len(signature) == 256
    public_key(card_keys, key).verify(signature, b"nonce-123", PKCS1v15(), hashes.SHA256())
    # Other hashes through their own DigestInfo.
    sig512 = jpki_card.sign(key, digest_info("sha512", hashlib.sha512(b"doc").digest()))
    public_key(card_keys, key).verify(sig512, b"doc", PKCS1v15(), hashes.SHA512())


def test_sign_needs_the_keys_own_pin(jpki_card: JpkiCard) -> None:
    with pytest.raises(SecurityStatusError) as excinfo:
        jpki_card.sign_sha256(KeyKind.AUTH, b"x")
    assert excinfo.value.pin == "auth"
    jpki_card.verify(PinKind.AUTH, "1234")
    with pytest.raises(SecurityStatusError) as excinfo:
        jpki_card.sign_sha256(KeyKind.SIGNATURE, b"x")
    assert excinfo.value.pin == "signature"


def test_sign_sequence_is_select_key_then_80_2a(
    jpki_card: JpkiCard, card_transport: InProcessTransport
) -> None:
    jpki_card.verify(PinKind.SIGNATURE, "ABC123")
    jpki_card.sign_sha256(KeyKind.SIGNATURE, b"data")
    tail = sent(card_transport)[-2:]
    assert tail[0] == CommandApdu(0x00, 0xA4, 0x02, 0x0C, b"\x00\x1a")
    assert (tail[1].cla, tail[1].ins, tail[1].p1, tail[1].p2, tail[1].le) == (0x80, 0x2A, 0x00, 0x80, 256)
    assert tail[1].data == digest_info_sha256(b"data")


def test_sign_refuses_a_bare_hash(jpki_card: JpkiCard, card_transport: InProcessTransport) -> None:
    with pytest.raises(ValueError, match="DigestInfo"):
        jpki_card.sign(KeyKind.AUTH, hashlib.sha256(b"x").digest())
    assert card_transport.exchanges == []


def test_card_pads_exactly_what_it_is_given(card_keys: CardKeys, virtual_card: VirtualJpkiCard) -> None:
    """jpki.md §3.4: a bare hash is signed, but only a recovery (not a standard verify) accepts it."""
    digest = hashlib.sha256(b"m").digest()
    card = virtual_card
    for command in (apdu.select_jpki_ap(), apdu.select_ef(apdu.EF_AUTH_PIN), apdu.verify(b"1234")):
        assert sw(card.process(command)) == 0x9000
    assert sw(card.process(apdu.select_ef(apdu.EF_AUTH_KEY))) == 0x9000
    response = card.process(CommandApdu(0x80, 0x2A, 0x00, 0x80, digest, le=256).to_bytes())
    assert sw(response) == 0x9000
    key = public_key(card_keys, KeyKind.AUTH)
    with pytest.raises(InvalidSignature):
        key.verify(response[:-2], b"m", PKCS1v15(), hashes.SHA256())
    assert key.recover_data_from_signature(response[:-2], PKCS1v15(), None) == digest
    assert pkcs1_type1_pad(b"\x01", 16) == bytes.fromhex("0001FFFFFFFFFFFFFFFFFFFFFFFF0001")


def test_reselecting_the_ap_drops_the_verified_state(jpki_card: JpkiCard) -> None:
    jpki_card.verify(PinKind.AUTH, "1234")
    jpki_card.select()
    with pytest.raises(SecurityStatusError):
        jpki_card.sign_sha256(KeyKind.AUTH, b"x")


def test_closing_resets_the_card(jpki_card: JpkiCard, virtual_card: VirtualJpkiCard) -> None:
    jpki_card.verify(PinKind.AUTH, "1234")
    jpki_card.close()
    assert not virtual_card.is_verified(PinKind.AUTH)


# --- removal and status ---


def test_status(jpki_card: JpkiCard) -> None:
    assert jpki_card.status() == CardStatus(present=True, auth_tries_left=3, signature_tries_left=5)


def test_card_removed(jpki_card: JpkiCard, card_transport: InProcessTransport) -> None:
    jpki_card.select()
    card_transport.remove_card()
    with pytest.raises(CardRemovedError) as excinfo:
        jpki_card.read_certificate(CertKind.AUTH)
    assert excinfo.value.code == "jpki.card_removed"
    assert jpki_card.status() == CardStatus(present=False)


# --- T=0 procedure bytes: one place for both transports ---


def test_61xx_get_response_loop(card_keys: CardKeys) -> None:
    virtual = VirtualJpkiCard(card_keys, t0=True, response_chunk=100)
    transport = InProcessTransport(virtual)
    card = JpkiCard(transport)
    card.verify(PinKind.AUTH, "1234")
    signature = card.sign_sha256(KeyKind.AUTH, b"t0")
    public_key(card_keys, KeyKind.AUTH).verify(signature, b"t0", PKCS1v15(), hashes.SHA256())
    responses = [(c.hex().upper(), r[-2:].hex().upper()) for c, r in transport.exchanges[-4:]]
    assert responses[0][1] == "6164"  # the sign command: "100 bytes waiting"
    assert responses[1:] == [("00C0000064", "6164"), ("00C0000064", "6138"), ("00C0000038", "9000")]
    # Certificates read the same in T=0 style.
    assert card.read_certificate(CertKind.AUTH) == der(card_keys, CertKind.AUTH)


def test_6cxx_reissues_with_the_right_le(card_keys: CardKeys) -> None:
    virtual = VirtualJpkiCard(card_keys, t0=True)
    transport = InProcessTransport(virtual)
    JpkiCard(transport).select()
    transport.transmit(apdu.select_ef(apdu.EF_AUTH_CA_CERT))
    ef_size = len(virtual._binary[apdu.EF_AUTH_CA_CERT])
    data, sw1, sw2 = transport.transmit(apdu.read_binary(ef_size - 100, 256))
    assert (len(data), sw1, sw2) == (100, 0x90, 0x00)
    last_two = [c for c, _ in transport.exchanges[-2:]]
    assert [c[-1] for c in last_two] == [0x00, 0x64]  # Le 256, then Le 100 after 6C 64


def test_6cxx_on_a_case_4_command_then_data(card_keys: CardKeys) -> None:
    """T=1 card, client asked for too little: 6C 00, re-sent with Le 256, signature arrives."""
    transport = InProcessTransport(VirtualJpkiCard(card_keys))
    card = JpkiCard(transport)
    card.verify(PinKind.AUTH, "1234")
    transport.transmit(apdu.select_ef(apdu.EF_AUTH_KEY))
    command = CommandApdu(0x80, 0x2A, 0x00, 0x80, digest_info_sha256(b"x"), le=0x80)
    data, sw1, sw2 = transport.transmit(command.to_bytes())
    assert (len(data), sw1, sw2) == (256, 0x90, 0x00)
    assert transport.exchanges[-2][1] == b"\x6c\x00"


def test_endless_61xx_is_cut_off() -> None:
    with pytest.raises(JpkiError):
        transmit_with_procedure_bytes(lambda _apdu: (b"\x00", 0x61, 0x01), apdu.select_jpki_ap())


# --- the virtual card's own rules ---


@pytest.mark.parametrize(
    "commands, expected",
    [
        ([apdu.select_ef(apdu.EF_AUTH_CERT)], 0x6A82),  # no EF before the AP is selected
        ([apdu.select_jpki_ap(), apdu.select_ef(0x0005)], 0x6A82),  # unknown EF
        ([apdu.select_jpki_ap(), apdu.read_binary(0, 4)], 0x6986),  # no current EF
        ([apdu.select_jpki_ap(), apdu.verify()], 0x6986),
        ([apdu.select_jpki_ap(), apdu.select_ef(apdu.EF_AUTH_KEY), apdu.read_binary(0, 4)], 0x6981),
        ([apdu.select_jpki_ap(), apdu.select_ef(apdu.EF_AUTH_CERT), apdu.read_binary(0x7F00, 4)], 0x6B00),
        ([apdu.select_jpki_ap(), apdu.select_ef(apdu.EF_TOKEN_INFO), apdu.read_binary(0x10, 0x20)], 0x6282),
        ([apdu.select_jpki_ap(), apdu.select_ef(apdu.EF_AUTH_CERT), apdu.compute_signature(b"\x01")], 0x6986),
        ([apdu.select_jpki_ap(), apdu.select_ef(apdu.EF_AUTH_PIN), bytes.fromhex("00200081")], 0x6A86),
        ([apdu.select_jpki_ap(), bytes.fromhex("002A9E9A0101")], 0x6D00),  # ISO PSO: not this card's form
        ([apdu.select_jpki_ap(), bytes.fromhex("00CA0100")], 0x6D00),
        ([apdu.select_jpki_ap(), bytes.fromhex("10A4040C0AD392F000260100000001")], 0x6884),
        ([bytes.fromhex("00C0000010")], 0x6985),  # GET RESPONSE with nothing pending
    ],
)
def test_virtual_card_status_words(
    virtual_card: VirtualJpkiCard, commands: list[bytes], expected: int
) -> None:
    *setup, last = commands
    for command in setup:
        assert sw(virtual_card.process(command)) == 0x9000
    assert sw(virtual_card.process(last)) == expected


def test_virtual_card_sign_length_limit(virtual_card: VirtualJpkiCard) -> None:
    for command in (apdu.select_jpki_ap(), apdu.select_ef(apdu.EF_AUTH_PIN), apdu.verify(b"1234")):
        virtual_card.process(command)
    virtual_card.process(apdu.select_ef(apdu.EF_AUTH_KEY))
    assert sw(virtual_card.process(apdu.compute_signature(b"\x01" * 246))) == 0x6700
    assert sw(virtual_card.process(apdu.compute_signature(b"\x01" * 245))) == 0x9000


def test_counters_survive_a_reset_but_verification_does_not(virtual_card: VirtualJpkiCard) -> None:
    card = JpkiCard(InProcessTransport(virtual_card))
    with pytest.raises(WrongPinError):
        card.verify(PinKind.AUTH, "0000")
    card.verify(PinKind.SIGNATURE, "ABC123")
    virtual_card.reset()
    assert virtual_card.tries_left(PinKind.AUTH) == 2
    assert not virtual_card.is_verified(PinKind.SIGNATURE)


def test_virtual_card_has_no_other_application(virtual_card: VirtualJpkiCard) -> None:
    """This card holds no My Number: the APs that would are simply not there."""
    for aid in OTHER_AIDS:
        command = CommandApdu(0x00, 0xA4, 0x04, 0x0C, aid).to_bytes()
        assert sw(virtual_card.process(command)) == 0x6A82


def test_virtual_card_checks_its_pins(card_keys: CardKeys) -> None:
    with pytest.raises(ValueError):
        VirtualJpkiCard(card_keys, auth_pin="12345")
    with pytest.raises(ValueError):
        VirtualJpkiCard(card_keys, signature_password="abc")  # OpenSC needs at least 6


# --- never the text or visual AP ---


def test_a_whole_session_selects_nothing_but_the_jpki_ap(
    jpki_card: JpkiCard, virtual_card: VirtualJpkiCard
) -> None:
    jpki_card.select()
    jpki_card.status()
    jpki_card.read_token_info()
    for kind in (CertKind.AUTH, CertKind.AUTH_CA, CertKind.SIGNATURE_CA):
        jpki_card.read_certificate(kind)
    with pytest.raises(WrongPinError):
        jpki_card.verify(PinKind.AUTH, "0000")
    jpki_card.verify(PinKind.AUTH, "1234")
    jpki_card.verify(PinKind.SIGNATURE, "ABC123")
    jpki_card.read_certificate(CertKind.SIGNATURE)
    jpki_card.sign_sha256(KeyKind.AUTH, b"a")
    jpki_card.sign_sha256(KeyKind.SIGNATURE, b"b")
    commands = [CommandApdu.parse(c) for c in virtual_card.received]
    df_selects = [c for c in commands if c.ins == 0xA4 and c.p1 == 0x04]
    assert df_selects and all(c.data == JPKI_AID for c in df_selects)
    assert not any(aid in raw for raw in virtual_card.received for aid in OTHER_AIDS)
    allowed_efs = {0x0001, 0x0002, 0x0006, 0x000A, 0x000B, 0x0017, 0x0018, 0x001A, 0x001B}
    ef_selects = {int.from_bytes(c.data, "big") for c in commands if c.ins == 0xA4 and c.p1 == 0x02}
    assert ef_selects <= allowed_efs
    assert {c.ins for c in commands} <= {0xA4, 0xB0, 0x20, 0x2A}  # no READ RECORD etc.
    assert len(df_selects) == 1  # selected once: a re-select would drop the verified PINs


def test_no_constant_for_other_aps() -> None:
    """The library cannot select the My Number APs: their AIDs appear nowhere in jpki/."""
    root = Path(__file__).resolve().parents[2] / "jpki"
    patterns = [re.compile(r"[\s,]*".join(f"(?:0x)?{aid[i:i + 1].hex()}" for i in range(len(aid))), re.I)
                for aid in OTHER_AIDS]  # fmt: skip
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for pattern in patterns:
            assert not pattern.search(text), f"{path} mentions another AP's AID"


# --- errors ---


def test_every_error_has_a_stable_code_and_both_languages() -> None:
    errors: list[JpkiError] = [
        NotJpkiCardError(),
        CardRemovedError(),
        WrongPinError(2, "auth"),
        PinBlockedError("signature"),
        LastTryRefusedError("auth"),
        PinFormatError("signature"),
        CardCommandError(0x6A86, "SELECT"),
        SecurityStatusError("READ", "signature"),
        NoCertificateError(),
    ]
    from jpki.errors import CardBusyError, NoCardError, NoReaderError

    errors += [NoReaderError(), NoCardError(), CardBusyError()]
    codes = [e.code for e in errors]
    assert len(set(codes)) == len(codes)
    assert all(c.startswith("jpki.") for c in codes)
    for error in errors:
        assert error.message_ja and error.message_en and error.message_ja != error.message_en
        assert error.message("ja") == error.message_ja and error.message("en") == error.message_en
    assert "1234" not in repr(WrongPinError(2))


# --- PC/SC error codes → typed errors ---


@pytest.mark.parametrize(
    "hresult, during, error",
    [
        (0x8010001D, "list", "NoReaderError"),  # SCARD_E_NO_SERVICE: pcscd not running
        (0x8010002E, "list", "NoReaderError"),  # SCARD_E_NO_READERS_AVAILABLE
        (0x80100009, "connect", "NoReaderError"),  # SCARD_E_UNKNOWN_READER
        (0x8010000C, "connect", "NoCardError"),  # SCARD_E_NO_SMARTCARD
        (0x80100069, "connect", "NoCardError"),  # SCARD_W_REMOVED_CARD
        (0x80100069, "transmit", "CardRemovedError"),
        (0x80100068, "transmit", "CardRemovedError"),  # SCARD_W_RESET_CARD: verified state is lost
        (0x80100017, "transmit", "CardRemovedError"),  # SCARD_E_READER_UNAVAILABLE: reader unplugged
        (0x8010000B, "connect", "CardBusyError"),  # SCARD_E_SHARING_VIOLATION
        (0x80100066, "connect", "NoCardError"),  # SCARD_W_UNRESPONSIVE_CARD
        (0x80100001, "transmit", "JpkiError"),  # anything else
    ],
)
def test_pcsc_errors_are_typed(hresult: int, during: str, error: str) -> None:
    from jpki.transport import _pcsc_error

    assert type(_pcsc_error(hresult, during=during)).__name__ == error


def test_closed_in_process_transport(card_transport: InProcessTransport) -> None:
    card_transport.close()
    with pytest.raises(JpkiError):
        card_transport.transmit(apdu.select_jpki_ap())


# --- the vpcd wire protocol, against a fake vpcd ---


def test_vpcd_protocol(card_keys: CardKeys) -> None:
    import socket
    import struct

    from jpki.testing.vpcd import VpcdCardClient

    def send(conn: socket.socket, payload: bytes) -> None:
        conn.sendall(struct.pack(">H", len(payload)) + payload)

    def receive(conn: socket.socket) -> bytes:
        (length,) = struct.unpack(">H", conn.recv(2, socket.MSG_WAITALL))
        return conn.recv(length, socket.MSG_WAITALL)

    with socket.create_server(("127.0.0.1", 0)) as server:
        virtual = VirtualJpkiCard(card_keys)
        client = VpcdCardClient(virtual, port=server.getsockname()[1])
        thread = client.start(timeout=5)
        conn, _ = server.accept()
        with conn:
            conn.settimeout(5)
            send(conn, b"\x04")  # ATR
            assert receive(conn) == JPKI_CONTACT_ATR
            send(conn, b"\x01")  # power on: no answer
            send(conn, apdu.select_jpki_ap())
            assert receive(conn) == b"\x90\x00"
            send(conn, apdu.select_ef(apdu.EF_AUTH_PIN))
            assert receive(conn) == b"\x90\x00"
            send(conn, apdu.verify(b"1234"))
            assert receive(conn) == b"\x90\x00"
            assert virtual.is_verified(PinKind.AUTH)
            send(conn, b"\x02")  # reset: no answer, verified state gone
            send(conn, b"\x04")
            assert receive(conn) == JPKI_CONTACT_ATR
            assert not virtual.is_verified(PinKind.AUTH)
            send(conn, apdu.select_ef(apdu.EF_AUTH_CERT))
            assert receive(conn) == b"\x6a\x82"  # after a reset the AP must be selected again
        thread.join(timeout=5)  # vpcd closed the connection: the card is "removed"
        assert not thread.is_alive()
        client.close()
