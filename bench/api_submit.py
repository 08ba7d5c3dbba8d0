"""The application API through gunicorn on loopback: signed submissions per second next to the same
server's trivial authenticated call (issue #7).

Run by ``make bench`` (scripts/bench.sh starts a throwaway PostgreSQL and Redis and migrates). By
hand, against a migrated PostgreSQL and a Redis::

    DATABASE_URL=postgresql://app:app@127.0.0.1:54339/app REDIS_URL=redis://127.0.0.1:6399/0 \\
        .venv/bin/python -m bench.api_submit [--seconds 10] [--rounds 5] [--workers 4] [--clients 8] [--signers 8]

Sets up, in the database of DATABASE_URL: a fresh test PKI's two roots pinned (the fingerprints go
to the server in JPKI_PINNED_FINGERPRINTS) and loaded with a current CRL each, an operator with a
credential allowed from 127.0.0.0/8 and a rate limit out of reach, and ``--signers`` registered card
holders. Then starts ``gunicorn backoffice.wsgi:application`` (sync workers, as the image runs it)
on a free loopback port with the same environment, and measures with ``--clients`` threads, each
on its own connection (the sync worker closes it after every response, so each request connects):

  ping    GET /api/v1/ping: operator authentication, rate limit, the per-call audit event;
  submit  POST /api/v1/applications: a signed extension with a PDF and a JPEG photo, each one a
          distinct payload (another notification e-mail) under a distinct Idempotency-Key, the
          signers taken round-robin. The detached CMS of every request is built before the clock
          starts, so only the server's work is timed. A warm-up of a few submissions per signer per
          worker leaves the signers' chain validations in the workers' cache (jpki.verify), so the
          measured case is "known signers, chains cached, revocation checked against a current CRL".

The two alternate in ``--rounds`` slices of ``--seconds`` per endpoint in all, so that other load
on the machine falls on both alike. Every response is checked (200 for ping, 201 for a submission)
and counted, and the stored submissions are counted against the 201s: any other answer is printed
with its body and the server's log, and the figures are marked invalid. Figures are printed, never
asserted.
"""

# ruff: noqa: E402  (django.setup() must run before the project's imports)
from __future__ import annotations

import argparse
import hashlib
import http.client
import io
import json
import math
import os
import secrets
import signal
import socket
import string
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding

from jpki.testing.pki import CardKeys, Person, TestPki, default_pki

# The server trusts exactly this run's test roots: pinned here (for loading them) and in the
# server's environment, before the settings are read.
PKI: TestPki = default_pki()


def _der(cert: Any) -> bytes:
    return bytes(cert.public_bytes(Encoding.DER))


def _fingerprint(cert: Any) -> str:
    return hashlib.sha256(_der(cert)).hexdigest()


os.environ["JPKI_PINNED_FINGERPRINTS"] = ",".join(_fingerprint(c) for c in (PKI.signature_ca, PKI.auth_ca))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings")

import django

django.setup()

from django.conf import settings
from django.db import connection
from django.utils import timezone
from reportlab.pdfgen import canvas  # type: ignore[import-untyped]

from applications import api_credentials
from applications.api.canonical import canonical
from applications.api_models import ApiSubmission, OperatorStatus, ServiceOperator
from backoffice.access.roles import Role
from backoffice.accounts.models import User
from individuals import card_trust
from individuals.card_models import CardholderRegistration, CardholderRole
from individuals.card_services import _identity_key
from institutions.rules import corporate_number_check_digit
from jpki.cms import detached_signed_data
from jpki.testing.virtual_card import raw_rsa_sign

PING = "/api/v1/ping"
SUBMIT = "/api/v1/applications"
ADMIN = "bench_api_admin"
OPERATOR_BASE = "876543210987"  # the bench operator's corporate number, check digit added below
ADDRESS = "東京都新宿区大久保一丁目2番3号"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def make_pdf() -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "在留期間更新許可申請 添付資料")
    page.save()
    return buffer.getvalue()


