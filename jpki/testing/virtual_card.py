"""A virtual My Number Card: the JPKI application, as jpki.md §1 and OpenSC's jpki driver know it.

It answers raw command APDUs with ``response || SW1 SW2`` (:meth:`VirtualJpkiCard.process`). Run it
in-process behind :class:`jpki.transport.InProcessTransport` for unit tests, or behind vpcd under a
real pcscd with :mod:`jpki.testing.vpcd`.

What it implements:

- ATR ``3B E0 00 FF 81 31 FE 45 14`` (the contact ATR OpenSC lists);
- SELECT of the JPKI AP by DF name (``00 A4 04 0C``); every other AID answers ``6A 82``. The
  card's other applications (the text and visual APs, which hold the My Number and the card-face
  data) do not exist here at all: this card holds no My Number;
- SELECT EF by file id (``00 A4 02 0C``) inside the AP: the four certificate EFs (0001, 0002,
  000A, 000B), the token info (0006), the PIN EFs (0018, 001B) and the key EFs (0017, 001A); an
  unknown id answers ``6A 82``; before the AP is selected every id does;
- READ BINARY with 15-bit offsets from a file larger than the certificate (padded with 00);
  the signature certificate (0001) answers ``69 82`` until the signature password is verified;
- VERIFY ``00 20 00 80`` on the current PIN EF: the right PIN gives ``90 00`` and restores the
  counter, a wrong one ``63 Cx`` (x tries left); an empty VERIFY reports ``63 Cx`` and spends
  nothing, even after a successful VERIFY; the auth PIN locks after 3 failures, the signature
  password after 5; a locked PIN answers ``69 83`` to VERIFY with data (and, by default,
  ``63 C0`` to the empty query, which OpenSC needs in order to bind);
- the proprietary sign command ``80 2A 00 80 Lc <DigestInfo> 00`` on the current key EF: PKCS#1
  v1.5 type-1 padding of exactly the bytes given, then the raw RSA private-key operation with that
  key; ``69 82`` unless the key's PIN is verified;
- selecting the AP again, a reset or a power-off drops the verified state; the counters persist.

For exercising T=0 handling, ``t0=True`` makes the card answer as a T=0 card would through a
reader that does not fetch responses itself: ``61 xx`` for outgoing data (fetched with
GET RESPONSE, at most ``response_chunk`` bytes at a time) and ``6C xx`` when Le does not match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding

from jpki.apdu import (
    AUTH_PIN_MAX_TRIES,
    CLA_ISO,
    CLA_PROPRIETARY,
    EF_AUTH_CA_CERT,
    EF_AUTH_CERT,
    EF_AUTH_KEY,
    EF_AUTH_PIN,
    EF_SIGNATURE_CA_CERT,
    EF_SIGNATURE_CERT,
    EF_SIGNATURE_KEY,
    EF_SIGNATURE_PIN,
    EF_TOKEN_INFO,
    INS_GET_RESPONSE,
    INS_READ_BINARY,
    INS_SELECT,
    INS_SIGN,
    INS_VERIFY,
    JPKI_AID,
    MAX_SHORT_LE,
    P1_SELECT_DF_NAME,
    P1_SELECT_EF,
    P2_NO_FCI,
    P2_PIN_OF_CURRENT_EF,
    SIGNATURE_PIN_MAX_TRIES,
    SW1_MORE_DATA,
    SW1_WRONG_LE,
    SW_CHAINING_UNSUPPORTED,
    SW_CLA_NOT_SUPPORTED,
    SW_CONDITIONS_NOT_SATISFIED,
    SW_END_OF_FILE,
    SW_FILE_NOT_FOUND,
    SW_INCOMPATIBLE_FILE,
    SW_INS_NOT_SUPPORTED,
    SW_NO_CURRENT_EF,
    SW_OFFSET_OUT_OF_FILE,
    SW_OK,
    SW_PIN_BLOCKED,
    SW_SECURITY_STATUS,
    SW_WRONG_LENGTH,
    SW_WRONG_P1P2,
    CommandApdu,
    PinKind,
)
from jpki.testing.pki import CardKeys

JPKI_CONTACT_ATR = bytes.fromhex("3BE000FF8131FE4514")
TOKEN_INFO = b"JPKIAPICCTOKEN".ljust(0x20, b" ")
# Certificate EFs are larger than the certificates they hold (jpki.md §1.5); the real size is not
# known, so this one is 2 kB, or the certificate rounded up to 256 bytes if that is larger.
CERT_EF_MIN_SIZE = 0x0800

_AUTH_PIN = re.compile(r"[0-9]{4}")
_SIGNATURE_PASSWORD = re.compile(r"[A-Z0-9]{6,16}")


@dataclass
class _Pin:
    value: bytes
    max_tries: int
    tries_left: int


def _sw(sw: int, data: bytes = b"") -> bytes:
    return data + sw.to_bytes(2, "big")


def _cert_ef(der: bytes) -> bytes:
    size = max(CERT_EF_MIN_SIZE, -(-len(der) // 256) * 256)
    return der.ljust(size, b"\x00")


def pkcs1_type1_pad(message: bytes, size: int) -> bytes:
    """EMSA-PKCS1-v1_5 encoding of ``message`` as is: ``00 01 FF..FF 00 message`` (RFC 8017 §9.2)."""
    if len(message) > size - 11:
        raise ValueError("message too long for the key")
    return b"\x00\x01" + b"\xff" * (size - 3 - len(message)) + b"\x00" + message


def raw_rsa_sign(key: rsa.RSAPrivateKey, message: bytes) -> bytes:
    """What the card does: type-1 pad ``message`` and apply the private key (CRT)."""
    numbers = key.private_numbers()
    size = (key.key_size + 7) // 8
    m = int.from_bytes(pkcs1_type1_pad(message, size), "big")
    m1 = pow(m, numbers.dmp1, numbers.p)
    m2 = pow(m, numbers.dmq1, numbers.q)
    h = (numbers.iqmp * (m1 - m2)) % numbers.p
    return (m2 + h * numbers.q).to_bytes(size, "big")


class VirtualJpkiCard:
    """The JPKI AP of a My Number Card, holding ``keys`` (from :mod:`jpki.testing.pki`)."""

    def __init__(
        self,
        keys: CardKeys,
        *,
        auth_pin: str = "1234",
        signature_password: str = "ABC123",
        auth_tries_left: int = AUTH_PIN_MAX_TRIES,
        signature_tries_left: int = SIGNATURE_PIN_MAX_TRIES,
        atr: bytes = JPKI_CONTACT_ATR,
        t0: bool = False,
        response_chunk: int = MAX_SHORT_LE,
        blocked_query_sw: int = 0x63C0,
        record: bool = False,
    ) -> None:
        if not _AUTH_PIN.fullmatch(auth_pin):
            raise ValueError("the auth PIN is 4 digits")
        if not _SIGNATURE_PASSWORD.fullmatch(signature_password):
            raise ValueError("the signature password is 6-16 characters of A-Z and 0-9")
        if not 0 <= auth_tries_left <= AUTH_PIN_MAX_TRIES:
            raise ValueError(f"auth_tries_left must be 0..{AUTH_PIN_MAX_TRIES}")
        if not 0 <= signature_tries_left <= SIGNATURE_PIN_MAX_TRIES:
            raise ValueError(f"signature_tries_left must be 0..{SIGNATURE_PIN_MAX_TRIES}")
        if not 1 <= response_chunk <= MAX_SHORT_LE:
            raise ValueError("response_chunk must be 1..256")
        self.keys = keys
        self._atr = atr
        self.t0 = t0
        self.response_chunk = response_chunk
        self.blocked_query_sw = blocked_query_sw
        self.record = record
        self.received: list[bytes] = []  # every command APDU, when ``record`` is set
        self._binary: dict[int, bytes] = {
            EF_SIGNATURE_CERT: _cert_ef(keys.signature_cert.public_bytes(Encoding.DER)),
            EF_SIGNATURE_CA_CERT: _cert_ef(keys.signature_ca_cert.public_bytes(Encoding.DER)),
            EF_AUTH_CERT: _cert_ef(keys.auth_cert.public_bytes(Encoding.DER)),
            EF_AUTH_CA_CERT: _cert_ef(keys.auth_ca_cert.public_bytes(Encoding.DER)),
            EF_TOKEN_INFO: TOKEN_INFO,
        }
        self._read_needs: dict[int, int] = {EF_SIGNATURE_CERT: EF_SIGNATURE_PIN}
        self._pins: dict[int, _Pin] = {
            EF_AUTH_PIN: _Pin(auth_pin.encode("ascii"), AUTH_PIN_MAX_TRIES, auth_tries_left),
            EF_SIGNATURE_PIN: _Pin(
                signature_password.encode("ascii"), SIGNATURE_PIN_MAX_TRIES, signature_tries_left
            ),
        }
        self._keys: dict[int, tuple[rsa.RSAPrivateKey, int]] = {
            EF_AUTH_KEY: (keys.auth_key, EF_AUTH_PIN),
            EF_SIGNATURE_KEY: (keys.signature_key, EF_SIGNATURE_PIN),
        }
        # Volatile state: what a reset clears.
        self._ap_selected = False
        self._current_ef: int | None = None
        self._verified: set[int] = set()
        self._pending = b""  # T=0: response data waiting for GET RESPONSE

    # --- what tests may look at ---

    @property
    def atr(self) -> bytes:
        return self._atr

    def tries_left(self, pin: PinKind) -> int:
        return self._pins[pin.fid].tries_left

    def is_verified(self, pin: PinKind) -> bool:
        return pin.fid in self._verified

    # --- power ---

    def reset(self) -> None:
        """Warm reset or power-on: back to the MF, nothing verified. Counters are non-volatile."""
        self._ap_selected = False
        self._current_ef = None
        self._verified.clear()
        self._pending = b""

    def power_off(self) -> None:
        self.reset()

    # --- commands ---

    def process(self, apdu: bytes) -> bytes:
        """One command APDU in, ``data || SW1 SW2`` out."""
        if self.record:
            self.received.append(bytes(apdu))
        try:
            cmd = CommandApdu.parse(apdu)
        except ValueError:
            self._pending = b""
            return _sw(SW_WRONG_LENGTH)
        if cmd.cla == CLA_ISO and cmd.ins == INS_GET_RESPONSE:
            return self._get_response(cmd)
        self._pending = b""
        if cmd.cla & 0x10:
            return _sw(SW_CHAINING_UNSUPPORTED)
        if cmd.cla == CLA_PROPRIETARY:
            if cmd.ins == INS_SIGN:
                return self._respond(cmd, *self._sign(cmd))
            return _sw(SW_INS_NOT_SUPPORTED)
        if cmd.cla != CLA_ISO:
            return _sw(SW_CLA_NOT_SUPPORTED)
        if cmd.ins == INS_SELECT:
            return _sw(self._select(cmd))
        if cmd.ins == INS_READ_BINARY:
            return self._read_binary(cmd)
        if cmd.ins == INS_VERIFY:
            return _sw(self._verify(cmd))
        return _sw(SW_INS_NOT_SUPPORTED)

    def _respond(self, cmd: CommandApdu, data: bytes, sw: int) -> bytes:
        """Send outgoing data of a case-4 command, T=1 style or T=0 style."""
        if sw != SW_OK or not data:
            return _sw(sw)
        if cmd.le is not None and cmd.le < len(data) and not self.t0:
            return _sw((SW1_WRONG_LE << 8) | (len(data) % 256))
        if not self.t0:
            return _sw(SW_OK, data)
        self._pending = data
        return _sw((SW1_MORE_DATA << 8) | (min(len(data), self.response_chunk) % 256))

    def _get_response(self, cmd: CommandApdu) -> bytes:
        if not self._pending:
            return _sw(SW_CONDITIONS_NOT_SATISFIED)
        if cmd.p1 or cmd.p2:
            return _sw(SW_WRONG_P1P2)
        available = min(len(self._pending), self.response_chunk)
        wanted = cmd.le or MAX_SHORT_LE
        if wanted > available:
            return _sw((SW1_WRONG_LE << 8) | (available % 256))
        out, self._pending = self._pending[:wanted], self._pending[wanted:]
        if self._pending:
            more = min(len(self._pending), self.response_chunk)
            return _sw((SW1_MORE_DATA << 8) | (more % 256), out)
        return _sw(SW_OK, out)

    def _select(self, cmd: CommandApdu) -> int:
        if cmd.p1 == P1_SELECT_DF_NAME:
            if cmd.p2 not in (P2_NO_FCI, 0x00):
                return SW_WRONG_P1P2
            if cmd.data != JPKI_AID:
                return SW_FILE_NOT_FOUND  # no other application exists on this card
            self.reset()
            self._ap_selected = True
            return SW_OK
        if cmd.p1 == P1_SELECT_EF:
            if cmd.p2 not in (P2_NO_FCI, 0x00):
                return SW_WRONG_P1P2
            if len(cmd.data) != 2:
                return SW_WRONG_LENGTH
            fid = int.from_bytes(cmd.data, "big")
            if not self._ap_selected or not (fid in self._binary or fid in self._pins or fid in self._keys):
                return SW_FILE_NOT_FOUND
            self._current_ef = fid
            return SW_OK
        return SW_WRONG_P1P2

    def _read_binary(self, cmd: CommandApdu) -> bytes:
        if cmd.data or cmd.le is None:
            return _sw(SW_WRONG_LENGTH)
        if cmd.p1 & 0x80:  # short-EF addressing: not offered by this card
            return _sw(SW_WRONG_P1P2)
        fid = self._current_ef
        if fid is None:
            return _sw(SW_NO_CURRENT_EF)
        if fid not in self._binary:
            return _sw(SW_INCOMPATIBLE_FILE)
        needs = self._read_needs.get(fid)
        if needs is not None and needs not in self._verified:
            return _sw(SW_SECURITY_STATUS)
        content = self._binary[fid]
        offset = (cmd.p1 << 8) | cmd.p2
        if offset >= len(content):
            return _sw(SW_OFFSET_OUT_OF_FILE)
        available = len(content) - offset
        if cmd.le > available:
            if self.t0:
                return _sw((SW1_WRONG_LE << 8) | (available % 256))
            return _sw(SW_END_OF_FILE, content[offset:])
        return _sw(SW_OK, content[offset : offset + cmd.le])

    def _verify(self, cmd: CommandApdu) -> int:
        if cmd.p1 != 0x00 or cmd.p2 != P2_PIN_OF_CURRENT_EF:
            return SW_WRONG_P1P2
        pin = self._pins.get(self._current_ef) if self._current_ef is not None else None
        if pin is None or self._current_ef is None:
            return SW_NO_CURRENT_EF
        if not cmd.data:  # the counter query: spends nothing, never answers 90 00
            return self.blocked_query_sw if pin.tries_left == 0 else 0x63C0 | pin.tries_left
        if pin.tries_left == 0:
            return SW_PIN_BLOCKED
        if cmd.data == pin.value:
            pin.tries_left = pin.max_tries
            self._verified.add(self._current_ef)
            return SW_OK
        pin.tries_left -= 1
        self._verified.discard(self._current_ef)
        return 0x63C0 | pin.tries_left

    def _sign(self, cmd: CommandApdu) -> tuple[bytes, int]:
        if cmd.p1 != 0x00 or cmd.p2 != 0x80:
            return b"", SW_WRONG_P1P2
        entry = self._keys.get(self._current_ef) if self._current_ef is not None else None
        if entry is None:
            return b"", SW_NO_CURRENT_EF
        key, pin_fid = entry
        if pin_fid not in self._verified:
            return b"", SW_SECURITY_STATUS
        if not cmd.data or len(cmd.data) > (key.key_size + 7) // 8 - 11:
            return b"", SW_WRONG_LENGTH
        return raw_rsa_sign(key, cmd.data), SW_OK
