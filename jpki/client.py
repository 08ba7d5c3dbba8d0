"""``zairyu-card``: the card client for the user's PC (§13 D6).

It reads the My Number Card over PC/SC, signs the server's one-time nonce with the card, and posts
the signature and the certificate. The PIN or password is asked with getpass, handed to the card
and forgotten: it is never stored, logged or sent to the server. Messages come in Japanese or
English (``--lang``, else the LANG environment variable).

    zairyu-card readers
    zairyu-card register --server https://... [--role foreign_national] [--email ...] [--phone ...]
                         [--residence-card AB12345678CD | --relationship spouse]
    zairyu-card login --server https://... --id ABCD-EFGH-JKLM
    zairyu-card relink --server https://... --id ABCD-EFGH-JKLM      (a new card)

Registration and re-linking sign with both keys of the card (the signature password, then the
4-digit PIN): the signature certificate says who you are, the authentication certificate is what
your later logins present.
"""

from __future__ import annotations

import argparse
import base64
import getpass
import http.cookiejar
import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from jpki.card import CertKind, JpkiCard, KeyKind, PinKind
from jpki.errors import JpkiError
from jpki.transport import PcscTransport, Transport, list_readers

NONCE_PATH = "/individuals/card/nonce/"
IDENTIFY_PATH = "/individuals/card/identify/"
COMPLETE_PATH = "/individuals/card/complete/"
LOGIN_PATH = "/individuals/card/login/"
RELINK_PATH = "/individuals/card/relink/"
ROLES = ("foreign_national", "legal_representative", "relative")

TEXT: dict[str, tuple[str, str]] = {
    # key: (Japanese, English)
    "no_readers": ("カードリーダーが見つかりません。", "No card reader found."),
    "reader": ("リーダー", "Reader"),
    "no_card": ("カードなし", "no card"),
    "not_jpki": ("マイナンバーカードではありません", "not a My Number Card"),
    "tries": ("利用者証明用暗証番号 残り{auth}回・署名用パスワード 残り{sign}回",
              "authentication PIN: {auth} tries left, signature password: {sign} tries left"),
    "ask_password": ("署名用電子証明書のパスワード（6〜16桁の英数字）: ",
                     "Signature certificate password (6-16 letters and digits): "),
    "ask_pin": ("利用者証明用電子証明書の暗証番号（数字4桁）: ", "Authentication PIN (4 digits): "),
    "last_try": ("残り1回です。間違えるとロックされ、市区町村の窓口での手続が必要になります。続けますか？ [y/N] ",
                 "One try left. If it is wrong the card locks and must be reset at your city office. Continue? [y/N] "),
    "stopped": ("中止しました。暗証番号は入力していません。", "Stopped. The card was not asked."),
    "ask": ("{label}: ", "{label}: "),
    "email": ("メールアドレス", "E-mail address"),
    "phone": ("電話番号", "Phone number"),
    "residence_card": ("在留カード番号（例: AB12345678CD）", "Residence card number (e.g. AB12345678CD)"),
    "relationship": ("本人との関係（parent / minor_guardian / adult_guardian / spouse / child）",
                     "Relationship (parent / minor_guardian / adult_guardian / spouse / child)"),
    "identity": ("カードの署名用電子証明書の内容:\n  氏名: {name}\n  生年月日: {born}\n"
                 "  性別: {sex}\n  住所: {address}",
                 "From your card's signature certificate:\n  Name: {name}\n  Date of birth: {born}\n"
                 "  Sex: {sex}\n  Address: {address}"),
    "relinked": ("新しいカードを登録しました（{name}、認証ID {id}）。",
                 "The new card is linked ({name}, authentication ID {id})."),
    "registered": ("登録しました。認証ID: {id}（{name}）。確認のメールを送りました。",
                   "Registered. Authentication ID: {id} ({name}). A confirmation e-mail was sent."),
    "logged_in": ("ログインしました（{name}）。ブラウザで続けるには次のURLを5分以内に開いてください:\n{url}",
                  "Logged in ({name}). To continue in your browser, open this link within 5 minutes:\n{url}"),
    "server": ("サーバーに接続できません: {error}", "Cannot reach the server: {error}"),
    "refused": ("サーバーが受け付けませんでした: {message}", "The server refused: {message}"),
}  # fmt: skip


