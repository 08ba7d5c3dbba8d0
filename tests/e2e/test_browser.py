"""End to end in Chromium: the login form, the TOTP step, the institutions list and record,
the chatter, and the language switch. Labels are not asserted (the catalogues are still being
written): the tests go by ids, URLs, the ``lang`` attribute and the data they created."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from institutions.services import institution_update
from tests.factories import TEST_PASSWORD, persona_users

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]


def _log_in(page: Page, username: str, password: str = TEST_PASSWORD) -> None:
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("form.stacked button[type=submit]").click()


def _totp_now(device: TOTPDevice, offset_steps: int = 0) -> str:
    totp = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    totp.time = time.time() + offset_steps * device.step
    return f"{totp.token():0{device.digits}d}"


def _wrong_code(device: TOTPDevice) -> str:
    """A six-digit code that the device does not accept now, nor one step either side."""
    near = {_totp_now(device, step) for step in (-2, -1, 0, 1, 2)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in near)


def _shot(page: Page, directory: Path, name: str) -> None:
    page.screenshot(path=str(directory / f"{name}.png"), full_page=True)


def test_hr_officer_logs_in_opens_the_company_and_comments(
    live_server: Any, page: Page, screenshot_dir: Path
) -> None:
    cast = persona_users()
    hr, company = cast["users"]["hr"], cast["company"]
    institution_update(actor=hr, institution_id=company.pk, data={"phone": "03-1234-5678"})

    page.goto(f"{live_server.url}/")
    _log_in(page, "hr")
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("html")).to_have_attribute("lang", "ja")

    page.locator('nav.menu a[href="/institutions/"]').click()
    expect(page).to_have_url(f"{live_server.url}/institutions/")
    rows = page.locator("table.list tbody tr")
    # Staff see their own institution only.
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("みどり食品株式会社")

    rows.first.get_by_role("link", name="みどり食品株式会社").click()
    expect(page).to_have_url(f"{live_server.url}/institutions/{company.pk}/")
    expect(page.locator("h1")).to_contain_text("みどり食品株式会社")
    chatter = page.locator("#chatter")
    # The tracked change from institution_update: one entry, with its old → new line.
    update = chatter.locator("ol > li", has=page.locator("ul.change", has_text="03-1234-5678"))
    expect(update).to_have_count(1)
    expect(update.locator(".meta")).to_contain_text("hr")

    comment = "在留期間更新の書類を確認しました。明日提出します。"
    chatter.locator("#id_body").fill(comment)
    chatter.locator("form button[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}/institutions/{company.pk}/#chatter")
    newest = page.locator("#chatter ol > li").first
    expect(newest).to_have_class(re.compile(r"\bcomment\b"))
    expect(newest).to_contain_text(comment)
    expect(newest.locator(".meta")).to_contain_text("hr")
    expect(page.locator("#chatter ol > li.comment")).to_have_count(1)
    expect(page.locator("ul.messages li.success")).to_have_count(1)
    _shot(page, screenshot_dir, "1-hr-company-chatter")


def test_reviewer_passes_the_totp_step_and_reaches_the_institutions(
    live_server: Any, page: Page, screenshot_dir: Path
) -> None:
    cast = persona_users()
    reviewer = cast["users"]["reviewer_tokyo"]
    device = TOTPDevice.objects.get(user=reviewer, confirmed=True)

    page.goto(f"{live_server.url}/institutions/")
    _log_in(page, "reviewer_tokyo")
    expect(page).to_have_url(re.compile(r"/accounts/login/otp/\?next=%2Finstitutions%2F$"))
    expect(page.locator("html")).to_have_attribute("lang", "ja")

    token = page.locator("#id_token")
    token.fill(_wrong_code(device))
    page.locator("form.stacked button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/otp/"))
    expect(page.locator("form.stacked .errorlist li")).to_have_count(1)
    _shot(page, screenshot_dir, "2a-reviewer-wrong-totp")
    # Still not in: the list sends the reviewer back to the second factor.
    page.goto(f"{live_server.url}/institutions/")
    expect(page).to_have_url(re.compile(r"/accounts/login/otp/"))

    # django-otp throttles after a failure (1 s after the first): wait it out.
    time.sleep(1.5)
    page.locator("#id_token").fill(_totp_now(device))
    page.locator("form.stacked button[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}/institutions/")
    rows = page.locator("table.list tbody tr")
    # The Tokyo bureau's jurisdiction: the Tokyo institutions, not the Osaka one.
    expect(rows.filter(has_text="みどり食品株式会社")).to_have_count(1)
    expect(rows.filter(has_text="大阪介護サービス")).to_have_count(0)
    expect(rows).to_have_count(4)
    _shot(page, screenshot_dir, "2b-reviewer-institutions")


def test_language_switch_from_japanese_to_english_and_back(
    live_server: Any, page: Page, screenshot_dir: Path
) -> None:
    persona_users()
    page.goto(f"{live_server.url}/")
    _log_in(page, "hr")
    expect(page).to_have_url(f"{live_server.url}/")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "ja")
    expect(page.locator("#language-select")).to_have_value("ja")
    _shot(page, screenshot_dir, "3a-home-ja")

    page.goto(f"{live_server.url}/institutions/")
    page.locator("#language-select").select_option("en")
    expect(html).to_have_attribute("lang", "en")
    # set_language sends the user back to the page they were on.
    expect(page).to_have_url(f"{live_server.url}/institutions/")
    expect(page.locator("#language-select")).to_have_value("en")
    # The choice sticks for the next page.
    page.goto(f"{live_server.url}/")
    expect(html).to_have_attribute("lang", "en")
    _shot(page, screenshot_dir, "3b-home-en")

    page.locator("#language-select").select_option("ja")
    expect(html).to_have_attribute("lang", "ja")
    expect(page).to_have_url(f"{live_server.url}/")
