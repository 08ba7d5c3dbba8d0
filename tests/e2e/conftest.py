"""Browser tests: pytest-playwright's ``page`` on Debian's Chromium (see tests/conftest.py)
against pytest-django's ``live_server``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings


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
