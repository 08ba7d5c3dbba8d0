from __future__ import annotations

import importlib
import os
from typing import Any

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from tests.factories import persona_users

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium", "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session", autouse=True)
def _project_celery_app_finalized() -> None:
    # Register the project's tasks on its app before any test swaps Celery apps around.
    import backoffice.audit.tasks
    import backoffice.workbench.tasks  # noqa: F401
    from backoffice.celery import app

    app.finalize(auto=True)


@pytest.fixture(autouse=True)
def _jurisdiction_after_flush(request: pytest.FixtureRequest) -> None:
    """Put back the regional bureaus and prefectures that a data migration loads.

    The flush after every transactional test empties all tables, these included.
    ``serialized_rollback`` cannot be relied on to restore them: once Playwright's sync API
    runs an event loop in the main thread, Django hands out different connection objects
    (asgiref's thread-critical Local switches to context-var storage) that lack the
    serialized snapshot, so the restore silently does nothing.
    """
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
    )
    if not transactional:
        return
    request.getfixturevalue("transactional_db")
    from django.apps import apps

    importlib.import_module("backoffice.accounts.migrations.0002_jurisdiction").load(apps, None)


@pytest.fixture
def cast(db: Any) -> dict[str, Any]:
    return persona_users()


def login_as(client: Client, user: Any) -> Client:
    """Log in, and for roles that need it, pass the second factor as the OTP view would."""
    client.force_login(user)
    if user.needs_second_factor:
        device = TOTPDevice.objects.get(user=user, confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def client_for(cast: dict[str, Any]) -> Any:
    def make(name: str) -> Client:
        return login_as(Client(), cast["users"][name])

    return make
