"""Put the virtual My Number Card into a virtual reader: the card side of the vpcd protocol.

Debian's ``vsmartcard-vpcd`` is a pcscd reader driver that listens on TCP (port 35963 for slot 0,
35964 for slot 1, on all interfaces) and shows up as ``Virtual PCD 00 00`` / ``Virtual PCD 00 01``.
A virtual card connects to it; while the connection lasts, the card is "inserted". Messages in both
directions are a 2-byte big-endian length and a payload (jpki.md §5.1):

- one-byte control messages from vpcd: ``00`` power off, ``01`` power on, ``02`` reset, ``04`` send
  the ATR (only this one is answered, with the ATR);
- anything longer is a command APDU, answered with one response APDU.

Run ``python -m jpki.testing.vpcd --help`` for the options.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import signal
import socket
import struct
import sys
import threading
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import FrameType

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from jpki.apdu import CommandApdu
from jpki.testing.pki import CardKeys, default_pki, demo_person
from jpki.testing.virtual_card import VirtualJpkiCard

log = logging.getLogger("jpki.testing.vpcd")

DEFAULT_PORT = 35963  # 0x8C7B, Debian's /etc/reader.conf.d/vpcd
VPCD_CTRL_OFF = 0x00
VPCD_CTRL_ON = 0x01
VPCD_CTRL_RESET = 0x02
VPCD_CTRL_ATR = 0x04


class VpcdCardClient:
    """Connects a :class:`VirtualJpkiCard` to vpcd and answers it until the connection ends.

    ``close()`` (from any thread) pulls the card out of the reader.
    """

    def __init__(
        self,
        card: VirtualJpkiCard,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        *,
        log_apdus: bool = False,
    ) -> None:
        self.card = card
        self.host = host
        self.port = port
        self.log_apdus = log_apdus
        self._sock: socket.socket | None = None
        self._closed = threading.Event()

    def connect(self, timeout: float = 10.0) -> None:
        """Connect to vpcd, retrying until ``timeout`` seconds have passed (pcscd may be starting)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                sock = socket.create_connection((self.host, self.port), timeout=2.0)
                break
            except OSError as exc:
                if time.monotonic() >= deadline or self._closed.is_set():
                    raise ConnectionError(f"vpcd is not listening on {self.host}:{self.port}: {exc}") from exc
                time.sleep(0.1)
        sock.settimeout(None)
        # vpcd writes the length and the payload separately: without these every APDU waits ~40 ms
        # for a delayed ACK (jpki.md §6).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
        self.card.power_off()

    def _quickack(self) -> None:
        quickack = getattr(socket, "TCP_QUICKACK", None)
        if quickack is not None and self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.setsockopt(socket.IPPROTO_TCP, quickack, 1)

    def _recv_exact(self, size: int) -> bytes | None:
        assert self._sock is not None
        buf = bytearray()
        while len(buf) < size:
            try:
                chunk = self._sock.recv(size - len(buf))
            except OSError:
                return None
            if not chunk:
                return None
            buf += chunk
        self._quickack()
        return bytes(buf)

    def _send(self, payload: bytes) -> None:
        assert self._sock is not None
        self._sock.sendall(struct.pack(">H", len(payload)) + payload)

    def serve(self) -> None:
        """Answer vpcd until it closes the connection or :meth:`close` is called."""
        if self._sock is None:
            raise RuntimeError("connect() first")
        try:
            while True:
                header = self._recv_exact(2)
                if header is None:
                    return
                (length,) = struct.unpack(">H", header)
                message = self._recv_exact(length) if length else b""
                if message is None:
                    return
                if len(message) == 1:
                    self._control(message[0])
                    continue
                response = self.card.process(message)
                if self.log_apdus:
                    try:
                        head = CommandApdu.parse(message).summary  # header only: data may be a PIN
                    except ValueError:
                        head = message[:4].hex(" ").upper()
                    log.info("%s -> %s (%d bytes)", head, response[-2:].hex().upper(), len(response) - 2)
                self._send(response)
        except OSError:
            return
        finally:
            self._disconnect()

    def _control(self, code: int) -> None:
        if code == VPCD_CTRL_ATR:
            self._send(self.card.atr)
        elif code == VPCD_CTRL_OFF:
            self.card.power_off()
        elif code in (VPCD_CTRL_ON, VPCD_CTRL_RESET):
            self.card.reset()
        else:
            log.warning("unknown vpcd control byte %02X", code)

    def _disconnect(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        """Remove the card: close the connection (pcscd then reports the card gone)."""
        self._closed.set()
        sock = self._sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def start(self, timeout: float = 10.0) -> threading.Thread:
        """Connect, then serve in a daemon thread; returns the thread. Stop with :meth:`close`."""
        self.connect(timeout)
        thread = threading.Thread(target=self.serve, name=f"vpcd-card-{self.port}", daemon=True)
        thread.start()
        return thread


# --- command line ---


def card_certificates(keys: CardKeys) -> dict[str, x509.Certificate]:
    """The four certificates by file stem (the ``CertKind`` values)."""
    return {
        "auth": keys.auth_cert,
        "auth_ca": keys.auth_ca_cert,
        "signature": keys.signature_cert,
        "signature_ca": keys.signature_ca_cert,
    }


def export_card(
    keys: CardKeys, directory: Path, *, auth_pin: str, signature_password: str, port: int,
    crls: dict[str, bytes] | None = None,
) -> None:  # fmt: skip
    """Write the card's four certificates (``<kind>.der`` and ``.pem``), the CAs' current CRLs
    (``<kind>_ca.crl``, DER, when given) and ``card.json``.

    ``card.json`` is written last, so its presence means the export is complete. No private key
    is written.
    """
    directory.mkdir(parents=True, exist_ok=True)
    for kind, der in (crls or {}).items():
        _write(directory / f"{kind}_ca.crl", der)
    fingerprints = {}
    for kind, cert in card_certificates(keys).items():
        der = cert.public_bytes(Encoding.DER)
        _write(directory / f"{kind}.der", der)
        _write(directory / f"{kind}.pem", cert.public_bytes(Encoding.PEM))
        fingerprints[kind] = hashlib.sha256(der).hexdigest()
    info = {
        "vpcd_port": port,
        "auth_pin": auth_pin,
        "signature_password": signature_password,
        "sha256": fingerprints,
    }
    _write(directory / "card.json", json.dumps(info, indent=2).encode())


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _parser() -> argparse.ArgumentParser:
    default_port = int(os.environ.get("VPCD_PORT", DEFAULT_PORT))
    person = demo_person()
    parser = argparse.ArgumentParser(
        prog="python -m jpki.testing.vpcd",
        description=(
            "Insert a virtual My Number Card (JPKI application only; no My Number) into the vpcd "
            "virtual reader of a running pcscd. The card's certificates come from a test CA with "
            "J-LIS's profile, generated at start-up (jpki.testing.pki.default_pki)."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"""\
The card stays inserted until this program stops (Ctrl-C, SIGTERM) or vpcd closes the connection;
then it reconnects (the card is put back) unless --once is given.

Example, as root on Debian 12 with pcscd, vsmartcard-vpcd and opensc installed:

  pcscd --foreground &            # Debian's /etc/reader.conf.d/vpcd: slot 0 on port 35963
  python -m jpki.testing.vpcd --export-dir /tmp/card &
  opensc-tool -r 0 -n             # prints: jpki
  pkcs15-tool -r 0 --list-certificates --list-pins
  pkcs15-tool -r 0 --verify-pin --auth-id 02 --pin ABC123 --read-certificate 02
  pkcs11-tool --module /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so --list-slots

A private pcscd (what `make test` does; see scripts/services.sh): a reader.conf.d directory with one
file

  FRIENDLYNAME "Virtual PCD"
  DEVICENAME   /dev/null:<port>
  LIBPATH      /usr/lib/pcsc/drivers/serial/libifdvpcd.so

then `pcscd --foreground -c <that directory>` and this program with --port <port>. Port+1 is
slot 1 ("Virtual PCD 00 01"). Only one pcscd can run per machine (/run/pcscd/pcscd.comm).

--export-dir writes auth.der, auth_ca.der, signature.der, signature_ca.der (and .pem) and
card.json (PINs, SHA-256 fingerprints): trust the CA certificates from there, since every start
makes a new test CA. Default person: {person.name}, born {person.date_of_birth}.""",
    )
    parser.add_argument("--host", default="127.0.0.1", help="where vpcd listens (default: %(default)s)")
    parser.add_argument(
        "--port",
        type=int,
        default=default_port,
        help="vpcd port of the slot to use (default: $VPCD_PORT or 35963, slot 0; %(default)s now)",
    )
    parser.add_argument(
        "--pin", default="1234", help="user-authentication PIN, 4 digits (default: %(default)s)"
    )
    parser.add_argument(
        "--password",
        default="ABC123",
        help="signature password, 6-16 of A-Z 0-9 (default: %(default)s; OpenSC needs 6 or more)",
    )
    parser.add_argument("--auth-tries-left", type=int, default=3, help="auth PIN counter at start (0-3)")
    parser.add_argument(
        "--signature-tries-left", type=int, default=5, help="signature password counter at start (0-5)"
    )
    parser.add_argument("--person-name", default=person.name, help="name in the signature certificate")
    parser.add_argument(
        "--birth-date", type=date.fromisoformat, default=person.date_of_birth, help="YYYY-MM-DD"
    )
    parser.add_argument("--sex", type=int, choices=(0, 1, 2, 9), default=person.sex, help="JIS X 0303 code")
    parser.add_argument("--address", default=person.address, help="address in the signature certificate")
    parser.add_argument("--export-dir", type=Path, help="write the certificates and card.json here")
    parser.add_argument(
        "--t0", action="store_true", help="answer T=0 style (61xx / 6Cxx) to exercise clients"
    )
    parser.add_argument("--connect-timeout", type=float, default=30.0, help="seconds to wait for vpcd")
    parser.add_argument("--once", action="store_true", help="exit when vpcd closes the connection")
    parser.add_argument(
        "--log-apdus", action="store_true", help="log each APDU header and status word (never the data)"
    )
    return parser


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s vpcd-card %(message)s", stream=sys.stderr)
    person = dataclasses.replace(
        demo_person(),
        name=args.person_name,
        date_of_birth=args.birth_date,
        sex=args.sex,
        address=args.address,
    )
    keys = default_pki().issue_card(person)
    try:
        card = VirtualJpkiCard(
            keys,
            auth_pin=args.pin,
            signature_password=args.password,
            auth_tries_left=args.auth_tries_left,
            signature_tries_left=args.signature_tries_left,
            t0=args.t0,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.export_dir is not None:
        # A week's CRLs (nothing revoked), so that a server can check revocation for this card.
        now = datetime.now(UTC)
        until = now + timedelta(days=7)
        pki = default_pki()
        crls = {
            "signature": pki.crl(kind="signature", this_update=now, next_update=until),
            "auth": pki.crl(kind="authentication", this_update=now, next_update=until),
        }
        export_card(
            keys, args.export_dir, auth_pin=args.pin, signature_password=args.password, port=args.port,
            crls={name: crl.public_bytes(Encoding.DER) for name, crl in crls.items()},
        )  # fmt: skip
    signal.signal(signal.SIGTERM, _terminate)
    client = VpcdCardClient(card, args.host, args.port, log_apdus=args.log_apdus)
    try:
        while True:
            try:
                client.connect(args.connect_timeout)
            except ConnectionError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 1
            log.info("card inserted into vpcd at %s:%d", args.host, args.port)
            client.serve()
            log.info("vpcd closed the connection (card removed)")
            if args.once:
                return 0
    except KeyboardInterrupt:
        return 0
    finally:
        client.close()


if __name__ == "__main__":
    sys.exit(main())
