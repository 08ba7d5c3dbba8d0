"""APDUs of the JPKI application on the My Number Card (jpki.md §1).

Only the JPKI AP is known here. The card's other applications (the text and visual APs, which
hold the My Number and the card-face data) are deliberately absent: there is no constant and no
builder that could select them, and ``tests/jpki/test_card.py`` checks that no such SELECT is ever
sent.

All commands are short ISO 7816-4 APDUs (no extended length anywhere in JPKI).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Final

# --- the application and its files (jpki.md §1.1, §1.3) ---

JPKI_AID: Final = bytes.fromhex("D392F000260100000001")

EF_SIGNATURE_CERT: Final = 0x0001  # 署名用電子証明書: readable only after the signature password
EF_SIGNATURE_CA_CERT: Final = 0x0002
EF_TOKEN_INFO: Final = 0x0006  # "JPKIAPICCTOKEN" padded to 0x20 bytes
EF_AUTH_CERT: Final = 0x000A  # 利用者証明用電子証明書
EF_AUTH_CA_CERT: Final = 0x000B
EF_AUTH_KEY: Final = 0x0017
EF_AUTH_PIN: Final = 0x0018  # 4 digits, 3 tries
EF_SIGNATURE_KEY: Final = 0x001A
EF_SIGNATURE_PIN: Final = 0x001B  # 6-16 of A-Z 0-9, 5 tries

AUTH_PIN_MAX_TRIES: Final = 3
SIGNATURE_PIN_MAX_TRIES: Final = 5


class PinKind(StrEnum):
    AUTH = "auth"  # 利用者証明用電子証明書暗証番号
    SIGNATURE = "signature"  # 署名用電子証明書暗証番号 (the "signature password")

    @property
    def fid(self) -> int:
        return EF_AUTH_PIN if self is PinKind.AUTH else EF_SIGNATURE_PIN

    @property
    def max_tries(self) -> int:
        return AUTH_PIN_MAX_TRIES if self is PinKind.AUTH else SIGNATURE_PIN_MAX_TRIES


class KeyKind(StrEnum):
    AUTH = "auth"
    SIGNATURE = "signature"

    @property
    def fid(self) -> int:
        return EF_AUTH_KEY if self is KeyKind.AUTH else EF_SIGNATURE_KEY

    @property
    def pin(self) -> PinKind:
        return PinKind.AUTH if self is KeyKind.AUTH else PinKind.SIGNATURE


class CertKind(StrEnum):
    AUTH = "auth"  # 利用者証明用電子証明書, EF 000A
    AUTH_CA = "auth_ca"  # its CA certificate, EF 000B
    SIGNATURE = "signature"  # 署名用電子証明書, EF 0001 (needs the signature password)
    SIGNATURE_CA = "signature_ca"  # its CA certificate, EF 0002

    @property
    def fid(self) -> int:
        return _CERT_FIDS[self]

    @property
    def needs_pin(self) -> PinKind | None:
        """The PIN the card wants verified before it lets this certificate be read."""
        return PinKind.SIGNATURE if self is CertKind.SIGNATURE else None


_CERT_FIDS: Final = {
    CertKind.AUTH: EF_AUTH_CERT,
    CertKind.AUTH_CA: EF_AUTH_CA_CERT,
    CertKind.SIGNATURE: EF_SIGNATURE_CERT,
    CertKind.SIGNATURE_CA: EF_SIGNATURE_CA_CERT,
}

# --- instruction bytes ---

CLA_ISO: Final = 0x00
CLA_PROPRIETARY: Final = 0x80
INS_VERIFY: Final = 0x20
INS_SIGN: Final = 0x2A  # with CLA 0x80 and P1P2 0080: JPKI's own COMPUTE DIGITAL SIGNATURE
INS_SELECT: Final = 0xA4
INS_READ_BINARY: Final = 0xB0
INS_GET_RESPONSE: Final = 0xC0

P1_SELECT_EF: Final = 0x02
P1_SELECT_DF_NAME: Final = 0x04
P2_NO_FCI: Final = 0x0C
P2_PIN_OF_CURRENT_EF: Final = 0x80

MAX_SHORT_LE: Final = 256
MAX_OFFSET: Final = 0x7FFF  # READ BINARY P1 bit 8 must stay 0

# --- status words (jpki.md §1.7) ---

SW_OK: Final = 0x9000
SW_END_OF_FILE: Final = 0x6282  # fewer bytes than Le before the end of the file
SW_WRONG_LENGTH: Final = 0x6700
SW_CHAINING_UNSUPPORTED: Final = 0x6884
SW_INCOMPATIBLE_FILE: Final = 0x6981
SW_SECURITY_STATUS: Final = 0x6982
SW_PIN_BLOCKED: Final = 0x6983
SW_CONDITIONS_NOT_SATISFIED: Final = 0x6985
SW_NO_CURRENT_EF: Final = 0x6986
SW_FILE_NOT_FOUND: Final = 0x6A82
SW_WRONG_P1P2: Final = 0x6A86
SW_OFFSET_OUT_OF_FILE: Final = 0x6B00
SW_INS_NOT_SUPPORTED: Final = 0x6D00
SW_CLA_NOT_SUPPORTED: Final = 0x6E00

SW1_MORE_DATA: Final = 0x61  # T=0: "xx more bytes; fetch them with GET RESPONSE"
SW1_WRONG_LE: Final = 0x6C  # T=0: "re-send with Le = xx"
SW1_VERIFY_FAILED: Final = 0x63  # 63 Cx: x tries left

_SW_TEXT: Final = {
    SW_OK: "OK",
    SW_END_OF_FILE: "end of file reached before Le bytes",
    SW_WRONG_LENGTH: "wrong length",
    SW_CHAINING_UNSUPPORTED: "command chaining not supported",
    SW_INCOMPATIBLE_FILE: "command incompatible with the file",
    SW_SECURITY_STATUS: "security status not satisfied",
    SW_PIN_BLOCKED: "authentication method blocked",
    SW_CONDITIONS_NOT_SATISFIED: "conditions of use not satisfied",
    SW_NO_CURRENT_EF: "command not allowed (no current EF)",
    SW_FILE_NOT_FOUND: "file or application not found",
    SW_WRONG_P1P2: "incorrect P1/P2",
    SW_OFFSET_OUT_OF_FILE: "offset outside the file",
    SW_INS_NOT_SUPPORTED: "instruction not supported",
    SW_CLA_NOT_SUPPORTED: "class not supported",
}


def sw_of(sw1: int, sw2: int) -> int:
    return (sw1 << 8) | sw2


def tries_from_sw(sw: int) -> int | None:
    """``63 Cx`` → x (tries left); anything else → None."""
    if sw & 0xFFF0 == 0x63C0:
        return sw & 0x0F
    return None


def describe_sw(sw: int) -> str:
    """A short English description of a status word, for logs and error messages."""
    tries = tries_from_sw(sw)
    if tries is not None:
        return f"verification failed or counter query, {tries} tries left"
    if sw >> 8 == SW1_MORE_DATA:
        return f"{(sw & 0xFF) or 256} more bytes available"
    if sw >> 8 == SW1_WRONG_LE:
        return f"wrong Le, {sw & 0xFF or 256} bytes available"
    return _SW_TEXT.get(sw, "unknown status")


# --- command APDUs ---


@dataclass(frozen=True)
class CommandApdu:
    """A short command APDU. ``le`` is None when absent, else 1..256 (256 is encoded as 00)."""

    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: int | None = None

    def __post_init__(self) -> None:
        for name in ("cla", "ins", "p1", "p2"):
            if not 0 <= getattr(self, name) <= 0xFF:
                raise ValueError(f"{name} must be one byte")
        if len(self.data) > 255:
            raise ValueError("data longer than 255 bytes needs an extended APDU, which JPKI does not use")
        if self.le is not None and not 1 <= self.le <= MAX_SHORT_LE:
            raise ValueError("Le must be 1..256")

    def to_bytes(self) -> bytes:
        out = bytes((self.cla, self.ins, self.p1, self.p2))
        if self.data:
            out += bytes((len(self.data),)) + self.data
        if self.le is not None:
            out += bytes((self.le % 256,))
        return out

    def with_le(self, le: int) -> CommandApdu:
        return replace(self, le=le)

    @classmethod
    def parse(cls, raw: bytes) -> CommandApdu:
        """Parse a short APDU (cases 1-4). Raises ValueError for anything else."""
        if len(raw) < 4:
            raise ValueError("an APDU has at least 4 bytes")
        cla, ins, p1, p2 = raw[:4]
        body = raw[4:]
        if not body:
            return cls(cla, ins, p1, p2)
        if len(body) == 1:
            return cls(cla, ins, p1, p2, le=body[0] or 256)
        lc = body[0]
        if lc == 0:
            raise ValueError("extended-length APDUs are not supported")
        if len(body) == 1 + lc:
            return cls(cla, ins, p1, p2, bytes(body[1:]))
        if len(body) == 2 + lc:
            return cls(cla, ins, p1, p2, bytes(body[1 : 1 + lc]), le=body[-1] or 256)
        raise ValueError("Lc does not match the APDU length")

    @property
    def summary(self) -> str:
        """Header in hex, e.g. ``00 A4 02 0C`` (never the data: it may hold a PIN)."""
        return f"{self.cla:02X} {self.ins:02X} {self.p1:02X} {self.p2:02X}"


def select_jpki_ap() -> bytes:
    """``00 A4 04 0C 0A <JPKI AID>``: select the JPKI application, no FCI."""
    return CommandApdu(CLA_ISO, INS_SELECT, P1_SELECT_DF_NAME, P2_NO_FCI, JPKI_AID).to_bytes()


def select_ef(fid: int) -> bytes:
    """``00 A4 02 0C 02 <FID>``: select an EF inside the current (JPKI) application."""
    if not 0 <= fid <= 0xFFFF:
        raise ValueError("a file id has two bytes")
    return CommandApdu(CLA_ISO, INS_SELECT, P1_SELECT_EF, P2_NO_FCI, fid.to_bytes(2, "big")).to_bytes()


def read_binary(offset: int, length: int) -> bytes:
    """``00 B0 <offset> <Le>``: read ``length`` (1..256) bytes of the current EF."""
    if not 0 <= offset <= MAX_OFFSET:
        raise ValueError("READ BINARY offsets are 15 bits")
    return CommandApdu(CLA_ISO, INS_READ_BINARY, offset >> 8, offset & 0xFF, le=length).to_bytes()


def verify(pin: bytes | None = None) -> bytes:
    """``00 20 00 80 [Lc PIN]`` on the PIN of the current EF.

    Without a PIN (case 1) the card answers ``63 Cx`` with the tries left and spends none.
    """
    return CommandApdu(CLA_ISO, INS_VERIFY, 0x00, P2_PIN_OF_CURRENT_EF, pin or b"").to_bytes()


def get_response(length: int) -> bytes:
    """``00 C0 00 00 <Le>``: fetch data the card announced with ``61 xx``."""
    return CommandApdu(CLA_ISO, INS_GET_RESPONSE, 0x00, 0x00, le=length).to_bytes()


def compute_signature(digest_info: bytes) -> bytes:
    """``80 2A 00 80 Lc <DigestInfo> 00``: sign with the key of the current key EF.

    The card applies PKCS#1 v1.5 type-1 padding to exactly these bytes, so give it a DER
    DigestInfo to get a standard RSASSA-PKCS1-v1_5 signature (jpki.md §1.6).
    """
    if not digest_info:
        raise ValueError("nothing to sign")
    return CommandApdu(CLA_PROPRIETARY, INS_SIGN, 0x00, 0x80, digest_info, le=MAX_SHORT_LE).to_bytes()


# --- DigestInfo (RFC 8017 §9.2 note 1) ---

DIGEST_INFO_PREFIXES: Final = {
    "sha1": bytes.fromhex("3021300906052b0e03021a05000414"),
    "sha224": bytes.fromhex("302d300d06096086480165030402040500041c"),
    "sha256": bytes.fromhex("3031300d060960864801650304020105000420"),
    "sha384": bytes.fromhex("3041300d060960864801650304020205000430"),
    "sha512": bytes.fromhex("3051300d060960864801650304020305000440"),
}


def digest_info(hash_name: str, digest: bytes) -> bytes:
    """The DER DigestInfo for a digest already computed with ``hash_name`` (e.g. "sha256")."""
    prefix = DIGEST_INFO_PREFIXES[hash_name]
    if len(digest) != prefix[-1]:
        raise ValueError(f"a {hash_name} digest has {prefix[-1]} bytes, not {len(digest)}")
    return prefix + digest


def digest_info_sha256(data: bytes) -> bytes:
    """The 51-byte DER DigestInfo of SHA-256(data)."""
    return digest_info("sha256", hashlib.sha256(data).digest())


def digest_info_hash(blob: bytes) -> str | None:
    """The hash name if ``blob`` is a DigestInfo of a supported hash, else None."""
    for name, prefix in DIGEST_INFO_PREFIXES.items():
        if blob.startswith(prefix) and len(blob) == len(prefix) + prefix[-1]:
            return name
    return None
