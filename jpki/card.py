"""The JPKI application of a My Number Card, over any :class:`~jpki.transport.Transport`.

    with JpkiCard.open() as card:                       # PC/SC: first reader with a card
        cert = card.read_certificate(CertKind.AUTH)
        card.verify(PinKind.AUTH, "1234")
        signature = card.sign_sha256(KeyKind.AUTH, challenge)

Rules this class keeps (jpki.md §1):

- The card is identified by SELECT of the JPKI AID succeeding, never by its ATR.
- Only the JPKI AP is ever selected; nothing that holds the My Number is read.
- The AP is selected once per session: selecting it again (or a reset) drops a verified PIN.
- The retry counter is read (empty VERIFY, which spends no try) before every VERIFY. With one try
  left it refuses to send the PIN unless the caller passes ``confirm_last_try=True``; it never
  retries by itself.
- Neither PINs nor signed data are logged; logs carry APDU headers and status words only.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from jpki.apdu import (
    EF_TOKEN_INFO,
    MAX_OFFSET,
    MAX_SHORT_LE,
    SW_END_OF_FILE,
    SW_OK,
    SW_PIN_BLOCKED,
    SW_SECURITY_STATUS,
    CertKind,
    CommandApdu,
    KeyKind,
    PinKind,
    compute_signature,
    describe_sw,
    digest_info_hash,
    digest_info_sha256,
    read_binary,
    select_ef,
    select_jpki_ap,
    sw_of,
    tries_from_sw,
    verify,
)
from jpki.errors import (
    CardCommandError,
    CardRemovedError,
    LastTryRefusedError,
    NoCardError,
    NoCertificateError,
    NotJpkiCardError,
    PinBlockedError,
    PinFormatError,
    SecurityStatusError,
    WrongPinError,
)
from jpki.transport import PcscTransport, Transport

__all__ = ["CardStatus", "CertKind", "JpkiCard", "KeyKind", "PinKind", "encode_pin"]

log = logging.getLogger(__name__)

_AUTH_PIN = re.compile(r"[0-9]{4}")
_SIGNATURE_PASSWORD = re.compile(r"[A-Z0-9]{6,16}")
_MAX_CERT_SIZE = MAX_OFFSET + 1


@dataclass(frozen=True)
class CardStatus:
    present: bool
    auth_tries_left: int | None = None
    signature_tries_left: int | None = None


def encode_pin(pin: PinKind, value: str) -> bytes:
    """The bytes the card compares (jpki.md §1.3): NFKC (full-width digits typed in Japanese input
    become ASCII), the signature password upper-cased. Raises PinFormatError for a value that
    cannot be right, so that no try is spent on it.
    """
    text = unicodedata.normalize("NFKC", value).strip()
    if pin is PinKind.SIGNATURE:
        text = text.upper()
    pattern = _AUTH_PIN if pin is PinKind.AUTH else _SIGNATURE_PASSWORD
    if not pattern.fullmatch(text):
        raise PinFormatError(pin.value)
    return text.encode("ascii")


class JpkiCard:
    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        self._selected = False

    @classmethod
    def open(cls, reader: str | None = None, *, exclusive: bool = True) -> JpkiCard:
        """Connect over PC/SC (to ``reader`` or the first reader with a card) and select the JPKI AP."""
        transport = PcscTransport.connect(reader, exclusive=exclusive)
        card = cls(transport)
        try:
            card.select()
        except BaseException:
            transport.close()
            raise
        return card

    def close(self) -> None:
        self._selected = False
        self.transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- plumbing ---

    def _transmit(self, apdu: bytes) -> tuple[bytes, int]:
        try:
            data, sw1, sw2 = self.transport.transmit(apdu)
        except (CardRemovedError, NoCardError):
            self._selected = False
            raise
        sw = sw_of(sw1, sw2)
        log.debug("%s -> %04X (%s)", CommandApdu.parse(apdu).summary, sw, describe_sw(sw))
        return data, sw

    def _command(self, apdu: bytes, what: str, *, pin: PinKind | None = None) -> bytes:
        data, sw = self._transmit(apdu)
        if sw != SW_OK:
            raise self._error(sw, what, pin=pin)
        return data

    @staticmethod
    def _error(sw: int, what: str, *, pin: PinKind | None = None) -> CardCommandError:
        if sw == SW_SECURITY_STATUS:
            return SecurityStatusError(what, pin.value if pin else None)
        return CardCommandError(sw, f"{what} ({describe_sw(sw)})")

    def _ensure_selected(self) -> None:
        if not self._selected:
            self.select()

    # --- the application ---

    def select(self) -> None:
        """SELECT the JPKI AP. A card that refuses is not a (current-generation) My Number Card.

        Selecting the AP drops any verified PIN state on the card.
        """
        _data, sw = self._transmit(select_jpki_ap())
        if sw != SW_OK:
            raise NotJpkiCardError(
                f"This card has no JPKI application (SELECT answered {sw:04X}: {describe_sw(sw)})."
            )
        self._selected = True

    def read_token_info(self) -> str:
        """EF 0006: ``JPKIAPICCTOKEN`` on a card (``JPKIAPGPSETOKEN`` on a phone's secure element)."""
        self._ensure_selected()
        self._command(select_ef(EF_TOKEN_INFO), "SELECT EF 0006")
        raw = self._command(read_binary(0, 0x20), "READ BINARY EF 0006")
        return raw.rstrip(b"\x00 ").decode("ascii", errors="replace")

    def _read(self, offset: int, length: int, kind: CertKind) -> bytes:
        data, sw = self._transmit(read_binary(offset, length))
        if sw == SW_OK or (sw == SW_END_OF_FILE and data):
            return data
        raise self._error(sw, f"READ BINARY {kind.value} certificate", pin=kind.needs_pin)

    def read_certificate(self, kind: CertKind) -> bytes:
        """The DER certificate in ``kind``'s EF.

        The EF is larger than the certificate and stores no length, so the length comes from the
        DER header (first 4 bytes; one more for a 3-byte length) and the rest is read in chunks of
        at most 256 bytes. The signature certificate needs the signature password verified first
        (SecurityStatusError, ``69 82``, otherwise).
        """
        self._ensure_selected()
        fid = kind.fid
        self._command(select_ef(fid), f"SELECT EF {fid:04X}")
        data = bytearray(self._read(0, 4, kind))
        if len(data) < 2 or data[0] != 0x30:
            raise NoCertificateError()
        first = data[1]
        if first < 0x80:
            total = 2 + first
        elif first in (0x81, 0x82, 0x83):
            octets = first & 0x7F
            while len(data) < 2 + octets:
                data += self._read(len(data), 2 + octets - len(data), kind)
            total = 2 + octets + int.from_bytes(data[2 : 2 + octets], "big")
        else:  # indefinite (0x80) or absurd lengths: not a DER certificate
            raise NoCertificateError()
        if total > _MAX_CERT_SIZE:
            raise NoCertificateError()
        del data[total:]
        while len(data) < total:
            chunk = self._read(len(data), min(MAX_SHORT_LE, total - len(data)), kind)
            data += chunk
        return bytes(data[:total])

    def tries_left(self, pin: PinKind) -> int:
        """Tries left for ``pin``, read with an empty VERIFY: no try is spent (jpki.md §1.4)."""
        self._ensure_selected()
        self._command(select_ef(pin.fid), f"SELECT EF {pin.fid:04X}")
        _data, sw = self._transmit(verify())
        tries = tries_from_sw(sw)
        if tries is not None:
            return tries
        if sw == SW_PIN_BLOCKED:
            return 0
        raise CardCommandError(sw, f"VERIFY (counter) ({describe_sw(sw)})")

    def verify(self, pin: PinKind, value: str, *, confirm_last_try: bool = False) -> None:
        """Verify ``pin``. Reads the counter first and never retries.

        Raises PinFormatError (nothing sent), PinBlockedError (no try left, or this one locked it),
        LastTryRefusedError (one try left and ``confirm_last_try`` is False: nothing sent),
        WrongPinError(tries_left).
        """
        encoded = encode_pin(pin, value)
        tries = self.tries_left(pin)  # also leaves the PIN EF selected
        if tries == 0:
            raise PinBlockedError(pin.value)
        if tries == 1 and not confirm_last_try:
            raise LastTryRefusedError(pin.value)
        _data, sw = self._transmit(verify(encoded))
        if sw == SW_OK:
            return
        left = tries_from_sw(sw)
        if left == 0 or sw == SW_PIN_BLOCKED:
            raise PinBlockedError(pin.value)
        if left is not None:
            raise WrongPinError(left, pin.value)
        raise CardCommandError(sw, f"VERIFY ({describe_sw(sw)})")

    def sign(self, key: KeyKind, digest_info: bytes) -> bytes:
        """Have the card sign a DER DigestInfo with ``key`` (its PIN must be verified).

        The card pads the DigestInfo (PKCS#1 v1.5 type 1) and applies the RSA key, so the result is
        a standard RSASSA-PKCS1-v1_5 signature. A bare hash is refused with ValueError: the card
        would sign it, but no standard verifier would accept the result (jpki.md §1.6).
        """
        if digest_info_hash(digest_info) is None:
            raise ValueError("sign() takes a DER DigestInfo (see jpki.apdu.digest_info), not a bare hash")
        self._ensure_selected()
        self._command(select_ef(key.fid), f"SELECT EF {key.fid:04X}")
        return self._command(compute_signature(digest_info), f"SIGN with the {key.value} key", pin=key.pin)

    def sign_sha256(self, key: KeyKind, data: bytes) -> bytes:
        """RSASSA-PKCS1-v1_5 with SHA-256 over ``data`` (hashed here, signed on the card)."""
        return self.sign(key, digest_info_sha256(data))

    def status(self) -> CardStatus:
        """Whether the card is there, and the tries left on both PINs (none spent)."""
        try:
            self._ensure_selected()
            return CardStatus(
                present=True,
                auth_tries_left=self.tries_left(PinKind.AUTH),
                signature_tries_left=self.tries_left(PinKind.SIGNATURE),
            )
        except (CardRemovedError, NoCardError):
            return CardStatus(present=False)
