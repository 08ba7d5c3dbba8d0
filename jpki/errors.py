"""Typed errors for My Number Card (JPKI) access.

Every error carries a stable ``code`` (for logs, APIs and tests) and a message in Japanese and in
English, so that a caller can show the user something useful without knowing about status words.
None of them ever carries PIN values.
"""

from __future__ import annotations

from typing import ClassVar, Literal

PinName = Literal["auth", "signature"]

# What the card calls each PIN, and what it expects.
_PIN_JA: dict[str, str] = {
    "auth": "利用者証明用電子証明書の暗証番号",
    "signature": "署名用電子証明書の暗証番号",
}
_PIN_EN: dict[str, str] = {"auth": "the user-authentication PIN", "signature": "the signature password"}
_FORMAT_JA: dict[str, str] = {"auth": "数字4桁", "signature": "英字と数字の6〜16文字"}
_FORMAT_EN: dict[str, str] = {"auth": "4 digits", "signature": "6 to 16 letters and digits"}


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


class JpkiError(Exception):
    """Base class. ``code`` is stable; ``message_ja`` / ``message_en`` are for people."""

    code: ClassVar[str] = "jpki.error"
    default_ja: ClassVar[str] = "マイナンバーカードの処理中にエラーが発生しました。"
    default_en: ClassVar[str] = "An error occurred while using the My Number Card."

    def __init__(self, message_en: str | None = None, *, message_ja: str | None = None) -> None:
        self.message_en = message_en or self.default_en
        self.message_ja = message_ja or self.default_ja
        super().__init__(self.message_en)

    def message(self, language: str = "ja") -> str:
        return self.message_ja if language.startswith("ja") else self.message_en


class NoReaderError(JpkiError):
    """No PC/SC reader (or the PC/SC service itself is not running)."""

    code = "jpki.no_reader"
    default_ja = "ICカードリーダーが見つかりません。リーダーを接続してください。"
    default_en = "No smart card reader was found. Connect a reader."


class NoCardError(JpkiError):
    """A reader is there but holds no card."""

    code = "jpki.no_card"
    default_ja = "カードが見つかりません。マイナンバーカードをリーダーに置いてください。"
    default_en = "No card was found. Put the My Number Card on the reader."


class CardRemovedError(JpkiError):
    """The card went away (or was reset by another program) during a session."""

    code = "jpki.card_removed"
    default_ja = "カードが取り外されました。カードを置き直して、最初からやり直してください。"
    default_en = "The card was removed. Put it back and start again."


class CardBusyError(JpkiError):
    """Another program holds the card exclusively."""

    code = "jpki.card_busy"
    default_ja = "ほかのプログラムがカードを使用中です。そのプログラムを終了してから、やり直してください。"
    default_en = "Another program is using the card. Close it and try again."


class NotJpkiCardError(JpkiError):
    """The card does not have the JPKI application (not a My Number Card, or not this generation)."""

    code = "jpki.not_jpki_card"
    default_ja = "このカードはマイナンバーカード（公的個人認証）として読み取れません。"
    default_en = "This card cannot be read as a My Number Card (JPKI application not found)."


class _PinError(JpkiError):
    def __init__(self, pin: PinName, message_en: str, message_ja: str) -> None:
        self.pin: PinName = pin
        super().__init__(message_en, message_ja=message_ja)


class WrongPinError(_PinError):
    """The card rejected the PIN; ``tries_left`` tries remain (never 0: that is PinBlockedError)."""

    code = "jpki.wrong_pin"

    def __init__(self, tries_left: int, pin: PinName = "auth") -> None:
        self.tries_left = tries_left
        super().__init__(
            pin,
            f"{_cap(_PIN_EN[pin])} is wrong. {tries_left} {'try' if tries_left == 1 else 'tries'} "
            "left before the card locks it.",
            f"{_PIN_JA[pin]}が違います。あと{tries_left}回間違えるとロックされます。",
        )


class PinBlockedError(_PinError):
    """The PIN is locked on the card; only a municipal office can unlock it."""

    code = "jpki.pin_blocked"

    def __init__(self, pin: PinName = "auth") -> None:
        super().__init__(
            pin,
            f"{_cap(_PIN_EN[pin])} is locked on the card. It can be unlocked at the municipal office.",
            f"{_PIN_JA[pin]}はロックされています。市区町村の窓口でロックを解除してください。",
        )


class LastTryRefusedError(_PinError):
    """One try is left; the client refuses to spend it without explicit confirmation."""

    code = "jpki.last_try_refused"

    def __init__(self, pin: PinName = "auth") -> None:
        self.tries_left = 1
        super().__init__(
            pin,
            f"Only one try is left for {_PIN_EN[pin]}. If it is wrong, the card locks it; "
            "confirm explicitly to use the last try.",
            f"{_PIN_JA[pin]}の残り回数があと1回です。間違えるとロックされます。"
            "確認のうえ、明示的に実行してください。",
        )


class PinFormatError(_PinError):
    """The value cannot be a valid PIN; nothing was sent to the card and no try was spent."""

    code = "jpki.pin_format"

    def __init__(self, pin: PinName = "auth") -> None:
        super().__init__(
            pin,
            f"Enter {_PIN_EN[pin]} ({_FORMAT_EN[pin]}).",
            f"{_PIN_JA[pin]}（{_FORMAT_JA[pin]}）を入力してください。",
        )


class CardCommandError(JpkiError):
    """The card answered a command with an unexpected status word ``sw`` (e.g. 0x6A82)."""

    code = "jpki.card_command"

    def __init__(
        self, sw: int, command: str = "", message_en: str | None = None, message_ja: str | None = None
    ):
        self.sw = sw
        self.command = command
        what = f"{command}: " if command else ""
        super().__init__(
            message_en or f"The card refused the command ({what}status {sw:04X}).",
            message_ja=message_ja or f"カードがコマンドを受け付けませんでした（{what}ステータス {sw:04X}）。",
        )


class SecurityStatusError(CardCommandError):
    """``69 82``: the command needs a PIN verified first (e.g. the signature certificate)."""

    code = "jpki.security_status"

    def __init__(self, command: str = "", pin: PinName | None = None) -> None:
        self.pin = pin
        if pin is None:
            ja, en = "暗証番号の照合が必要です。", "The PIN must be verified first."
        else:
            ja = f"先に{_PIN_JA[pin]}の照合が必要です。"
            en = f"{_cap(_PIN_EN[pin])} must be verified first."
        super().__init__(0x6982, command, message_en=en, message_ja=ja)


class NoCertificateError(JpkiError):
    """The certificate file holds no certificate (e.g. a card issued without a signature certificate)."""

    code = "jpki.no_certificate"
    default_ja = "カードに電子証明書が格納されていません。"
    default_en = "The card holds no such certificate."