PDF = make_pdf()


# --- the data ----------------------------------------------------------------------------------


@dataclass
class Signer:
    registration: CardholderRegistration
    keys: CardKeys


def _letters(n: int, width: int) -> str:
    out = ""
    for _ in range(width):
        n, d = divmod(n, 26)
        out = string.ascii_uppercase[d] + out
    return out


def world(signers: int, run: str) -> tuple[ServiceOperator, str, list[Signer]]:
    """The trusted roots with current CRLs, the operator and its token, and the card holders."""
    admin, _ = User.objects.get_or_create(
        username=ADMIN,
        defaults={"role": Role.ADMINISTRATOR, "email": "bench-api@example.test", "is_staff": True},
    )
    for root in (PKI.signature_ca, PKI.auth_ca):
        card_trust.trust_anchor_load(actor=admin, data=_der(root))
    for kind in ("signature", "authentication"):
        crl = PKI.crl(kind=kind, this_update=timezone.now() - timedelta(minutes=1))
        card_trust.crl_import(actor=admin, data=crl.public_bytes(Encoding.DER))

    number = f"{corporate_number_check_digit(OPERATOR_BASE)}{OPERATOR_BASE}"
    operator = ServiceOperator.objects.filter(corporate_number=number).first()
    if operator is None:
        operator = api_credentials.operator_register(
            actor=admin, name="ベンチ申請サービス株式会社", corporate_number=number, contact_name="山田 花子",
            contact_email="api-bench@example.test", allowed_networks=["127.0.0.0/8"], rate_limit_per_minute=10_000,
        )  # fmt: skip
    # The service allows at most 10,000 calls a minute; ping alone goes faster than that, and the
    # throttle would then answer 429. The bench wants the server's rate, not the limit's.
    ServiceOperator.objects.filter(pk=operator.pk).update(
        rate_limit_per_minute=2_000_000_000, allowed_networks=["127.0.0.0/8"], status=OperatorStatus.ACTIVE
    )
    operator.refresh_from_db()
    _credential, token = api_credentials.credential_issue(actor=admin, operator_id=operator.pk)

    holders = []
    born0 = date(1975, 1, 1) + timedelta(days=secrets.randbelow(5000))
    for i in range(signers):
        name = f"TRAN {run} {_letters(i, 3)}"
        born = born0 + timedelta(days=i)
        keys = PKI.issue_card(Person(name=name, date_of_birth=born, sex=1, address=ADDRESS))
        code = f"8{secrets.randbelow(10**11):011d}"
        user = User.objects.create(
            username=f"bench_api_{run.lower()}_{i}", role=Role.FOREIGN_NATIONAL, display_name=name,
            email=f"bench-signer-{run.lower()}-{i}@example.test",
        )  # fmt: skip
        registration = CardholderRegistration.objects.create(
            user=user, role=CardholderRole.FOREIGN_NATIONAL, auth_code=code, name=name, date_of_birth=born,
            sex="1", address=ADDRESS, identity_key=_identity_key(name, born), phone="090-1234-5678",
            residence_card_number=f"BA{secrets.randbelow(10**8):08d}CD",
            signature_cert_fingerprint=_fingerprint(keys.signature_cert),
            auth_cert_fingerprint=_fingerprint(keys.auth_cert),
            certificate_not_after=keys.signature_cert.not_valid_after_utc,
        )  # fmt: skip
        holders.append(Signer(registration, keys))
    return operator, token, holders


# --- the requests ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""


