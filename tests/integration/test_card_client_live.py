"""End to end: the installed ``zairyu-card`` program, reading the virtual My Number Card over the
real PC/SC path (pyscard → pcscd → vpcd), registers a foreign national against a live test
server; the new authentication ID then logs in with the card, and the browser link it prints
opens the account.

The server trusts the roots the slot-0 card exported (``$RUN/card``), pinned for this test."""

from __future__ import annotations

import http.cookiejar
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from individuals import card_trust
from individuals.card_models import CardholderRegistration

if os.environ.get("START_PCSC") != "1":
    pytest.skip(
        "needs pcscd and the virtual card: scripts/services.sh up with START_PCSC=1 (make test does)",
        allow_module_level=True,
    )

SLOT0 = "Virtual PCD 00 00"
CLIENT = Path(sys.executable).with_name("zairyu-card")


def _card() -> dict[str, Any]:
    directory = Path(os.environ.get("RUN", "var/test-run")) / "card"
    info: dict[str, Any] = json.loads((directory / "card.json").read_text())
    info["dir"] = directory
    return info


def _client(*args: str, secrets: list[str]) -> subprocess.CompletedProcess[str]:
    # No terminal here: getpass falls back to standard input (with a warning on stderr).
    return subprocess.run(
        [str(CLIENT), "--lang", "en", "--reader", SLOT0, *args],
        input="\n".join(secrets) + "\n", capture_output=True, text=True, timeout=120,
        env={**os.environ, "LANG": "C.UTF-8"},
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_the_client_program_registers_and_logs_in_over_pcsc(live_server: Any, cast: dict[str, Any]) -> None:
    card = _card()
    pinned = [card["sha256"]["signature_ca"], card["sha256"]["auth_ca"]]
    with override_settings(JPKI_PINNED_FINGERPRINTS=pinned):
        for name in ("signature_ca.der", "auth_ca.der"):
            card_trust.trust_anchor_load(actor=cast["users"]["admin"], data=(card["dir"] / name).read_bytes())
        registered = _client(
            "register", "--server", live_server.url, "--email", "an.nguyen@example.test",
            "--phone", "080-1111-2222", "--residence-card", "ZZ98765432YY",
            secrets=[card["signature_password"], card["auth_pin"]],
        )  # fmt: skip
        assert registered.returncode == 0, registered.stdout + registered.stderr
        registration = CardholderRegistration.objects.get()
        assert str(registration) in registered.stdout
        assert registration.residence_card_number == "ZZ98765432YY"
        assert card["signature_password"] not in registered.stdout + registered.stderr, "never echoed"

        logged_in = _client("login", "--server", live_server.url, "--id", str(registration),
                            secrets=[card["auth_pin"]])  # fmt: skip
        assert logged_in.returncode == 0, logged_in.stdout + logged_in.stderr
        link = logged_in.stdout.strip().splitlines()[-1]
        assert link.startswith(live_server.url)
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        with browser.open(link, timeout=30) as page:
            body = page.read().decode()
            assert page.url.endswith("/individuals/card/me/"), page.url
        assert str(registration) in body
