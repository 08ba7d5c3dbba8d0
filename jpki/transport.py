"""How APDUs reach a card: over PC/SC (pyscard → pcscd → reader) or to an in-process card object.

Both transports share :class:`ApduTransport`, which owns the one place where the ISO 7816 T=0
procedure bytes are handled (jpki.md §4.3): on ``61 xx`` it fetches the rest with GET RESPONSE and
on ``6C xx`` it re-sends the command with Le = xx. pcsc-lite does not do this for us.

PC/SC failures become the typed errors of :mod:`jpki.errors`: no reader (or no PC/SC service), no
card, card removed or reset, card in use by another program.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol, Self

from jpki.apdu import (
    MAX_SHORT_LE,
    SW1_MORE_DATA,
    SW1_WRONG_LE,
    CommandApdu,
    get_response,
)
from jpki.errors import (
    CardBusyError,
    CardRemovedError,
    JpkiError,
    NoCardError,
    NoReaderError,
)

Response = tuple[bytes, int, int]

# At most this many GET RESPONSE rounds for one command (a 256-byte signature needs 1; a card that
# keeps answering 61xx forever must not hang us).
MAX_GET_RESPONSE_ROUNDS = 64


class Transport(Protocol):
    """Sends one command APDU and returns ``(data, sw1, sw2)``."""

    def transmit(self, apdu: bytes) -> Response: ...

    def close(self) -> None: ...


def transmit_with_procedure_bytes(send: Callable[[bytes], Response], apdu: bytes) -> Response:
    """Send ``apdu`` with ``send`` and resolve T=0 ``61xx`` / ``6Cxx`` answers.

    - ``6C xx``: wrong Le; the same command is sent again once with Le = xx (00 = 256).
    - ``61 xx``: xx more bytes are waiting; GET RESPONSE with Le = xx, appending the data, until the
      card answers something other than ``61``.
    """
    data, sw1, sw2 = send(apdu)
    if sw1 == SW1_WRONG_LE:
        try:
            command = CommandApdu.parse(apdu)
        except ValueError:
            return data, sw1, sw2
        data, sw1, sw2 = send(command.with_le(sw2 or MAX_SHORT_LE).to_bytes())
    collected = bytearray(data)
    rounds = 0
    while sw1 == SW1_MORE_DATA:
        rounds += 1
        if rounds > MAX_GET_RESPONSE_ROUNDS:
            raise JpkiError(
                "The card kept announcing more data (61xx); giving up.",
                message_ja="カードの応答が終わりません（61xx が続きました）。",
            )
        data, sw1, sw2 = send(get_response(sw2 or MAX_SHORT_LE))
        if sw1 == SW1_WRONG_LE:  # GET RESPONSE with a wrong Le: ask again for exactly that much
            data, sw1, sw2 = send(get_response(sw2 or MAX_SHORT_LE))
        collected += data
    return bytes(collected), sw1, sw2


class ApduTransport(ABC):
    """Base of both transports: subclasses send raw APDUs, this class handles 61xx/6Cxx."""

    def transmit(self, apdu: bytes) -> Response:
        return transmit_with_procedure_bytes(self._transmit_raw, apdu)

    @abstractmethod
    def _transmit_raw(self, apdu: bytes) -> Response: ...

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


# --- in-process ---


class SimulatedCard(Protocol):
    """What :class:`InProcessTransport` needs from a card object (e.g. ``VirtualJpkiCard``)."""

    @property
    def atr(self) -> bytes: ...

    def reset(self) -> None: ...

    def process(self, apdu: bytes) -> bytes: ...


class InProcessTransport(ApduTransport):
    """Talks to a card object in the same process: for fast unit tests, no pcscd.

    Every raw exchange (including GET RESPONSE and re-sent commands) is recorded in
    ``exchanges`` as ``(command, response)``. :meth:`remove_card` simulates pulling the card.
    Closing resets the card, as :class:`PcscTransport` does.
    """

    def __init__(self, card: SimulatedCard) -> None:
        self.card = card
        self.exchanges: list[tuple[bytes, bytes]] = []
        self._removed = False
        self._closed = False

    @property
    def atr(self) -> bytes:
        return self.card.atr

    def remove_card(self) -> None:
        self._removed = True

    def _transmit_raw(self, apdu: bytes) -> Response:
        if self._removed:
            raise CardRemovedError()
        if self._closed:
            raise JpkiError("The transport is closed.", message_ja="カードとの接続は終了しています。")
        response = self.card.process(apdu)
        self.exchanges.append((apdu, response))
        if len(response) < 2:
            raise CardRemovedError("The card returned no status word.")
        return response[:-2], response[-2], response[-1]

    def close(self) -> None:
        if not self._closed and not self._removed:
            self.card.reset()
        self._closed = True


# --- PC/SC (pyscard) ---


@dataclass(frozen=True)
class ReaderInfo:
    name: str
    card_present: bool
    atr: bytes | None


def _scard() -> Any:
    # Imported lazily so that the in-process path (and `import jpki.card`) works on machines
    # without libpcsclite.
    from smartcard import scard  # type: ignore[import-untyped]

    return scard


def _u32(hresult: int) -> int:
    return hresult & 0xFFFFFFFF


def _pcsc_error(hresult: int, *, during: str) -> JpkiError:
    """Map a PC/SC error code to a typed error. ``during`` is "connect", "transmit" or "list"."""
    s = _scard()
    code = _u32(hresult)
    text = f"{s.SCardGetErrorMessage(hresult).strip()} (0x{code:08X})"
    if code in (_u32(s.SCARD_E_NO_SERVICE), _u32(s.SCARD_E_SERVICE_STOPPED)):
        return NoReaderError(
            f"The PC/SC service (pcscd) is not running: {text}",
            message_ja="ICカードを扱うサービス（pcscd）が動いていません。",
        )
    if code == _u32(s.SCARD_E_NO_READERS_AVAILABLE):
        return NoReaderError()
    if code in (_u32(s.SCARD_E_UNKNOWN_READER), _u32(s.SCARD_E_READER_UNAVAILABLE)):
        return CardRemovedError(f"The reader went away: {text}") if during == "transmit" else NoReaderError()
    if code in (_u32(s.SCARD_E_NO_SMARTCARD), _u32(s.SCARD_W_REMOVED_CARD)):
        return CardRemovedError() if during == "transmit" else NoCardError()
    if code == _u32(s.SCARD_W_RESET_CARD):
        return CardRemovedError(
            "The card was reset by another program; PIN verification was lost. Start again.",
            message_ja="ほかのプログラムがカードをリセットしました。最初からやり直してください。",
        )
    if code in (_u32(s.SCARD_W_UNRESPONSIVE_CARD), _u32(s.SCARD_W_UNPOWERED_CARD)):
        return NoCardError(
            f"The card does not respond: {text}",
            message_ja="カードが応答しません。カードの向きと置き方を確かめてください。",
        )
    if code == _u32(s.SCARD_E_SHARING_VIOLATION):
        return CardBusyError()
    return JpkiError(
        f"PC/SC error during {during}: {text}", message_ja=f"ICカードリーダーのエラーです（{text}）。"
    )


class _Context:
    """A PC/SC context, released on exit."""

    def __init__(self) -> None:
        s = _scard()
        hresult, self.handle = s.SCardEstablishContext(s.SCARD_SCOPE_USER)
        if hresult != s.SCARD_S_SUCCESS:
            raise _pcsc_error(hresult, during="list")

    def reader_names(self) -> list[str]:
        s = _scard()
        hresult, names = s.SCardListReaders(self.handle, [])
        if _u32(hresult) == _u32(s.SCARD_E_NO_READERS_AVAILABLE):
            return []
        if hresult != s.SCARD_S_SUCCESS:
            raise _pcsc_error(hresult, during="list")
        return list(names)

    def reader_states(self) -> list[ReaderInfo]:
        s = _scard()
        names = self.reader_names()
        if not names:
            return []
        hresult, states = s.SCardGetStatusChange(self.handle, 0, [(n, s.SCARD_STATE_UNAWARE) for n in names])
        if hresult != s.SCARD_S_SUCCESS:
            raise _pcsc_error(hresult, during="list")
        out = []
        for name, event_state, atr in states:
            present = bool(event_state & s.SCARD_STATE_PRESENT) and not event_state & s.SCARD_STATE_MUTE
            out.append(
                ReaderInfo(name=name, card_present=present, atr=bytes(atr) if present and atr else None)
            )
        return out

    def release(self) -> None:
        if self.handle is not None:
            _scard().SCardReleaseContext(self.handle)
            self.handle = None


def reader_states() -> list[ReaderInfo]:
    """The PC/SC readers and whether each holds a card (without connecting to any card).

    Raises NoReaderError when the PC/SC service is not running; returns [] when it runs but no
    reader is attached.
    """
    context = _Context()
    try:
        return context.reader_states()
    finally:
        context.release()


def list_readers() -> list[str]:
    """The names of the PC/SC readers ([] if none; NoReaderError if the PC/SC service is down)."""
    return [r.name for r in reader_states()]


class PcscTransport(ApduTransport):
    """A connection to the card in one PC/SC reader.

    ``PcscTransport()`` connects to the first reader that holds a card, ``PcscTransport(reader=name)``
    to that reader. By default the connection is exclusive, so no other PC/SC client can slip a
    command between our VERIFY and our signature; on close the card is reset, which drops any
    verified PIN state.

    Raises NoReaderError (no PC/SC service, no reader, or no reader of that name), NoCardError (the
    reader is empty, or no reader holds a card), CardBusyError (another program holds the card).
    """

    def __init__(self, reader: str | None = None, *, exclusive: bool = True) -> None:
        s = _scard()
        self._lock = threading.Lock()
        self._handle: Any = None
        context = _Context()
        try:
            states = context.reader_states()
            if not states:
                raise NoReaderError()
            if reader is None:
                with_card = [r for r in states if r.card_present]
                if not with_card:
                    raise NoCardError()
                name = with_card[0].name
            else:
                if reader not in {r.name for r in states}:
                    raise NoReaderError(
                        f"No reader named {reader!r}; readers: {', '.join(r.name for r in states)}",
                        message_ja=f"「{reader}」という名前のICカードリーダーが見つかりません。",
                    )
                name = reader
            mode = s.SCARD_SHARE_EXCLUSIVE if exclusive else s.SCARD_SHARE_SHARED
            hresult, handle, protocol = s.SCardConnect(
                context.handle, name, mode, s.SCARD_PROTOCOL_T0 | s.SCARD_PROTOCOL_T1
            )
            if hresult != s.SCARD_S_SUCCESS:
                raise _pcsc_error(hresult, during="connect")
        except BaseException:
            context.release()
            raise
        self._context: _Context | None = context
        self._handle = handle
        self._protocol: int = protocol
        self.reader = name

    @classmethod
    def connect(cls, reader: str | None = None, *, exclusive: bool = True) -> PcscTransport:
        """Same as the constructor."""
        return cls(reader, exclusive=exclusive)

    @property
    def atr(self) -> bytes:
        s = _scard()
        hresult, _reader, _state, _protocol, atr = s.SCardStatus(self._require_handle())
        if hresult != s.SCARD_S_SUCCESS:
            raise _pcsc_error(hresult, during="transmit")
        return bytes(atr)

    @property
    def protocol(self) -> str:
        return "T=0" if self._protocol == _scard().SCARD_PROTOCOL_T0 else "T=1"

    def _require_handle(self) -> Any:
        if self._handle is None:
            raise JpkiError("The card connection is closed.", message_ja="カードとの接続は終了しています。")
        return self._handle

    def _transmit_raw(self, apdu: bytes) -> Response:
        s = _scard()
        with self._lock:
            handle = self._require_handle()
            pci = s.SCARD_PCI_T0 if self._protocol == s.SCARD_PROTOCOL_T0 else s.SCARD_PCI_T1
            hresult, response = s.SCardTransmit(handle, pci, list(apdu))
        if hresult != s.SCARD_S_SUCCESS:
            raise _pcsc_error(hresult, during="transmit")
        if len(response) < 2:
            raise CardRemovedError("The card returned no status word.")
        return bytes(response[:-2]), response[-2], response[-1]

    def close(self) -> None:
        s = _scard()
        with self._lock:
            if self._handle is not None:
                s.SCardDisconnect(self._handle, s.SCARD_RESET_CARD)
                self._handle = None
            if self._context is not None:
                self._context.release()
                self._context = None
