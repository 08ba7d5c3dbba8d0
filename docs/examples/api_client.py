#!/usr/bin/env python3
"""Example client of the Zairyu application API (docs/api.md): the user signs with the My Number
Card, the service submits. A private service can start from this file; it uses only the standard
library and ``jpki`` (this project's card library, pyscard underneath) to talk to the card.

    api_client.py --server URL --token TOKEN --operator CORPORATE_NUMBER COMMAND ...

    submit APPLICATION.json --attach PART=KIND:FILE ... [--register REGISTER.json] [--filer-role ROLE]
    status NUMBER
    list [--authentication-id 1234-5678-9012]
    supplement NUMBER --supplement ID --attach PART=document:FILE ... [--note TEXT]

APPLICATION.json holds the ``application`` object (the bulk template's fields plus ``procedure``);
KIND is ``document`` (PDF) or ``photo`` (JPEG/PNG). The signature password (署名用電子証明書の
パスワード) is asked on the terminal (or read from standard input when there is none) and goes only
to the card. Answers are printed as JSON; a refusal (RFC 9457 problem) goes to standard error and
the exit status is 1.
"""

from __future__ import annotations

import argparse
import getpass
import hashlib
import json
import secrets
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from jpki.card import CertKind, JpkiCard, KeyKind, PinKind
from jpki.cms import detached_signed_data

# --- 1. the canonical form: RFC 8785 over integers, strings, booleans, null, arrays and objects ---


def canonical(value: Any) -> bytes:
    """The bytes the card signs: keys sorted by UTF-16 code units, no whitespace, UTF-8."""

    def write(item: Any) -> str:
        if isinstance(item, dict):
            keys = sorted(item, key=lambda k: k.encode("utf-16-be"))
            return (
                "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + write(item[k]) for k in keys) + "}"
            )
        if isinstance(item, list):
            return "[" + ",".join(write(i) for i in item) + "]"
        if isinstance(item, float):
            raise ValueError("the API takes integers only")
        return json.dumps(item, ensure_ascii=False)  # str, int, True/False/None as JSON

    return write(value).encode("utf-8")


# --- 2. the signature: a detached CMS SignedData made by the card's signature key ---------------


def sign_with_card(content: bytes, *, reader: str | None, password: str) -> bytes:
    with JpkiCard.open(reader) as card:
        card.verify(PinKind.SIGNATURE, password)
        certificate = card.read_certificate(CertKind.SIGNATURE)
        return detached_signed_data(
            content, certificate_der=certificate, sign=lambda info: card.sign(KeyKind.SIGNATURE, info)
        )


# --- 3. the request: multipart/form-data with payload, signature and the attachments --------------


def multipart(parts: list[tuple[str, str, str, bytes]]) -> tuple[bytes, str]:
    """(name, file name, content type, bytes) → body and its Content-Type."""
    boundary = "----zairyu" + secrets.token_hex(16)
    body = bytearray()
    for name, filename, content_type, data in parts:
        body += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        ).encode()
        body += data + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return bytes(body), f"multipart/form-data; boundary={boundary}"


def call(args: argparse.Namespace, method: str, path: str, body: bytes | None = None,
         headers: dict[str, str] | None = None) -> int:  # fmt: skip
    request = urllib.request.Request(
        args.server.rstrip("/") + path, data=body, method=method,
        headers={"Authorization": f"Bearer {args.token}", "Accept": "application/json", **(headers or {})},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            print(json.dumps(json.loads(response.read()), ensure_ascii=False, indent=2))
            return 0
    except urllib.error.HTTPError as refusal:
        print(refusal.read().decode("utf-8", "replace"), file=sys.stderr)
        return 1


def attachments(specs: list[str]) -> tuple[list[dict[str, Any]], list[tuple[str, str, str, bytes]]]:
    listed, parts = [], []
    for spec in specs:
        part, _, rest = spec.partition("=")
        kind, _, file_name = rest.partition(":")
        data = Path(file_name).read_bytes()
        name = Path(file_name).name
        listed.append({"part": part, "kind": kind, "name": name, "sha256": hashlib.sha256(data).hexdigest(),
                       "size": len(data)})  # fmt: skip
        parts.append((part, name, "application/octet-stream", data))
    return listed, parts


def signed_post(args: argparse.Namespace, path: str, payload: dict[str, Any], files: list[Any]) -> int:
    password = getpass.getpass("Signature certificate password (署名用パスワード): ")
    signature = sign_with_card(canonical(payload), reader=args.reader, password=password)
    body, content_type = multipart([
        ("payload", "payload.json", "application/json", json.dumps(payload, ensure_ascii=False).encode()),
        ("signature", "signature.p7s", "application/pkcs7-signature", signature),
        *files,
    ])  # fmt: skip
    # One key per submission, kept until the answer arrives: a retry after a timeout sends the same
    # key and gets the first answer instead of filing twice.
    key = args.idempotency_key or secrets.token_urlsafe(24)
    return call(args, "POST", path, body, {"Content-Type": content_type, "Idempotency-Key": key})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="api_client.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", required=True)
    parser.add_argument("--token", required=True, help="<key id>.<secret> from the operator's administrator")
    parser.add_argument("--operator", required=True, help="your 13-digit corporate number (法人番号)")
    parser.add_argument("--reader", help="the PC/SC reader (default: the first with a card)")
    parser.add_argument("--idempotency-key", help="repeat a submission's key to retry it safely")
    commands = parser.add_subparsers(dest="command", required=True)
    submit = commands.add_parser("submit")
    submit.add_argument("application", type=Path)
    submit.add_argument("--attach", action="append", default=[], metavar="PART=KIND:FILE")
    submit.add_argument("--register", type=Path, help="JSON: role, email, phone, residence_card_number …")
    submit.add_argument("--filer-role", help="when the signer is registered in several roles")
    commands.add_parser("status").add_argument("number")
    listing = commands.add_parser("list")
    listing.add_argument("--authentication-id", default="")
    supplement = commands.add_parser("supplement")
    supplement.add_argument("number")
    supplement.add_argument("--supplement", type=int, required=True)
    supplement.add_argument("--note", default="")
    supplement.add_argument("--attach", action="append", default=[], metavar="PART=document:FILE")
    args = parser.parse_args(argv)

    if args.command == "status":
        return call(args, "GET", f"/api/v1/applications/{args.number}")
    if args.command == "list":
        query = f"?authentication_id={args.authentication_id}" if args.authentication_id else ""
        return call(args, "GET", f"/api/v1/applications{query}")
    listed, files = attachments(args.attach)
    if args.command == "submit":
        payload: dict[str, Any] = {
            "type": "zairyu.application/v1", "operator": args.operator,
            "application": json.loads(args.application.read_text(encoding="utf-8")), "attachments": listed,
        }  # fmt: skip
        if args.register:
            payload["register"] = json.loads(args.register.read_text(encoding="utf-8"))
        if args.filer_role:
            payload["filer_role"] = args.filer_role
        return signed_post(args, "/api/v1/applications", payload, files)
    payload = {
        "type": "zairyu.supplement/v1", "operator": args.operator, "application": args.number,
        "supplement": args.supplement, "note": args.note, "attachments": listed,
    }  # fmt: skip
    return signed_post(args, f"/api/v1/applications/{args.number}/supplement", payload, files)


if __name__ == "__main__":
    sys.exit(main())