def multipart(parts: list[tuple[str, str, str, bytes]]) -> tuple[str, bytes]:
    """(name, file name, content type, data) parts as multipart/form-data."""
    boundary = "bench" + secrets.token_hex(12)
    out = io.BytesIO()
    for name, filename, content_type, data in parts:
        out.write(f"--{boundary}\r\n".encode())
        out.write(f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'.encode())
        out.write(f"Content-Type: {content_type}\r\n\r\n".encode())
        out.write(data)
        out.write(b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", out.getvalue()


class Submissions:
    """Signed submissions, built ahead of the clock: the ``n``-th by signer ``n mod len(signers)``."""

    def __init__(self, operator: ServiceOperator, token: str, signers: list[Signer], run: str) -> None:
        self.operator, self.token, self.signers, self.run = operator, token, signers, run
        self.made = 0
        self.files = {"doc1": ("document", "documents.pdf", PDF), "photo": ("photo", "photo.jpg", JPEG)}

    def one(self) -> Request:
        n = self.made
        self.made += 1
        signer = self.signers[n % len(self.signers)]
        r = signer.registration
        until = timezone.localdate() + timedelta(days=60)
        application = {
            "procedure": "extension", "residence_card_number": r.residence_card_number, "subject_name": r.name,
            "nationality": "Viet Nam", "date_of_birth": r.date_of_birth.isoformat(), "sex": "M",
            "status": "engineer_humanities_international", "current_status": "engineer_humanities_international",
            "period_of_stay_until": until.isoformat(), "prefecture": "13", "address": ADDRESS,
            # What makes each payload distinct: the same signed content is refused as a duplicate.
            "notification_email": f"bench-{self.run.lower()}-{n}@example.test",
        }  # fmt: skip
        payload = {
            "type": "zairyu.application/v1", "operator": self.operator.corporate_number, "application": application,
            "attachments": [{"part": part, "kind": kind, "name": name, "sha256": hashlib.sha256(data).hexdigest(),
                             "size": len(data)} for part, (kind, name, data) in self.files.items()],
        }  # fmt: skip
        keys = signer.keys
        signature = detached_signed_data(
            canonical(payload),
            certificate_der=_der(keys.signature_cert),
            sign=lambda digest_info: raw_rsa_sign(keys.signature_key, digest_info),
        )
        parts = [
            ("payload", "payload.json", "application/json", json.dumps(payload, ensure_ascii=False).encode()),
            ("signature", "signature.p7s", "application/pkcs7-signature", signature),
        ]
        parts += [
            (part, part, "application/octet-stream", data) for part, (_k, _n, data) in self.files.items()
        ]
        content_type, body = multipart(parts)
        headers = {
            "Authorization": f"Bearer {self.token}",
            "Idempotency-Key": f"bench-{self.run}-{n:07d}",
            "Content-Type": content_type,
        }
        return Request("POST", SUBMIT, headers, body)

    def batch(self, count: int) -> list[Request]:
        return [self.one() for _ in range(count)]


# --- the server --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """gunicorn with this process's environment (DATABASE_URL, REDIS_URL, ZAIRYU_VAR_DIR, the pins)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="bench-api-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
        sibling = Path(sys.executable).with_name("gunicorn")
        program = [str(sibling)] if sibling.exists() else [sys.executable, "-m", "gunicorn"]
        self.command = [
            *program, "backoffice.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(workers), "--worker-class", "sync", "--timeout", "120", "--no-control-socket",
            "--log-level", "warning",
        ]  # fmt: skip
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, token: str) -> None:
        self.process = subprocess.Popen(
            self.command,
            env=dict(os.environ),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", PING, headers={"Authorization": f"Bearer {token}"})
                response = conn.getresponse()
                body = response.read()
                conn.close()
                if response.status == 200:
                    return
                raise SystemExit(f"ping answered {response.status}: {body[:500]!r}\n{self.log_tail()}")
            except (ConnectionError, OSError):
                time.sleep(0.1)
        raise SystemExit(f"gunicorn did not answer within 60 s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # gunicorn's master stops its workers on TERM
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_tail(self, lines: int = 60) -> str:
        self.log.flush()
        text = Path(self.log.name).read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:]) or "(the server's log is empty)"


# --- the clients -------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    ok: int = 0
    latencies: list[float] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    ran_out: bool = False
    ends: list[float] = field(default_factory=list)

    def add(self, other: Result) -> None:
        self.ok += other.ok
        self.latencies += other.latencies
        self.ends += other.ends
        self.failures.update(other.failures)
        self.samples += other.samples[: 5 - len(self.samples)]
        self.elapsed += other.elapsed
        self.ran_out = self.ran_out or other.ran_out

    @property
    def rate(self) -> float:
        return self.ok / self.elapsed if self.elapsed else 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))] * 1000


