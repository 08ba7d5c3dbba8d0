"""Browser tests: pytest-playwright's ``page`` on Debian's Chromium (see tests/conftest.py)
against pytest-django's ``live_server``."""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings


def _load_jurisdiction() -> None:
    """Put back the regional bureaus and prefectures that a data migration loads.

    The flush after every transactional test empties all tables, these included.
    ``serialized_rollback`` cannot be relied on to restore them: once Playwright's sync API
    runs an event loop in the main thread, Django hands out different connection objects
    (asgiref's thread-critical Local switches to context-var storage) that lack the
    serialized snapshot, so the restore silently does nothing.
    """
    from django.apps import apps

    importlib.import_module("backoffice.accounts.migrations.0002_jurisdiction").load(apps, None)


@pytest.fixture(autouse=True)
def _jurisdiction(transactional_db: None) -> None:
    _load_jurisdiction()


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # The people using this are in Japan: a Japanese browser, Tokyo time, a desktop screen.
    return {
        **browser_context_args,
        "locale": "ja-JP",
        "timezone_id": "Asia/Tokyo",
        "viewport": {"width": 1280, "height": 860},
    }


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    run = os.environ.get("RUN")
    base = Path(run) if run else Path(settings.BASE_DIR) / "var"
    path = base / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
