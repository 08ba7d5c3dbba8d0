"""A residence application (在留申請) from the filing form to completion, in Chromium: the HR
officer files an extension with a re-entry permit for the company's employee, attaches the
documents and the photo, and submits; the nightly run gives the receipt number; the Tokyo
reviewer starts the examination and asks for a supplement (追完); the officer uploads it; the
reviewer grants, confirms the fee, records the tracking number and completes. The officer, in a
browser of their own, reloads the record after each step and sees its state.

Labels are not asserted (the catalogues are still being written): buttons are found by their
form's action, fields by their ids, and states by the database and ``#application-state``."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone, translation
from playwright.sync_api import Locator, Page, expect

from applications.models import Application, ApplicationState, SupplementRequest
from applications.receipts import receipts_assign
from institutions.models import Delegation, ForeignEmployee
from tests.applications.conftest import JPEG, PDF, activate_id
from tests.e2e.journey import log_in
from tests.factories import persona_users
from tests.usage_requests.conftest import file_and_approve

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]

SUPPLEMENT = "雇用契約書の写しを追加で提出してください。"
TRACKING = "1234-5678-9012"


def _cast() -> dict[str, Any]:
    """The personas as tests/applications/conftest.py's cast_apps: the HR officer holds an active
    authentication ID for the company (from an approved usage request), and the company has a
    foreign employee."""
    cast = persona_users()
    company = cast["company"]
    type(company).objects.filter(pk=company.pk).update(category=2)
    Delegation.objects.filter(principal=company).update(scope=["residence_applications", "usage_request"])
    cast["company"] = type(company).objects.get(pk=company.pk)
    request = file_and_approve(cast)
    cast["auth_id"] = activate_id(request.auth_id)
    cast["employee"] = ForeignEmployee.objects.create(
        institution=cast["company"], name="NGUYEN VAN AN", nationality="ベトナム", date_of_birth=date(1995, 4, 1),
        status_of_residence="engineer_humanities_international", period_of_stay_until=date(2099, 3, 31),
        residence_card_number="AB12345678CD", employed_from=date(2023, 4, 1),
    )  # fmt: skip
    return cast


def _shot(page: Page, directory: Path, name: str) -> None:
    page.screenshot(path=str(directory / f"app-{name}.png"), full_page=True)


def _step(page: Page, pk: int, name: str) -> Locator:
    return page.locator(f"form[action$='/applications/{pk}/step/{name}/'] button[type=submit]")


def _label(state: ApplicationState) -> str:
    with translation.override("ja"):
        return str(state.label)


def _state(pk: int) -> str:
    return str(Application.objects.get(pk=pk).state)


def _officer_sees(page: Page, state: ApplicationState) -> None:
    page.reload()
    expect(page.locator("#application-state")).to_have_text(_label(state))


def test_application_from_the_filing_form_to_completion(
    live_server: Any, page: Page, new_context: Any, screenshot_dir: Path, tmp_path: Path
) -> None:
    cast = _cast()
    hr, reviewer, employee = cast["users"]["hr"], cast["users"]["reviewer_tokyo"], cast["employee"]
    live = live_server.url
    pdf, photo, answer = tmp_path / "docs.pdf", tmp_path / "photo.jpg", tmp_path / "contract.pdf"
    pdf.write_bytes(PDF)
    photo.write_bytes(JPEG)
    answer.write_bytes(PDF)

    # --- The HR officer fills the form: an extension with a re-entry permit. -------------------
    officer = new_context().new_page()
    log_in(officer, live, "/applications/new/", hr)
    expect(officer.locator("html")).to_have_attribute("lang", "ja")
    expect(officer.locator("#closed-procedures")).to_be_visible()
    form = officer.locator("#application-form")
    form.locator("#id_employee").select_option(str(employee.pk))
    form.locator("#id_procedure").select_option("extension")
    form.locator("#id_with_reentry").check()
    form.locator("#id_status").select_option("engineer_humanities_international")
    form.locator("#id_sex").select_option("M")
    form.locator("#id_prefecture").select_option("13")
    form.locator("#id_address").fill("東京都新宿区西新宿２－８－１")  # full-width, as people type it
    form.locator("#id_notification_email").fill("an@example.com")
    _shot(officer, screenshot_dir, "1-hr-filing-form")
    form.locator("button[type=submit]").click()

    expect(officer).to_have_url(re.compile(r"/applications/\d+/$"))
    match = re.search(r"/applications/(\d+)/$", officer.url)
    assert match, officer.url
    pk = int(match.group(1))
    detail = f"/applications/{pk}/"
    application = Application.objects.get(pk=pk)
    assert application.principal_id is None and application.procedure == "extension"
    assert application.employee_id == employee.pk and application.subject_name == employee.name
    assert application.address == "東京都新宿区西新宿2-8-1"  # normalised (NFKC)
    assert application.accompanying.get().procedure == "reentry"
    expect(officer.locator("#application-state")).to_have_text(_label(ApplicationState.DRAFT))
    expect(officer.locator("ul.messages li.success")).to_have_count(1)
    # Nothing attached yet: the submit button waits.
    expect(officer.locator("#submit-panel button[type=submit]")).to_be_disabled()

    # --- Documents and photo, then submit. -----------------------------------------------------
    for kind, path in (("document", pdf), ("photo", photo)):
        attach = officer.locator("#attach-form")
        attach.locator("#id_kind").select_option(kind)
        attach.locator("#id_file").set_input_files(str(path))
        attach.locator("button[type=submit]").click()
        expect(officer).to_have_url(f"{live}{detail}")
        expect(officer.locator("#attachments")).to_contain_text(path.name)
    assert sorted(Application.objects.get(pk=pk).attachments.values_list("kind", flat=True)) == [
        "document",
        "photo",
    ]
    submit = officer.locator("#submit-panel button[type=submit]")
    expect(submit).to_be_enabled()
    _shot(officer, screenshot_dir, "2-hr-ready-to-submit")
    submit.click()
    expect(officer).to_have_url(f"{live}{detail}")
    expect(officer.locator("#application-state")).to_have_text(_label(ApplicationState.SUBMITTED))
    application = Application.objects.get(pk=pk)
    assert application.state == ApplicationState.SUBMITTED and application.provisional_number
    expect(officer.locator("#provisional-number")).to_have_text(application.provisional_number)
    expect(officer.locator("#submit-panel")).to_have_count(0)
    _shot(officer, screenshot_dir, "3-hr-filed")

    # --- The nightly run gives the receipt number. ---------------------------------------------
    assert receipts_assign(now=timezone.now() + timedelta(days=1)) == {"東オン": 2}
    application = Application.objects.get(pk=pk)
    assert application.receipt_number and application.receipt_number.startswith("東オン")
    _officer_sees(officer, ApplicationState.RECEIVED)
    expect(officer.locator("#receipt-number")).to_have_text(application.receipt_number)

    # --- The Tokyo reviewer starts the examination and asks for a supplement. -------------------
    log_in(page, live, detail, reviewer)
    expect(page.locator("#receipt-number")).to_have_text(application.receipt_number)
    _step(page, pk, "start_examination").click()
    expect(page).to_have_url(f"{live}{detail}")
    expect(page.locator("#application-state")).to_have_text(_label(ApplicationState.UNDER_EXAMINATION))
    assert _state(pk) == ApplicationState.UNDER_EXAMINATION
    _officer_sees(officer, ApplicationState.UNDER_EXAMINATION)
    # The officer cannot decide: no grant button on their page.
    expect(_step(officer, pk, "grant")).to_have_count(0)

    due = timezone.localdate() + timedelta(days=14)
    page.locator("#examination details summary").click()
    supplement = page.locator("#supplement-form")
    supplement.locator("#id_message").fill(SUPPLEMENT)
    supplement.locator("#id_due_on").fill(due.isoformat())
    _shot(page, screenshot_dir, "4-reviewer-requests-supplement")
    supplement.locator("button[type=submit]").click()
    expect(page).to_have_url(f"{live}{detail}")
    expect(page.locator("#application-state")).to_have_text(_label(ApplicationState.AWAITING_SUPPLEMENT))
    request = SupplementRequest.objects.get(application_id=pk)
    assert request.due_on == due and request.message == SUPPLEMENT

    # --- The officer uploads the supplement. ---------------------------------------------------
    _officer_sees(officer, ApplicationState.AWAITING_SUPPLEMENT)
    expect(officer.locator("#supplements")).to_contain_text(SUPPLEMENT)
    expect(officer.locator("#supplements")).to_contain_text(due.isoformat())
    answer_form = officer.locator("#answer-form")
    answer_form.locator("input[type=file]").set_input_files(str(answer))
    answer_form.locator("textarea").fill("雇用契約書を添付します。")
    _shot(officer, screenshot_dir, "5-hr-answers-supplement")
    answer_form.locator("button[type=submit]").click()
    expect(officer).to_have_url(f"{live}{detail}")
    expect(officer.locator("#application-state")).to_have_text(_label(ApplicationState.UNDER_EXAMINATION))
    request.refresh_from_db()
    assert request.answered_at is not None
    assert list(request.attachments.values_list("original_name", flat=True)) == ["contract.pdf"]

    # --- The reviewer grants, confirms the fee, records the mailing, completes. ----------------
    page.reload()
    expect(page.locator("#application-state")).to_have_text(_label(ApplicationState.UNDER_EXAMINATION))
    expect(page.locator("#attachments")).to_contain_text("contract.pdf")
    _step(page, pk, "grant").click()
    expect(page).to_have_url(f"{live}{detail}")
    expect(page.locator("#application-state")).to_have_text(_label(ApplicationState.GRANTED))
    _officer_sees(officer, ApplicationState.GRANTED)

    fee_form = page.locator("#fee-form")
    expect(fee_form).to_contain_text(re.compile(r"¥5,500|5,500円"))
    _shot(page, screenshot_dir, "6-reviewer-fee")
    fee_form.locator("button[type=submit]").click()
    expect(page).to_have_url(f"{live}{detail}")
    expect(page.locator("#application-state")).to_have_text(_label(ApplicationState.AWAITING_ISSUE))
    assert Application.objects.get(pk=pk).fee_yen == 5500
    expect(page.locator("#fee")).to_contain_text(re.compile(r"¥5,500|5,500円"))
    _officer_sees(officer, ApplicationState.AWAITING_ISSUE)

    # Completion waits for the tracking number.
    expect(_step(page, pk, "complete")).to_be_disabled()
    mail_form = page.locator("#mail-form")
    mail_form.locator("#id_tracking_number").fill(TRACKING)
    mail_form.locator("button[type=submit]").click()
    expect(page).to_have_url(f"{live}{detail}")
    expect(page.locator("#tracking-number")).to_contain_text(TRACKING)
    expect(page.locator("#mail-form")).to_have_count(0)
    complete = _step(page, pk, "complete")
    expect(complete).to_be_enabled()
    complete.click()
    expect(page).to_have_url(f"{live}{detail}")
    expect(page.locator("#application-state")).to_have_text(_label(ApplicationState.COMPLETED))
    assert _state(pk) == ApplicationState.COMPLETED
    _shot(page, screenshot_dir, "7-reviewer-completed")

    # --- The officer sees the end of it, with the tracking number. -----------------------------
    _officer_sees(officer, ApplicationState.COMPLETED)
    expect(officer.locator("#tracking-number")).to_contain_text(TRACKING)
    expect(officer.locator("#receipt-number")).to_have_text(application.receipt_number)
    _shot(officer, screenshot_dir, "8-hr-sees-completed")