class Cursor:
    """The next request to send, shared by the client threads and by successive rounds."""

    def __init__(self, requests: list[Request], *, repeat: bool) -> None:
        self.requests, self.repeat, self.n = requests, repeat, 0

    def next(self) -> Request | None:
        if not self.repeat and self.n >= len(self.requests):
            return None
        self.n += 1
        return self.requests[(self.n - 1) % len(self.requests)]


def drive(name: str, port: int, cursor: Cursor, *, expect: int, seconds: float, clients: int) -> Result:
    """``clients`` threads send the cursor's requests until ``seconds`` have passed or it runs out;
    the time is from the start to the last answer."""
    result = Result(name)
    lock = threading.Lock()
    start = time.perf_counter()
    deadline = start + seconds
    last_end = [start]

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while time.perf_counter() < deadline:
            with lock:
                request = cursor.next()
            if request is None:
                result.ran_out = True
                break
            began = time.perf_counter()
            try:
                conn.request(request.method, request.path, body=request.body or None, headers=request.headers)
                response = conn.getresponse()
                body = response.read()
                status, problem = response.status, ""
                if response.will_close:
                    conn.close()
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                status, body, problem = 0, b"", f"{type(exc).__name__}: {exc}"
            ended = time.perf_counter()
            with lock:
                last_end[0] = max(last_end[0], ended)
                result.ends.append(ended)
                if status == expect:
                    result.ok += 1
                    result.latencies.append(ended - began)
                else:
                    result.failures[str(status or problem)] += 1
                    if len(result.samples) < 5:
                        result.samples.append(f"{status} {problem}{body[:800].decode(errors='replace')}")
        conn.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.elapsed = last_end[0] - start
    return result


def row(result: Result) -> str:
    failed = sum(result.failures.values())
    return (
        f"{result.name:44} {result.ok:9,} {result.rate:11,.1f} {result.percentile(50):8.1f} "
        f"{result.percentile(95):8.1f} {failed:9,}"
    )


