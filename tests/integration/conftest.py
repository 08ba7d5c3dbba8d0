"""Integration tests run against the real services that ``scripts/services.sh up`` starts.

They must never pass by quietly running on the embedded SQLite database or the filesystem
broker: the session fails (not skips) when PostgreSQL or Redis is missing.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

# Seconds to wait for the external worker to finish a task.
WORKER_TIMEOUT = float(os.environ.get("INTEGRATION_WORKER_TIMEOUT", "30"))


@pytest.fixture(scope="session", autouse=True)
def _require_real_services() -> None:
    problems = []
    if connection.vendor != "postgresql":
        problems.append(
            f"the database is {connection.vendor!r}, not PostgreSQL: set DATABASE_URL=postgresql://…"
        )
    if not os.environ.get("REDIS_URL") or not str(settings.CELERY_BROKER_URL).startswith("redis://"):
        problems.append(f"REDIS_URL is not set (Celery broker is {settings.CELERY_BROKER_URL!r})")
    if problems:
        pytest.fail(
            "integration tests need the real services (scripts/services.sh up, then run with "
            "DATABASE_URL and REDIS_URL set): " + "; ".join(problems),
            pytrace=False,
        )


@pytest.fixture(scope="session")
def external_worker(_require_real_services: None) -> str:
    """The Celery worker started by services.sh answers on the broker; fail if it does not."""
    from backoffice.celery import app

    replies: list[dict[str, Any]] = []
    deadline = time.monotonic() + 10
    while not replies and time.monotonic() < deadline:
        replies = app.control.ping(timeout=1.0) or []
    if not replies:
        pytest.fail(
            f"no Celery worker answered a ping on {settings.CELERY_BROKER_URL}; start it with "
            "scripts/services.sh up (its DATABASE_URL must name the test database "
            f"{connection.settings_dict['NAME']!r} once pytest-django has created it)",
            pytrace=False,
        )
    return next(iter(replies[0]))


def wait_until(predicate: Callable[[], Any], *, timeout: float = WORKER_TIMEOUT, what: str) -> Any:
    """Poll ``predicate`` until it returns something truthy; fail with ``what`` on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}", pytrace=False)
        time.sleep(0.2)
