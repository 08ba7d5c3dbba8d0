"""Browser helpers shared by the journeys: log in as a persona (with the TOTP step) in Chromium."""

from __future__ import annotations

import re
import time
from typing import Any

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from tests.factories import TEST_PASSWORD


def totp_code(user: Any) -> str:
    """The device's current code, once it is one the device has not accepted yet.

    django-otp refuses a code of a time step it already accepted (and then throttles the next
    try): a second login of the same person within 30 seconds waits for the next step."""
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    while True:
        totp = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
        totp.time = time.time()
        if device.last_t is None or totp.t() > device.last_t:
            return f"{totp.token():0{device.digits}d}"
        time.sleep(0.5)


def log_in(page: Page, live_url: str, path: str, user: Any, password: str = TEST_PASSWORD) -> None:
    """Open ``path``, get sent to the login form, log in (with the TOTP step if the role needs
    it), and land back on ``path``."""
    page.goto(f"{live_url}{path}")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(password)
    page.locator("form.stacked button[type=submit]").click()
    if user.needs_second_factor:
        expect(page).to_have_url(re.compile(r"/accounts/login/otp/"))
        page.locator("#id_token").fill(totp_code(user))
        page.locator("form.stacked button[type=submit]").click()
    expect(page).to_have_url(f"{live_url}{path}")
    expect(page.locator("header.topbar")).to_contain_text(user.username)