def steady_rate(result: Result) -> float:
    """Answers per second over the second half of a run (the first carries the cold starts)."""
    ends = sorted(result.ends)
    half = ends[len(ends) // 2 :]
    return (len(half) - 1) / (half[-1] - half[0]) if len(half) > 2 and half[-1] > half[0] else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured time per endpoint")
    parser.add_argument("--rounds", type=int, default=5, help="alternations of ping and submit in that time")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    parser.add_argument("--signers", type=int, default=8, help="distinct card holders, taken round-robin")
    args = parser.parse_args()

    if connection.vendor != "postgresql":
        raise SystemExit("Set DATABASE_URL to a migrated PostgreSQL (scripts/bench.sh does): several gunicorn "
                         "workers writing to SQLite measure its file lock, not the API.")  # fmt: skip
    # As compose.yaml runs the web service: a worker keeps its database connection for a minute.
    os.environ.setdefault("DATABASE_CONN_MAX_AGE", "60")

    run = "".join(secrets.choice(string.ascii_uppercase) for _ in range(6))
    operator, token, signers = world(args.signers, run)
    submissions = Submissions(operator, token, signers, run)
    started = time.perf_counter()
    # Every signer several times over per worker, so that each worker has validated each chain.
    warm = submissions.batch(max(100, args.signers * args.workers * 3))
    build_rate = len(warm) / (time.perf_counter() - started)
    connection.close()  # nothing held open here while the server runs

    ping = Cursor([Request("GET", PING, {"Authorization": f"Bearer {token}"})], repeat=True)
    server = Server(args.workers)
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    kw: dict[str, Any] = {"port": server.port, "clients": args.clients}
    slice_ = args.seconds / args.rounds
    warm_ping, warm_submit = Result("warm-up: GET ping"), Result("warm-up: POST signed submission")
    pinged, submitted = Result("GET /api/v1/ping"), Result("POST /api/v1/applications (signed)")
    try:
        server.start(token)
        warm_ping.add(drive(warm_ping.name, cursor=ping, expect=200, seconds=2.0, **kw))
        warm_submit.add(
            drive(warm_submit.name, cursor=Cursor(warm, repeat=False), expect=201, seconds=600, **kw)
        )
        # The clock stops early if the prepared submissions run out: prepare half again what the
        # warm-up's steady rate would get through.
        needed = math.ceil(steady_rate(warm_submit) * args.seconds * 1.5) + 10 * args.clients
        measured = Cursor(submissions.batch(needed), repeat=False)
        for _ in range(args.rounds):
            pinged.add(drive(pinged.name, cursor=ping, expect=200, seconds=slice_, **kw))
            submitted.add(drive(submitted.name, cursor=measured, expect=201, seconds=slice_, **kw))
    finally:
        server.stop()
        signal.signal(signal.SIGTERM, previous)
        log = server.log_tail()
        Path(server.log.name).unlink(missing_ok=True)

    stored = ApiSubmission.objects.filter(
        operator=operator, idempotency_key__startswith=f"bench-{run}-"
    ).count()
    accepted = warm_submit.ok + submitted.ok
    print(
        f"server: gunicorn, {args.workers} sync workers (backoffice.wsgi:application), DATABASE_CONN_MAX_AGE="
        f"{os.environ['DATABASE_CONN_MAX_AGE']}, PostgreSQL{', Redis' if settings.REDIS_URL else ''}; "
        f"{args.clients} client threads on loopback, a connection per request (sync workers close it); "
        f"{os.cpu_count()} CPUs shared by server, database and clients"
    )
    print(
        f"submission: extension + PDF ({len(PDF):,} bytes) + JPEG photo; {args.signers} distinct signers round-robin, "
        f"chains validated and cached in the workers by a warm-up of {len(warm)} submissions "
        f"(about {len(warm) / args.signers / args.workers:.0f} per signer per worker); "
        f"revocation checked against a current CRL; requests built beforehand ({build_rate:,.0f}/s client-side)"
    )
    print(f"measured: {args.rounds} alternating rounds of {slice_:.1f} s per endpoint")
    print(f"{'measurement':44} {'answers':>9} {'per second':>11} {'p50 ms':>8} {'p95 ms':>8} {'failures':>9}")
    for result in (warm_ping, warm_submit, pinged, submitted):
        print(row(result))
    if submitted.ran_out:
        print(
            f"(the {needed:,} prepared submissions ran out: the rate is over the {submitted.elapsed:.1f} s they took)"
        )
    print(f"stored: {stored:,} API submissions from this run, for {accepted:,} answers 201")

    failed = [r for r in (warm_ping, warm_submit, pinged, submitted) if r.failures]
    invalid = bool(failed) or stored != accepted
    if invalid:
        print("INVALID: not every request succeeded, so these figures do not measure the API")
        for r in failed:
            print(f"  {r.name}: {dict(r.failures)}")
            for sample in r.samples:
                print(f"    {sample}")
        print("server log (tail):")
        print(log)
    ratio = submitted.rate / pinged.rate if pinged.rate else float("nan")
    print(
        f"{'INVALID ' if invalid else ''}ratio: {submitted.rate:,.1f} signed submissions/s ÷ {pinged.rate:,.1f} pings/s = {ratio:.3f} "
        f"(a submission costs the server about {1 / ratio if ratio else float('nan'):.1f} pings)"
    )


if __name__ == "__main__":
    main()