@dataclass
class Console:
    """Where the client talks to the person: chosen language, output, and the two prompts."""

    language: str
    out: TextIO
    ask_secret: Callable[[str], str]
    ask: Callable[[str], str]

    def text(self, key: str, **values: Any) -> str:
        ja, en = TEXT[key]
        return (en if self.language == "en" else ja).format(**values)

    def say(self, key: str, **values: Any) -> None:
        print(self.text(key, **values), file=self.out)

    def error(self, exc: JpkiError) -> None:
        print(exc.message_en if self.language == "en" else exc.message_ja, file=self.out)


class Server:
    """JSON over HTTP(S) with one cookie session, so the nonce stays bound to it."""

    def __init__(self, base_url: str, opener: urllib.request.OpenerDirector | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.opener = opener or urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def post(self, path: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(
            self.base_url + path,
            data=json.dumps(payload).encode("utf-8"),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            method="POST",
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            body = exc.read()
            try:
                return exc.code, json.loads(body or b"{}")
            except ValueError:
                return exc.code, {"message_ja": body.decode("utf-8", "replace")[:200]}


def signed_message(purpose: str, nonce: str) -> bytes:
    """What the card signs: the purpose and the server's nonce, so a login signature can never
    be replayed as a registration (and the other way round)."""
    return f"zairyu:{purpose}:{nonce}".encode("ascii")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _verify_pin(card: JpkiCard, console: Console, kind: PinKind, prompt_key: str) -> bool:
    """Ask once; refuse to spend the card's last try unless the person says so."""
    confirm = False
    if card.tries_left(kind) == 1:
        if console.ask(console.text("last_try")).strip().lower() not in {"y", "yes", "はい"}:
            console.say("stopped")
            return False
        confirm = True
    secret = console.ask_secret(console.text(prompt_key))
    try:
        card.verify(kind, secret, confirm_last_try=confirm)
    finally:
        del secret
    return True


def _nonce(server: Server, purpose: str, console: Console) -> str | None:
    status, body = server.post(NONCE_PATH, {"purpose": purpose})
    if status != 200 or "nonce" not in body:
        console.say("refused", message=_message(body, console))
        return None
    return str(body["nonce"])


def _message(body: dict[str, Any], console: Console) -> str:
    key = "message_en" if console.language == "en" else "message_ja"
    return str(body.get(key) or body.get("detail") or body)


def cmd_readers(console: Console) -> int:
    readers = list_readers()
    if not readers:
        console.say("no_readers")
        return 1
    for name in readers:
        try:
            with PcscTransport(reader=name) as transport:
                card = JpkiCard(transport)
                card.select()
                line = console.text(
                    "tries",
                    auth=card.tries_left(PinKind.AUTH),
                    sign=card.tries_left(PinKind.SIGNATURE),
                )
        except JpkiError as exc:
            line = exc.message_en if console.language == "en" else exc.message_ja
        print(f"{console.text('reader')}: {name} — {line}", file=console.out)
    return 0


def _sign_with_both(card: JpkiCard, console: Console, message: bytes) -> dict[str, str] | None:
    """The signature key signs (who you are), then the authentication key (what logs in later)."""
    if not _verify_pin(card, console, PinKind.SIGNATURE, "ask_password"):
        return None
    certificate = card.read_certificate(CertKind.SIGNATURE)
    signature = card.sign_sha256(KeyKind.SIGNATURE, message)
    if not _verify_pin(card, console, PinKind.AUTH, "ask_pin"):
        return None
    auth_certificate = card.read_certificate(CertKind.AUTH)
    auth_signature = card.sign_sha256(KeyKind.AUTH, message)
    return {"certificate": _b64(certificate), "signature": _b64(signature),
            "auth_certificate": _b64(auth_certificate), "auth_signature": _b64(auth_signature)}  # fmt: skip


def _details(args: argparse.Namespace, console: Console) -> dict[str, str]:
    details: dict[str, str] = {"role": args.role}
    for key, value in (("email", args.email), ("phone", args.phone)):
        details[key] = value or console.ask(console.text("ask", label=console.text(key))).strip()
    if args.role == "foreign_national":
        details["residence_card_number"] = (
            args.residence_card
            or console.ask(console.text("ask", label=console.text("residence_card"))).strip()
        )
    else:
        details["relationship"] = (
            args.relationship or console.ask(console.text("ask", label=console.text("relationship"))).strip()
        )
    return details


def cmd_register(args: argparse.Namespace, transport: Transport, server: Server, console: Console) -> int:
    card = JpkiCard(transport)
    card.select()
    nonce = _nonce(server, "register", console)
    if nonce is None:
        return 1
    signed = _sign_with_both(card, console, signed_message("register", nonce))
    if signed is None:
        return 1
    status, identity = server.post(IDENTIFY_PATH, {"nonce": nonce, **signed})
    if status != 200:
        console.say("refused", message=_message(identity, console))
        return 1
    sex = {"1": ("男", "male"), "2": ("女", "female")}.get(str(identity.get("sex")), ("—", "—"))
    console.say("identity", name=identity.get("name"), born=identity.get("date_of_birth"),
                sex=sex[1] if console.language == "en" else sex[0], address=identity.get("address"))  # fmt: skip
    status, body = server.post(
        COMPLETE_PATH, {"token": identity.get("token"), "details": _details(args, console)}
    )
    if status != 201:
        console.say("refused", message=_message(body, console))
        return 1
    console.say("registered", id=body.get("authentication_id"), name=body.get("name"))
    return 0


def cmd_relink(args: argparse.Namespace, transport: Transport, server: Server, console: Console) -> int:
    card = JpkiCard(transport)
    card.select()
    nonce = _nonce(server, "relink", console)
    if nonce is None:
        return 1
    signed = _sign_with_both(card, console, signed_message("relink", nonce))
    if signed is None:
        return 1
    status, body = server.post(RELINK_PATH, {"nonce": nonce, "authentication_id": args.id, **signed})
    if status != 200:
        console.say("refused", message=_message(body, console))
        return 1
    console.say("relinked", id=body.get("authentication_id"), name=body.get("name"))
    return 0


def cmd_login(args: argparse.Namespace, transport: Transport, server: Server, console: Console) -> int:
    card = JpkiCard(transport)
    card.select()
    nonce = _nonce(server, "login", console)
    if nonce is None:
        return 1
    if not _verify_pin(card, console, PinKind.AUTH, "ask_pin"):
        return 1
    certificate = card.read_certificate(CertKind.AUTH)
    signature = card.sign_sha256(KeyKind.AUTH, signed_message("login", nonce))
    status, body = server.post(
        LOGIN_PATH,
        {"nonce": nonce, "certificate": _b64(certificate), "signature": _b64(signature),
         "authentication_id": args.id},
    )  # fmt: skip
    if status != 200:
        console.say("refused", message=_message(body, console))
        return 1
    console.say("logged_in", name=body.get("name"), url=body.get("browser_url", ""))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="zairyu-card", description=__doc__.split("\n\n")[0])
    parser.add_argument("--lang", choices=["ja", "en"], help="language of the messages (default: from LANG)")
    parser.add_argument("--reader", help="the PC/SC reader to use (default: the first with a card)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("readers", help="list card readers and the card's remaining tries")
    register = commands.add_parser("register", help="register with the signature certificate")
    register.add_argument("--server", required=True)
    register.add_argument("--role", choices=ROLES, default="foreign_national")
    register.add_argument("--email")
    register.add_argument("--phone")
    register.add_argument("--residence-card")
    register.add_argument("--relationship")
    login = commands.add_parser("login", help="log in with the authentication certificate")
    login.add_argument("--server", required=True)
    login.add_argument("--id", required=True, help="your authentication ID")
    relink = commands.add_parser("relink", help="link a new card to your registration")
    relink.add_argument("--server", required=True)
    relink.add_argument("--id", required=True, help="your authentication ID")
    return parser


def _language(requested: str | None) -> str:
    if requested:
        return requested
    return "ja" if os.environ.get("LANG", "ja").lower().startswith("ja") else "en"


def main(
    argv: Sequence[str] | None = None,
    *,
    transport_factory: Callable[[str | None], Transport] | None = None,
    console: Console | None = None,
    server_factory: Callable[[str], Server] = Server,
) -> int:
    args = build_parser().parse_args(argv)
    console = console or Console(_language(args.lang), sys.stdout, getpass.getpass, input)
    try:
        if args.command == "readers":
            return cmd_readers(console)
        make_transport = transport_factory or (lambda reader: PcscTransport(reader=reader))
        transport = make_transport(args.reader)
        try:
            server = server_factory(args.server)
            command = {"register": cmd_register, "login": cmd_login, "relink": cmd_relink}[args.command]
            return command(args, transport, server, console)
        finally:
            transport.close()
    except JpkiError as exc:
        console.error(exc)
        return 1
    except urllib.error.URLError as exc:
        console.say("server", error=exc.reason)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
