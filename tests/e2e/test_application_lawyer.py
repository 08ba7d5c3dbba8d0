"""A simultaneous filing (同時) by a lawyer for an individual, in Chromium: the lawyer (a filing
agent with an active registration) logs in with the user name and password, files a change of
status (student → engineer / specialist in humanities / international services) for a client and
the client's spouse (dependent) together, attaches the documents and the photo on each person's
record (the "Filed together" panel links them), submits the filing and sees both provisional
numbers; then switches the top bar to English and reads the table of who may file what.

Labels are not asserted (the catalogues are still being written): buttons are found by their
form's action, fields by their ids, states by the database and ``#application-state``, and the
table's English by the data it is built from."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone, translation
from playwright.sync_api import Page, expect

from applications.matrix_page import matrix_table
from applications.models import Application, ApplicationState, Filing
from individuals.models import AgentRegistration
from tests.applications.conftest import JPEG, PDF
from tests.e2e.journey import log_in
from tests.factories import persona_users
from tests.individuals.factories import register_entry, seed_code_table

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]

CLIENT = "PHAM VAN CUONG"
SPOUSE = "PHAM THI DUNG"
ADDRESS = "東京都新宿区西新宿2-8-1"


def _cast() -> dict[str, Any]:
    """The personas, and the lawyer registered as a filing agent as tests/applications/
    test_views.py's lawyer_client does: the leaflet's register entry and an active registration."""
    cast = persona_users()
    seed_code_table()
    AgentRegistration.objects.create(
        user=cast["users"]["lawyer"], entry=register_entry(), auth_code="L00000000001"
    )
    return cast


def _shot(page: Page, directory: Path, name: str) -> None:
    page.screenshot(path=str(directory / f"lawyer-{name}.png"), full_page=True)


def _label(state: ApplicationState) -> str:
    with translation.override("ja"):
        return str(state.label)


def _attach_both(page: Page, live: str, pk: int, pdf: Path, photo: Path) -> None:
    for kind, path in (("document", pdf), ("photo", photo)):
        attach = page.locator("#attach-form")
        attach.locator("#id_kind").select_option(kind)
        attach.locator("#id_file").set_input_files(str(path))
        attach.locator("button[type=submit]").click()
        expect(page).to_have_url(f"{live}/applications/{pk}/")
        expect(page.locator("#attachments")).to_contain_text(path.name)
    assert sorted(Application.objects.get(pk=pk).attachments.values_list("kind", flat=True)) == [
        "document",
        "photo",
    ]


def test_lawyer_files_a_change_for_a_client_and_family_together(
    live_server: Any, page: Page, screenshot_dir: Path, tmp_path: Path
) -> None:
    cast = _cast()
    lawyer = cast["users"]["lawyer"]
    assert not lawyer.needs_second_factor  # a filing agent logs in with the ID and password
    live = live_server.url
    pdf, photo = tmp_path / "docs.pdf", tmp_path / "photo.jpg"
    pdf.write_bytes(PDF)
    photo.write_bytes(JPEG)

    # --- The lawyer opens the form with one family member and fills both people. ---------------
    log_in(page, live, "/applications/new/?family=1", lawyer)
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.locator("#closed-procedures")).to_be_visible()
    form = page.locator("#application-form")
    expect(form.locator("#id_employee")).to_have_count(0)  # a lawyer files for anyone they represent
    expect(form.locator("input[name=family-TOTAL_FORMS]")).to_have_value("1")
    form.locator("#id_procedure").select_option("change")
    form.locator("#id_status").select_option("engineer_humanities_international")
    form.locator("#id_subject_name").fill(CLIENT)
    form.locator("#id_nationality").fill("ベトナム")
    form.locator("#id_date_of_birth").fill("1990-02-03")
    form.locator("#id_sex").select_option("M")
    form.locator("#id_residence_card_number").fill("ab12345678cd")  # normalised to upper case
    form.locator("#id_current_status").select_option("student")
    form.locator("#id_period_of_stay_until").fill("2099-03-31")
    form.locator("#id_prefecture").select_option("13")
    form.locator("#id_address").fill(ADDRESS)
    form.locator("#id_notification_email").fill("cuong@example.com")
    family = form.locator("fieldset").first
    family.locator("#id_family-0-procedure").select_option("change")
    family.locator("#id_family-0-status").select_option("dependent")
    family.locator("#id_family-0-subject_name").fill(SPOUSE)
    family.locator("#id_family-0-nationality").fill("ベトナム")
    family.locator("#id_family-0-date_of_birth").fill("1992-07-08")
    family.locator("#id_family-0-sex").select_option("F")
    family.locator("#id_family-0-relationship").select_option("spouse")
    _shot(page, screenshot_dir, "1-filing-form")
    form.locator("button[type=submit]").click()

    # --- Saved as one simultaneous draft filing; the client's record opens. --------------------
    expect(page).to_have_url(re.compile(r"/applications/\d+/$"))
    expect(page.locator("ul.messages li.success")).to_have_count(1)
    filing = Filing.objects.get()
    assert filing.mode == "simultaneous" and filing.filer_kind == "lawyer" and filing.filer_id == lawyer.pk
    client, spouse = filing.applications.order_by("pk")
    assert page.url == f"{live}/applications/{client.pk}/"
    assert (client.subject_name, client.procedure, client.current_status, client.status) == (
        CLIENT, "change", "student", "engineer_humanities_international",
    )  # fmt: skip
    assert client.residence_card_number == "AB12345678CD" and client.principal_id is None
    assert (spouse.subject_name, spouse.procedure, spouse.status, spouse.relationship) == (
        SPOUSE, "change", "dependent", "spouse",
    )  # fmt: skip
    assert spouse.principal_id is None, "a family member is a principal application of its own"
    assert spouse.address == ADDRESS and spouse.notification_email == "cuong@example.com"
    assert client.institution_id is None and client.employee_id is None
    expect(page.locator("#application-state")).to_have_text(_label(ApplicationState.DRAFT))
    expect(page.locator("#filing")).to_contain_text(SPOUSE)
    expect(page.locator("#submit-panel button[type=submit]")).to_be_disabled()

    # --- The client's documents and photo. -----------------------------------------------------
    _attach_both(page, live, client.pk, pdf, photo)
    # The spouse has nothing yet: the whole filing waits, and the panel names her.
    expect(page.locator("#submit-panel button[type=submit]")).to_be_disabled()
    expect(page.locator("#submit-panel .errorlist")).to_contain_text(SPOUSE)
    expect(page.locator("#submit-panel .errorlist")).not_to_contain_text(CLIENT)

    # --- Through the "Filed together" panel to the spouse's record, and her files. -------------
    page.locator(f"#filing a[href='/applications/{spouse.pk}/']").click()
    expect(page).to_have_url(f"{live}/applications/{spouse.pk}/")
    expect(page.locator("#application-state")).to_have_text(_label(ApplicationState.DRAFT))
    expect(page.locator(f"#filing a[href='/applications/{client.pk}/']")).to_have_count(1)
    _attach_both(page, live, spouse.pk, pdf, photo)
    submit = page.locator("#submit-panel button[type=submit]")
    expect(submit).to_be_enabled()
    expect(page.locator("#submit-panel .errorlist")).to_have_count(0)
    _shot(page, screenshot_dir, "2-ready-to-submit")

    # --- Submitted from the spouse's record: the whole filing goes, both numbered. -------------
    submit.click()
    expect(page).to_have_url(f"{live}/applications/{spouse.pk}/")
    expect(page.locator("#application-state")).to_have_text(_label(ApplicationState.SUBMITTED))
    client, spouse = Application.objects.filter(filing=filing).order_by("pk")
    assert {client.state, spouse.state} == {ApplicationState.SUBMITTED}
    numbers = [client.provisional_number, spouse.provisional_number]
    assert all(n and n.startswith("P-") for n in numbers) and len(set(numbers)) == 2, numbers
    assert client.bureau.code == spouse.bureau.code == "tokyo"
    expect(page.locator("#provisional-number")).to_have_text(spouse.provisional_number)
    expect(page.locator("#filing")).to_contain_text(client.provisional_number)
    expect(page.locator("#submit-panel")).to_have_count(0)
    expect(page.locator("#attach-form")).to_have_count(0)
    _shot(page, screenshot_dir, "3-filed-spouse")
    page.locator(f"#filing a[href='/applications/{client.pk}/']").click()
    expect(page).to_have_url(f"{live}/applications/{client.pk}/")
    expect(page.locator("#application-state")).to_have_text(_label(ApplicationState.SUBMITTED))
    expect(page.locator("#provisional-number")).to_have_text(client.provisional_number)
    expect(page.locator("#filing")).to_contain_text(spouse.provisional_number)
    _shot(page, screenshot_dir, "4-filed-client")

    # --- The table of who may file what, switched to English in the top bar. -------------------
    page.goto(f"{live}/applications/matrix/")
    table = page.locator("#permission-matrix")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    today = timezone.localdate()
    japanese, english = (matrix_table(version_code=None, today=today, language=lang) for lang in ("ja", "en"))
    expect(table.locator("thead th ~ th")).to_have_text(japanese.columns)
    page.locator("#language-select").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(f"{live}/applications/matrix/")  # set_language comes back to the page
    expect(page.locator("#language-select")).to_have_value("en")
    expect(table.locator("thead th ~ th")).to_have_text(english.columns)
    expect(table.locator("tbody th[scope=row]")).to_have_text([row.label for row in english.rows])
    lawyers = table.locator("tbody tr", has=page.locator("th", has_text=english.rows[-1].label))
    expect(lawyers.locator("td.mark")).to_have_text([mark for mark, _note in english.rows[-1].cells])
    expect(page.locator("#institution-matrix tbody th[scope=row]")).to_have_text(
        [row.label for row in english.institution_rows]
    )
    expect(page.locator("#status-catalogue tbody tr")).to_have_count(len(english.statuses))
    _shot(page, screenshot_dir, "5-matrix-en")
