"""Notifications survive a stopped broker: stop Redis, approve, start Redis, the mail arrives once.

The approval's e-mail is written to the outbox in the approval's transaction; handing it to the
worker after commit fails while Redis is down, and that failure must neither undo nor break the
approval. Once Redis is back, the real worker (scripts/services.sh) sends it through
outbox_flush, exactly once."""

from __future__ import annotations

import copy
import email
import email.policy
import os
import shutil
import subprocess
import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.utils import timezone

from backoffice.workbench.models import OutboxMessage
from backoffice.workbench.tasks import outbox_deliver, outbox_flush
from institutions.models import Delegation
from tests.factories import persona_users
from tests.integration.conftest import wait_until
from tests.usage_requests.conftest import GOOD_FACTS
from usage_requests.models import AuthenticationId, RequestState, UsageRequest
from usage_requests.services import usage_request_create, usage_request_transition

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


class Redis:
    """The Redis of scripts/services.sh: stopped and started again the way that script does."""

    def __init__(self) -> None:
        broker = urlsplit(str(settings.CELERY_BROKER_URL))
        self.port = broker.port or 6379
        self.run = Path(os.environ.get("RUN") or Path(settings.BASE_DIR) / "var" / "test-run")
        self.dir = self.run / "redis"

    def ping(self) -> bool:
        done = subprocess.run(
            ["redis-cli", "-p", str(self.port), "ping"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
        return done.stdout.strip() == "PONG"

    def stop(self) -> None:
        subprocess.run(
            ["redis-cli", "-p", str(self.port), "shutdown", "nosave"],
            capture_output=True,
            timeout=10,
            check=False,
        )
        wait_until(lambda: not self.ping(), timeout=10, what=f"Redis on port {self.port} to stop")

    def start(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--daemonize", "yes",
             "--save", "", "--appendonly", "no", "--dir", str(self.dir),
             "--pidfile", str(self.dir / "redis.pid"), "--logfile", str(self.dir / "redis.log")],
            check=True, timeout=10,
        )  # fmt: skip
        wait_until(self.ping, timeout=10, what=f"Redis on port {self.port} to start")
        wait_until((self.dir / "redis.pid").is_file, timeout=5, what="Redis's pid file")
        # services.sh down stops the Redis whose pid is in $RUN/redis.pid.
        shutil.copyfile(self.dir / "redis.pid", self.run / "redis.pid")


def _worker_answers() -> bool:
    from backoffice.celery import app

    try:
        return bool(app.control.ping(timeout=1.0))
    except Exception:  # the client's own connection may still be reconnecting
        return False


def _mails_with(marker: str) -> list[email.message.EmailMessage]:
    """Every message in the file backend's folder whose text holds ``marker``."""
    mail_dir = Path(settings.EMAIL_FILE_PATH)
    found = []
    for path in sorted(mail_dir.glob("*")) if mail_dir.is_dir() else []:
        # One or more messages per file, separated by a line of 79 dashes.
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if not chunk.strip():
                continue
            message = email.message_from_bytes(chunk, policy=email.policy.default)
            if marker in message.get_content():
                found.append(message)
    return found


def _cast_ur() -> dict[str, Any]:
    cast = persona_users()
    company = cast["company"]
    type(company).objects.filter(pk=company.pk).update(category=2)
    Delegation.objects.filter(principal=company).update(scope=["residence_applications", "usage_request"])
    cast["company"] = type(company).objects.get(pk=company.pk)
    return cast


def test_notifications_survive_a_stopped_broker(external_worker: str) -> None:
    cast = _cast_ur()
    users = cast["users"]
    hr = users["hr"]
    redis = Redis()
    assert redis.dir.is_dir(), f"{redis.dir} is missing: is RUN the directory that scripts/services.sh used?"
    assert redis.ping(), f"Redis does not answer on port {redis.port}"

    redis.stop()
    try:
        request = usage_request_create(
            actor=hr, institution=cast["company"], acting_for=None, kind="new",
            declared_facts=copy.deepcopy(GOOD_FACTS),
        )  # fmt: skip
        for who, name in [("hr", "submit"), ("reviewer_tokyo", "start_review"),
                          ("reviewer_tokyo", "recommend_approval")]:  # fmt: skip
            usage_request_transition(actor=users[who], request_id=request.pk, name=name)
        started = time.monotonic()
        # The broker is down: handing the mail to the worker fails after commit, and the
        # approval must neither raise nor be undone.
        usage_request_transition(actor=users["supervisor_tokyo"], request_id=request.pk, name="approve")
        approve_seconds = time.monotonic() - started
        assert not redis.ping(), "Redis came back during the outage"

        assert UsageRequest.objects.get(pk=request.pk).state == RequestState.APPROVED
        auth_id = AuthenticationId.objects.get(usage_request=request)
        marker = str(auth_id)  # the ID as the mail shows it; new for every run
        message = OutboxMessage.objects.get(recipient=hr.email, body__contains=marker)
        assert marker in message.body
        assert message.sent_at is None and message.attempts == 0, "nothing can have been sent yet"
    finally:
        if not redis.ping():
            redis.start()

    # The worker reconnects on its own (its retries back off, so allow for a while).
    wait_until(_worker_answers, timeout=90, what="the Celery worker to answer a ping after Redis restarted")
    assert OutboxMessage.objects.get(pk=message.pk).sent_at is None
    assert _mails_with(marker) == []

    # outbox_flush only picks up what has waited for more than a minute.
    OutboxMessage.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(minutes=2))
    outbox_flush.delay()

    def sent() -> OutboxMessage | None:
        current = OutboxMessage.objects.get(pk=message.pk)
        return current if current.sent_at is not None else None

    delivered = wait_until(sent, what=f"outbox message {message.pk} to be sent by outbox_flush on the worker")
    assert delivered.attempts == 1 and delivered.last_error == ""
    mails = wait_until(lambda: _mails_with(marker), timeout=5, what=f"the mail with {marker}")
    assert len(mails) == 1, f"{len(mails)} mails carry {marker}"
    assert mails[0]["To"] == hr.email
    assert mails[0]["From"] == settings.DEFAULT_FROM_EMAIL

    # Delivering it again is a no-op.
    assert outbox_deliver(message.pk) is False
    assert len(_mails_with(marker)) == 1
    again = OutboxMessage.objects.get(pk=message.pk)
    assert again.attempts == 1 and again.sent_at == delivered.sent_at
    # Asserted last, so that the delivery is checked whatever happens here. The outage may cost
    # the approval the broker's few quick publish retries (about 0.6 s), not a hang: the person
    # who clicks Approve waits for it, once per notification the step sends.
    assert approve_seconds < 5, (
        f"the approval took {approve_seconds:.1f} s while the broker was down: outbox_deliver "
        "keeps its result, so .delay() first waits for the Redis result backend to reconnect "
        "(20 retries, 1 s apart)"
    )
