"""A usage request (利用申出) from the first draft to the first login with its authentication ID,
in one Chromium: the HR officer files, the reviewer returns it, the officer resubmits, the
reviewer recommends, the supervisor approves, and the officer sets the ID's password from the
e-mailed link and logs in with the ID. Every login and logout goes through the pages.

Labels are not asserted (the catalogues are still being written): buttons are found by their
form's action, fields by their ids, and states by the database and the status bar."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.utils import timezone, translation
from playwright.sync_api import Locator, Page, expect

from backoffice.workbench.models import Activity, OutboxMessage
from institutions.models import Delegation
from tests.e2e.journey import log_in
from tests.factories import persona_users
from usage_requests.models import AuthenticationId, AuthIdState, RequestState, UsageRequest

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]

NEW_PASSWORD = "sakura-Tsubame-2026"
RETURN_REASON = "誓約書の日付が空欄です。記入して再提出してください。"


def _cast_ur() -> dict[str, Any]:
    """The personas, with the company in category 2 and the support organisation's delegation
    covering usage requests (as tests/usage_requests/conftest.py's cast_ur)."""
    cast = persona_users()
    company = cast["company"]
    type(company).objects.filter(pk=company.pk).update(category=2)
    Delegation.objects.filter(principal=company).update(scope=["residence_applications", "usage_request"])
    cast["company"] = type(company).objects.get(pk=company.pk)
    return cast


def _shot(page: Page, directory: Path, name: str) -> None:
    page.screenshot(path=str(directory / f"ur-{name}.png"), full_page=True)


def _log_out(page: Page, live_url: str) -> None:
    page.locator("header.topbar form[action$='/accounts/logout/'] button[type=submit]").click()
    expect(page).to_have_url(f"{live_url}/accounts/login/")
    expect(page.locator("header.topbar form[action$='/accounts/logout/']")).to_have_count(0)


def _step(page: Page, pk: int, name: str) -> Locator:
    return page.locator(f"form[action$='/usage-requests/{pk}/transition/{name}/'] button[type=submit]")


def _current_step(page: Page) -> Locator:
    return page.locator("ol.statusbar li[aria-current=step]")


def _label(state: RequestState) -> str:
    with translation.override("ja"):
        return str(state.label)


def _state(pk: int) -> str:
    return str(UsageRequest.objects.get(pk=pk).state)


def test_usage_request_from_draft_to_login_with_the_authentication_id(
    live_server: Any, page: Page, screenshot_dir: Path
) -> None:
    cast = _cast_ur()
    users, company = cast["users"], cast["company"]
    hr, reviewer, supervisor = users["hr"], users["reviewer_tokyo"], users["supervisor_tokyo"]
    live = live_server.url

    # --- The HR officer files a draft and submits it. ---------------------------------------
    log_in(page, live, "/usage-requests/new/", hr)
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    valid_until = (timezone.localdate() + timedelta(days=3 * 365)).isoformat()
    page.locator("#id_kind").select_option("new")
    page.locator("#id_filing_for").select_option(f"{company.pk}:")
    _shot(page, screenshot_dir, "1-hr-new-request-form")
    page.locator("main form.stacked button[type=submit]").click()

    # The wizard: answers, the registry's records, documents, the check, then submit.
    expect(page).to_have_url(re.compile(r"/usage-requests/\d+/file/answers/$"))
    match = re.search(r"/usage-requests/(\d+)/file/", page.url)
    assert match, page.url
    pk = int(match.group(1))
    detail = f"/usage-requests/{pk}/"
    assert UsageRequest.objects.get(pk=pk).state == RequestState.DRAFT
    expect(page.locator("ul.messages li.success")).to_have_count(1)
    page.locator("#id_pledge_submitted").select_option("yes")
    page.locator("#id_notifications_filed").select_option("yes")
    page.locator("#id_employment_status_report_required").select_option("no")
    page.locator("#id_has_agent_certificate").select_option("yes")
    page.locator("#id_certificate_valid_until").fill(valid_until)
    _shot(page, screenshot_dir, "1b-hr-wizard-answers")
    page.locator("main form.stacked button[type=submit]").click()
    expect(page).to_have_url(f"{live}/usage-requests/{pk}/file/registry/")
    expect(page.locator("main")).to_contain_text(company.name)
    page.locator("#wizard-next").click()
    expect(page).to_have_url(f"{live}/usage-requests/{pk}/file/documents/")
    expect(page.locator("ul.checklist li")).to_have_count(2)
    page.locator("#wizard-next").click()
    expect(page).to_have_url(f"{live}/usage-requests/{pk}/file/check/")
    expect(page.locator("#rules span.badge.bad")).to_have_count(0)
    _shot(page, screenshot_dir, "1c-hr-wizard-check")

    request = UsageRequest.objects.get(pk=pk)
    assert request.filer_id == hr.pk and request.institution_id == company.pk and request.kind == "new"
    facts = request.declared_facts
    assert facts["institution"]["pledge_submitted"] is True
    assert facts["institution"]["notifications_filed"] is True
    assert facts["institution"]["employment_status_report_required"] is False
    assert facts["filer"]["has_agent_certificate"] is True
    assert facts["filer"]["certificate_valid_until"] == valid_until

    page.locator("#wizard-submit").click()
    expect(page).to_have_url(f"{live}{detail}")
    expect(_current_step(page)).to_have_text(_label(RequestState.SUBMITTED))
    assert _state(pk) == RequestState.SUBMITTED
    # The filer cannot start the review.
    expect(_step(page, pk, "start_review")).to_have_count(0)
    _shot(page, screenshot_dir, "2-hr-submitted")
    _log_out(page, live)

    # --- The reviewer takes it from the queue and returns it for correction. -----------------
    log_in(page, live, "/usage-requests/", reviewer)
    row_link = page.locator(f"table.list tbody a[href='{detail}']")
    expect(row_link).to_have_count(1)
    row_link.click()
    expect(page).to_have_url(f"{live}{detail}")
    _step(page, pk, "start_review").click()
    expect(_current_step(page)).to_have_text(_label(RequestState.UNDER_REVIEW))
    assert _state(pk) == RequestState.UNDER_REVIEW
    assert UsageRequest.objects.get(pk=pk).review.assignee_id == reviewer.pk
    page.locator("#reason-return_to_filer").fill(RETURN_REASON)
    _shot(page, screenshot_dir, "3-reviewer-returning")
    _step(page, pk, "return_to_filer").click()
    expect(page).to_have_url(f"{live}{detail}")
    expect(_current_step(page)).to_have_text(_label(RequestState.RETURNED))
    assert _state(pk) == RequestState.RETURNED
    _log_out(page, live)

    # --- The HR officer sees the message and resubmits. --------------------------------------
    log_in(page, live, detail, hr)
    expect(_current_step(page)).to_have_text(_label(RequestState.RETURNED))
    expect(page.locator("section.panel[role=note]")).to_contain_text(RETURN_REASON)
    _shot(page, screenshot_dir, "4-hr-sees-returned")
    _step(page, pk, "resubmit").click()
    expect(page).to_have_url(f"{live}{detail}")
    expect(_current_step(page)).to_have_text(_label(RequestState.SUBMITTED))
    assert _state(pk) == RequestState.SUBMITTED
    _log_out(page, live)

    # --- The reviewer reviews again and recommends approval. ---------------------------------
    log_in(page, live, "/usage-requests/", reviewer)
    page.locator(f"table.list tbody a[href='{detail}']").click()
    expect(page).to_have_url(f"{live}{detail}")
    _step(page, pk, "start_review").click()
    expect(_current_step(page)).to_have_text(_label(RequestState.UNDER_REVIEW))
    # One open "review due" activity for the request, not one per submission. Asserted at the
    # end, so that a failure here does not hide the rest of the journey.
    open_activities = Activity.objects.filter(
        target_type="usage_requests.usagerequest", target_id=str(pk), done_at__isnull=True
    ).count()
    recommend = _step(page, pk, "recommend_approval")
    # Every requirement is met: the button is enabled, with no reason shown against it.
    expect(recommend).to_be_enabled()
    expect(page.locator("#why-recommend_approval")).to_have_count(0)
    expect(page.locator("#rules span.badge.bad")).to_have_count(0)
    _shot(page, screenshot_dir, "5-reviewer-before-recommending")
    recommend.click()
    expect(page).to_have_url(f"{live}{detail}")
    expect(_current_step(page)).to_have_text(_label(RequestState.RECOMMENDED))
    assert _state(pk) == RequestState.RECOMMENDED
    # Four eyes: the reviewer who recommended cannot approve.
    expect(_step(page, pk, "approve")).to_have_count(0)
    _log_out(page, live)

    # --- The supervisor approves. -------------------------------------------------------------
    log_in(page, live, detail, supervisor)
    expect(_current_step(page)).to_have_text(_label(RequestState.RECOMMENDED))
    approve = _step(page, pk, "approve")
    expect(approve).to_be_enabled()
    _shot(page, screenshot_dir, "6-supervisor-before-approving")
    approve.click()
    expect(page).to_have_url(f"{live}{detail}")
    expect(_current_step(page)).to_have_text(_label(RequestState.APPROVED))
    assert _state(pk) == RequestState.APPROVED
    auth_id = AuthenticationId.objects.get(usage_request_id=pk)
    assert auth_id.holder_id == hr.pk and auth_id.state == AuthIdState.AWAITING_PASSWORD
    expect(page.locator("main")).to_contain_text(str(auth_id))
    _shot(page, screenshot_dir, "7-supervisor-approved")
    _log_out(page, live)

    # --- The mail: the ID and the one-time link. ----------------------------------------------
    mail = OutboxMessage.objects.filter(recipient=hr.email).order_by("-created_at", "-pk").first()
    assert mail is not None, f"no outbox message to {hr.email}"
    site = settings.SITE_URL.rstrip("/")
    link = re.search(re.escape(site) + r"(/usage-requests/set-password/[^/\s]+/)", mail.body)
    assert link, mail.body
    shown = re.search(r"認証ID: (\S+)", mail.body)
    assert shown, mail.body
    code_in_mail = shown.group(1)
    assert code_in_mail == str(auth_id) and "-" in code_in_mail

    # --- The officer sets the password from the link, then logs in with the ID. --------------
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(site))
    page.goto(f"{link.group(0).replace(origin, live, 1)}")
    expect(page).to_have_url(f"{live}{link.group(1)}")
    expect(page.locator("main")).to_contain_text(code_in_mail)
    page.locator("#id_password1").fill(NEW_PASSWORD)
    page.locator("#id_password2").fill(NEW_PASSWORD)
    _shot(page, screenshot_dir, "8-set-password")
    page.locator("main form.stacked button[type=submit]").click()
    expect(page).to_have_url(f"{live}/accounts/login/")
    expect(page.locator("ul.messages li.success")).to_contain_text(code_in_mail)
    assert AuthenticationId.objects.get(pk=auth_id.pk).state == AuthIdState.ACTIVE

    page.locator("#id_username").fill(code_in_mail)
    page.locator("#id_password").fill(NEW_PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    expect(page).to_have_url(f"{live}/")
    expect(page.locator("header.topbar form[action$='/accounts/logout/']")).to_have_count(1)
    page.goto(f"{live}{detail}")
    expect(page).to_have_url(f"{live}{detail}")
    with translation.override("ja"):
        active = str(AuthIdState.ACTIVE.label)
    id_panel = page.locator("section.panel", has=page.locator("strong", has_text=code_in_mail))
    expect(id_panel).to_have_count(1)
    expect(id_panel).to_contain_text(active)
    auth_id = AuthenticationId.objects.get(pk=auth_id.pk)
    assert auth_id.valid_until is not None
    expect(id_panel).to_contain_text(auth_id.valid_until.strftime("%Y-%m-%d"))
    _shot(page, screenshot_dir, "9-hr-logged-in-with-the-id")

    # The link worked once.
    page.goto(f"{link.group(0).replace(origin, live, 1)}")
    expect(page.locator("main [role=alert]")).to_have_count(1)

    assert open_activities == 1, (
        f"after the resubmission the request had {open_activities} open 'review due' activities: "
        "resubmit adds one without closing the first submission's"
    )
