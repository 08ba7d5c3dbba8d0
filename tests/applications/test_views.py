"""Residence applications through the pages: filing (individual and simultaneous), attaching,
submitting, who may see a record, the examination steps, the individuals' filing page and the
e-mails. The services' own happy path is in test_lifecycle.py.

Labels are matched in either language (the catalogues are still being written); elements are
found by their ids."""

from __future__ import annotations

from datetime import date, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from applications import services
from applications.models import Application, ApplicationState, Filing, SupplementRequest
from applications.receipts import receipts_assign
from applications.rules.catalogue import PROCEDURE_BY_CODE, Procedure
from backoffice.access.roles import Role
from backoffice.workbench.models import OutboxMessage
from individuals.card_models import CardholderRegistration, CardholderState
from individuals.models import AgentRegistration
from tests.applications.conftest import JPEG, PDF
from tests.applications.pages import by_id
from tests.conftest import login_as
from tests.factories import UserFactory
from tests.individuals.factories import register_entry, seed_code_table

pytestmark = pytest.mark.django_db

NOTIFY = "an@example.com"
ADDRESS = "東京都新宿区西新宿2-8-1"


# --- helpers -------------------------------------------------------------------------------------


class _ListItems(HTMLParser):
    """The ``<li>`` texts inside ``#closed-procedures``, split at the first colon into (name, why)."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = 0
        self.item: list[str] | None = None
        self.items: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if dict(attrs).get("id") == "closed-procedures":
            self.inside = 1
        elif self.inside and tag == "section":
            self.inside += 1
        if self.inside and tag == "li":
            self.item = []

    def handle_endtag(self, tag: str) -> None:
        if self.inside and tag == "li" and self.item is not None:
            self.items.append(" ".join("".join(self.item).split()))
            self.item = None
        elif self.inside and tag == "section":
            self.inside -= 1

    def handle_data(self, data: str) -> None:
        if self.item is not None:
            self.item.append(data)


def closed_items(response: Any) -> list[tuple[str, str]]:
    parser = _ListItems()
    parser.feed(response.content.decode())
    return [(text.split(":", 1)[0].strip(), text.split(":", 1)[1].strip()) for text in parser.items]


def names_of(*procedures: Procedure) -> set[str]:
    return {n for p in procedures for n in (PROCEDURE_BY_CODE[p].ja, PROCEDURE_BY_CODE[p].en)}


def flash(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def management(total: int = 0) -> dict[str, str]:
    return {
        "family-TOTAL_FORMS": str(total),
        "family-INITIAL_FORMS": "0",
        "family-MIN_NUM_FORMS": "0",
        "family-MAX_NUM_FORMS": "6",
    }


def hr_form(cast: dict[str, Any], **overrides: Any) -> dict[str, str]:
    """The HR officer's form for an extension with re-entry for the company's employee: the
    person's particulars come from the employee record."""
    data = {
        "employee": str(cast["employee"].pk),
        "procedure": Procedure.EXTENSION.value,
        "with_reentry": "on",
        "status": "engineer_humanities_international",
        "sex": "M",
        "prefecture": "13",
        "address": ADDRESS,
        "notification_email": NOTIFY,
        **management(0),
    }
    data.update({k: str(v) for k, v in overrides.items()})
    return data


def upload(name: str, data: bytes, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def detail_url(application: Application) -> str:
    return reverse("applications:detail", args=[application.pk])


def state_of(application: Application) -> str:
    return str(Application.objects.get(pk=application.pk).state)


def file_draft(hr: Client, cast: dict[str, Any]) -> Application:
    response = hr.post(reverse("applications:new"), hr_form(cast))
    assert response.status_code == 302, response.content.decode()[:2000]
    return Application.objects.get(procedure=Procedure.EXTENSION, principal__isnull=True)


def attach_both(client: Client, application: Application) -> None:
    for kind, name, data, mime in (("document", "docs.pdf", PDF, "application/pdf"),
                                   ("photo", "photo.jpg", JPEG, "image/jpeg")):  # fmt: skip
        response = client.post(
            reverse("applications:attach", args=[application.pk]),
            {"kind": kind, "file": upload(name, data, mime)},
        )
        assert response.status_code == 302 and response["Location"] == detail_url(application)


def file_and_submit(hr: Client, cast: dict[str, Any]) -> Application:
    application = file_draft(hr, cast)
    attach_both(hr, application)
    response = hr.post(reverse("applications:submit", args=[application.pk]))
    assert response.status_code == 302, flash(response)
    application.refresh_from_db()
    assert application.state == ApplicationState.SUBMITTED, flash(response)
    return application


def received(hr: Client, cast: dict[str, Any]) -> Application:
    application = file_and_submit(hr, cast)
    receipts_assign(now=timezone.now() + timedelta(days=1))
    application.refresh_from_db()
    assert application.state == ApplicationState.RECEIVED
    return application


def registration(user: Any, *, role: str, state: str = CardholderState.ACTIVE, **overrides: Any) -> Any:
    """A My Number Card registration with fake certificate fingerprints."""
    seed = f"{user.pk:04d}"
    values = dict(
        user=user, role=role, auth_code=f"C{seed}0000000"[:12], state=state, name="TRAN THI BINH",
        date_of_birth=date(1994, 5, 5), sex="F", address="東京都新宿区西新宿2-8-1", identity_key=f"id-{seed}" * 4,
        phone="090-1234-5678", residence_card_number="EF12345678GH", signature_cert_fingerprint="a" * 60 + seed,
        auth_cert_fingerprint="b" * 60 + seed, certificate_not_after=timezone.now() + timedelta(days=365 * 5),
    )  # fmt: skip
    values.update(overrides)
    return CardholderRegistration.objects.create(**values)


def lawyer_client(cast: dict[str, Any]) -> Client:
    """The lawyer persona with an active registration as a filing agent (one ID for all work)."""
    seed_code_table()
    lawyer = cast["users"]["lawyer"]
    AgentRegistration.objects.create(user=lawyer, entry=register_entry(), auth_code="L00000000001")
    return login_as(Client(), lawyer)


def person(prefix: str = "", **overrides: Any) -> dict[str, str]:
    data = {
        "procedure": Procedure.EXTENSION.value,
        "status": "engineer_humanities_international",
        "subject_name": "PHAM VAN CUONG",
        "nationality": "ベトナム",
        "date_of_birth": "1990-02-03",
        "sex": "M",
    }
    data.update({k: str(v) for k, v in overrides.items()})
    return {f"{prefix}{k}": v for k, v in data.items()}


# --- filing by the HR officer --------------------------------------------------------------------


def test_hr_files_an_extension_with_reentry_attaches_and_submits(
    client_for: Any, cast_apps: dict[str, Any]
) -> None:
    hr = client_for("hr")
    page = hr.get(reverse("applications:new"))
    assert page.status_code == 200
    assert by_id(page, "closed-procedures") is not None

    response = hr.post(reverse("applications:new"), hr_form(cast_apps), follow=True)
    assert response.status_code == 200
    principal = Application.objects.get(principal__isnull=True)
    assert response.redirect_chain[-1][0] == detail_url(principal)
    assert principal.state == ApplicationState.DRAFT and principal.filer.username == "hr"
    assert principal.employee_id == cast_apps["employee"].pk
    assert principal.subject_name == "NGUYEN VAN AN"  # from the employee record
    assert principal.period_of_stay_until == date(2099, 3, 31)
    reentry = principal.accompanying.get()
    assert reentry.procedure == Procedure.REENTRY and reentry.filing_id == principal.filing_id
    assert principal.filing.mode == "simultaneous"
    # the draft: submit panel and attach form, nothing numbered yet
    assert by_id(response, "submit-panel") is not None
    assert by_id(response, "attach-form") is not None
    assert by_id(response, "provisional-number") == "—"
    submit_button = response.content.decode().split('id="submit-panel"')[1].split("</section>")[0]
    assert "disabled" in submit_button, "no documents or photo yet"

    attach_both(hr, principal)
    page = hr.get(detail_url(principal))
    assert sorted(principal.attachments.values_list("kind", flat=True)) == ["document", "photo"]
    assert "docs.pdf" in by_id(page, "attachments") and "photo.jpg" in by_id(page, "attachments")
    assert "disabled" not in page.content.decode().split('id="submit-panel"')[1].split("</section>")[0]

    submitted = hr.post(reverse("applications:submit", args=[principal.pk]), follow=True)
    assert submitted.redirect_chain[-1][0] == detail_url(principal)
    principal.refresh_from_db()
    assert principal.state == ApplicationState.SUBMITTED
    assert principal.provisional_number and principal.provisional_number.startswith("P-")
    assert by_id(submitted, "provisional-number") == principal.provisional_number
    assert by_id(submitted, "receipt-number") == "—"
    assert by_id(submitted, "application-state") == principal.get_state_display()
    assert by_id(submitted, "submit-panel") is None and by_id(submitted, "attach-form") is None
    assert Application.objects.get(pk=reentry.pk).state == ApplicationState.SUBMITTED
    assert principal.bureau.code == "tokyo"


def test_a_second_submit_changes_nothing(client_for: Any, cast_apps: dict[str, Any]) -> None:
    hr = client_for("hr")
    application = file_and_submit(hr, cast_apps)
    number = application.provisional_number
    again = hr.post(reverse("applications:submit", args=[application.pk]))
    assert again.status_code == 302
    assert flash(again), "the filer is told why"
    application.refresh_from_db()
    assert application.provisional_number == number and application.state == ApplicationState.SUBMITTED


def test_submit_without_the_photo_is_refused_with_the_missing_item(
    client_for: Any, cast_apps: dict[str, Any]
) -> None:
    hr = client_for("hr")
    application = file_draft(hr, cast_apps)
    hr.post(
        reverse("applications:attach", args=[application.pk]),
        {"kind": "document", "file": upload("docs.pdf", PDF, "application/pdf")},
    )
    response = hr.post(reverse("applications:submit", args=[application.pk]))
    assert response.status_code == 302
    assert any("JPEG" in m or "写真" in m for m in flash(response)), flash(response)
    assert set(Application.objects.values_list("state", flat=True)) == {ApplicationState.DRAFT}


def test_an_employee_of_another_institution_is_refused_and_nothing_is_saved(
    client_for: Any, cast_apps: dict[str, Any]
) -> None:
    hr = client_for("hr")
    response = hr.post(
        reverse("applications:new"), hr_form(cast_apps, employee=cast_apps["other_employee"].pk)
    )
    assert response.status_code == 400
    assert response.context["form"].errors.get("employee")
    assert not Application.objects.exists() and not Filing.objects.exists()


def test_the_last_day_of_stay_is_refused_with_the_reason(client_for: Any, cast_apps: dict[str, Any]) -> None:
    hr = client_for("hr")
    today = timezone.localdate()
    response = hr.post(
        reverse("applications:new"), hr_form(cast_apps, period_of_stay_until=today.isoformat())
    )
    assert response.status_code == 400
    refusal = by_id(response, "refusal")
    assert refusal is not None
    assert "満了日" in refusal or "last day" in refusal, refusal
    assert not Application.objects.exists() and not Filing.objects.exists()


def test_an_unfilled_form_is_refused_with_field_errors(client_for: Any, cast_apps: dict[str, Any]) -> None:
    hr = client_for("hr")
    response = hr.post(reverse("applications:new"), {**management(0), "procedure": "extension"})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"employee", "status", "prefecture", "address"} <= set(errors)
    assert not Application.objects.exists()


def test_hr_cannot_add_a_family_member_who_is_not_an_employee(
    client_for: Any, cast_apps: dict[str, Any]
) -> None:
    """Institution staff file only for foreign nationals affiliated with the institution (§3.2):
    a family member without an employee record is refused, and the principal is not saved either."""
    hr = client_for("hr")
    data = {
        **hr_form(cast_apps),
        **management(1),
        **person("family-0-", subject_name="NGUYEN THI HOA", status="dependent", relationship="spouse"),
    }
    response = hr.post(reverse("applications:new"), data)
    assert response.status_code == 400
    refusal = by_id(response, "refusal")
    assert refusal and "NGUYEN THI HOA" in refusal
    assert not Application.objects.exists() and not Filing.objects.exists()


# --- simultaneous filing (同時) -------------------------------------------------------------------


def test_a_simultaneous_filing_with_a_family_member_is_submitted_together(cast: dict[str, Any]) -> None:
    lawyer = lawyer_client(cast)
    page = lawyer.get(reverse("applications:new"), {"family": "1"})
    assert page.status_code == 200
    assert 'name="family-TOTAL_FORMS"' in page.content.decode()
    assert "employee" not in page.context["form"].fields, "a lawyer files for anyone they represent"
    data = {
        **person(),
        "with_reentry": "on",
        "prefecture": "13",
        "address": ADDRESS,
        "notification_email": NOTIFY,
        **management(1),
        **person("family-0-", subject_name="PHAM THI DUNG", status="dependent", relationship="spouse",
                 date_of_birth="1992-07-08", sex="F"),
    }  # fmt: skip
    response = lawyer.post(reverse("applications:new"), data)
    assert response.status_code == 302, by_id(response, "refusal") or response.context["form"].errors
    filing = Filing.objects.get()
    assert filing.mode == "simultaneous" and filing.filer_kind == "lawyer"
    principals = list(filing.applications.filter(principal__isnull=True).order_by("pk"))
    assert [(a.subject_name, a.procedure) for a in principals] == [
        ("PHAM VAN CUONG", "extension"),
        ("PHAM THI DUNG", "extension"),
    ]
    spouse = principals[1]
    assert spouse.relationship == "spouse" and spouse.address == ADDRESS and spouse.prefecture_id == "13"
    assert spouse.notification_email == NOTIFY
    assert filing.applications.count() == 3  # the principal's re-entry too
    assert response["Location"] == detail_url(principals[0])
    page = lawyer.get(detail_url(principals[0]))
    assert "PHAM THI DUNG" in by_id(page, "filing")

    # Submitting needs every person's documents; the second one's photo is missing at first.
    for application in principals:
        lawyer.post(
            reverse("applications:attach", args=[application.pk]),
            {"kind": "document", "file": upload("docs.pdf", PDF, "application/pdf")},
        )
    lawyer.post(
        reverse("applications:attach", args=[principals[0].pk]),
        {"kind": "photo", "file": upload("photo.jpg", JPEG, "image/jpeg")},
    )
    refused = lawyer.post(reverse("applications:submit", args=[principals[0].pk]))
    assert any("PHAM THI DUNG" in m for m in flash(refused)), flash(refused)
    assert set(filing.applications.values_list("state", flat=True)) == {ApplicationState.DRAFT}

    lawyer.post(
        reverse("applications:attach", args=[spouse.pk]),
        {"kind": "photo", "file": upload("photo.jpg", JPEG, "image/jpeg")},
    )
    # Submitted from the second person's page: the whole filing goes.
    submitted = lawyer.post(reverse("applications:submit", args=[spouse.pk]), follow=True)
    assert submitted.status_code == 200
    states = set(filing.applications.values_list("state", flat=True))
    assert states == {ApplicationState.SUBMITTED}, flash(submitted)
    numbers = list(filing.applications.values_list("provisional_number", flat=True))
    assert all(numbers) and len(set(numbers)) == 3
    assert by_id(submitted, "provisional-number") == Application.objects.get(pk=spouse.pk).provisional_number


def test_one_family_member_refused_saves_nobody(cast: dict[str, Any]) -> None:
    lawyer = lawyer_client(cast)
    data = {
        **person(),
        "prefecture": "13",
        "address": ADDRESS,
        **management(1),
        # a work certificate cannot carry a re-entry permit (only a change, extension or acquisition)
        **person("family-0-", subject_name="PHAM THI DUNG", procedure="work_certificate", with_reentry="on",
                 relationship="spouse"),
    }  # fmt: skip
    response = lawyer.post(reverse("applications:new"), data)
    assert response.status_code == 400
    refusal = by_id(response, "refusal")
    assert refusal and "PHAM THI DUNG" in refusal
    assert "PHAM VAN CUONG" not in refusal, "the principal is allowed; only the family member is named"
    assert not Application.objects.exists() and not Filing.objects.exists()


# --- who sees the record -------------------------------------------------------------------------

SCOPE = [
    # (persona, draft, submitted)
    ("hr", 200, 200),
    ("support", 200, 200),
    ("reviewer_tokyo", 404, 200),
    ("supervisor_tokyo", 404, 200),
    ("auditor", 200, 200),
    ("admin", 200, 200),
    ("hr_other", 404, 404),
    ("public_interest", 404, 404),
    ("reviewer_osaka", 404, 404),
    ("foreign_national", 404, 404),
    ("lawyer", 404, 404),
]


@pytest.mark.parametrize(("name", "draft", "submitted"), SCOPE, ids=[s[0] for s in SCOPE])
def test_who_sees_the_hr_officers_application(
    client_for: Any, cast_apps: dict[str, Any], name: str, draft: int, submitted: int
) -> None:
    application = file_draft(client_for("hr"), cast_apps)
    client = client_for(name)
    assert client.get(detail_url(application)).status_code == draft
    hr = client_for("hr")
    attach_both(hr, application)
    attachment = application.attachments.get(kind="document")
    assert hr.post(reverse("applications:submit", args=[application.pk])).status_code == 302
    assert state_of(application) == ApplicationState.SUBMITTED
    assert client.get(detail_url(application)).status_code == submitted
    download = client.get(reverse("applications:attachment", args=[application.pk, attachment.pk]))
    assert download.status_code == submitted
    if submitted == 200:
        assert b"".join(download.streaming_content) == PDF


def test_anonymous_is_sent_to_the_login(client_for: Any, cast_apps: dict[str, Any]) -> None:
    application = file_draft(client_for("hr"), cast_apps)
    response = Client().get(detail_url(application))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = Client().post(reverse("applications:new"), hr_form(cast_apps))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Application.objects.count() == 2  # the draft and its re-entry; nothing new


# --- examination through the pages ---------------------------------------------------------------


def test_examination_through_the_pages(client_for: Any, cast_apps: dict[str, Any]) -> None:
    hr, reviewer, osaka = client_for("hr"), client_for("reviewer_tokyo"), client_for("reviewer_osaka")
    application = received(hr, cast_apps)
    pk = application.pk
    url = detail_url(application)
    page = reviewer.get(url)
    assert by_id(page, "receipt-number") == application.receipt_number
    assert [b.name for b in page.context["status"].buttons if b.enabled] == ["start_examination"]

    def step(client: Client, name: str, **data: str) -> Any:
        return client.post(reverse("applications:step", args=[pk, name]), data)

    # The Osaka reviewer: out of scope, so every step is "not found"; nothing changes.
    assert step(osaka, "start_examination").status_code == 404
    assert state_of(application) == ApplicationState.RECEIVED

    response = step(reviewer, "start_examination")
    assert response.status_code == 302 and response["Location"] == url
    assert state_of(application) == ApplicationState.UNDER_EXAMINATION
    assert Application.objects.get(pk=pk).examiner.username == "reviewer_tokyo"

    # The filer cannot decide.
    refused = step(hr, "grant")
    assert refused.status_code == 303 and refused["Location"] == url
    assert any("role" in m or "役割" in m for m in flash(refused)), flash(refused)
    assert state_of(application) == ApplicationState.UNDER_EXAMINATION
    assert hr.post(reverse("applications:fee_confirm", args=[pk])).status_code == 403  # no capability
    assert step(osaka, "grant").status_code == 404

    # A supplement request (追完), answered by upload.
    page = reviewer.get(url)
    assert by_id(page, "supplement-form") is not None
    assert by_id(hr.get(url), "supplement-form") is None
    due = timezone.localdate() + timedelta(days=14)
    supplement_url = reverse("applications:supplement_request", args=[pk])
    assert osaka.post(supplement_url, {"message": "x", "due_on": due.isoformat()}).status_code == 404
    past = reviewer.post(
        supplement_url, {"message": "雇用契約書の写し", "due_on": timezone.localdate().isoformat()}
    )
    assert past.status_code == 302 and flash(past)
    assert state_of(application) == ApplicationState.UNDER_EXAMINATION
    response = reviewer.post(supplement_url, {"message": "雇用契約書の写し", "due_on": due.isoformat()})
    assert response.status_code == 302 and response["Location"] == url
    assert state_of(application) == ApplicationState.AWAITING_SUPPLEMENT
    supplement = SupplementRequest.objects.get(application_id=pk)
    assert supplement.due_on == due and supplement.answered_at is None

    page = hr.get(url)
    assert by_id(page, "answer-form") is not None
    assert "雇用契約書の写し" in by_id(page, "supplements")
    assert by_id(reviewer.get(url), "answer-form") is None
    answer_url = reverse("applications:supplement_answer", args=[pk])
    assert reviewer.post(answer_url, {"files": [upload("c.pdf", PDF, "application/pdf")]}).status_code == 403
    empty = hr.post(answer_url, {"note": "送ります"})
    assert empty.status_code == 302 and flash(empty)
    assert state_of(application) == ApplicationState.AWAITING_SUPPLEMENT
    response = hr.post(
        answer_url,
        {"files": [upload("contract.pdf", PDF, "application/pdf"), upload("contract-2.pdf", PDF, "application/pdf")],
         "note": "雇用契約書を添付します"},
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"] == url
    assert state_of(application) == ApplicationState.UNDER_EXAMINATION
    supplement.refresh_from_db()
    assert supplement.answered_at is not None and supplement.answer_note == "雇用契約書を添付します"
    assert sorted(supplement.attachments.values_list("original_name", flat=True)) == [
        "contract-2.pdf",
        "contract.pdf",
    ]

    # Grant, the fee, mailing the card, completion.
    response = step(reviewer, "grant")
    assert response.status_code == 302
    assert state_of(application) == ApplicationState.GRANTED
    page = reviewer.get(url)
    fee_form = by_id(page, "fee-form")
    assert fee_form is not None and ("5,500" in fee_form), fee_form
    assert by_id(hr.get(url), "fee-form") is None
    assert osaka.post(reverse("applications:fee_confirm", args=[pk])).status_code == 404
    response = reviewer.post(reverse("applications:fee_confirm", args=[pk]))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == ApplicationState.AWAITING_ISSUE and application.fee_yen == 5500

    early = step(reviewer, "complete")
    assert early.status_code == 302 and flash(early)
    assert state_of(application) == ApplicationState.AWAITING_ISSUE
    page = reviewer.get(url)
    assert by_id(page, "mail-form") is not None
    mail_url = reverse("applications:card_mail", args=[pk])
    assert osaka.post(mail_url, {"tracking_number": "1234-5678-9012"}).status_code == 404
    assert hr.post(mail_url, {"tracking_number": "1234-5678-9012"}).status_code == 403
    bad = reviewer.post(mail_url, {"tracking_number": "12"})
    assert bad.status_code == 302 and flash(bad)
    assert Application.objects.get(pk=pk).tracking_number == ""
    response = reviewer.post(
        mail_url, {"tracking_number": "１２３４－５６７８－９０１２"}
    )  # full-width, normalised
    assert response.status_code == 302
    assert Application.objects.get(pk=pk).tracking_number == "1234-5678-9012"
    page = hr.get(url)
    assert "1234-5678-9012" in by_id(page, "tracking-number")
    assert by_id(reviewer.get(url), "mail-form") is None

    assert step(osaka, "complete").status_code == 404
    assert step(hr, "complete").status_code == 303
    response = step(reviewer, "complete")
    assert response.status_code == 302
    assert state_of(application) == ApplicationState.COMPLETED
    page = hr.get(url)
    assert by_id(page, "application-state") == Application.objects.get(pk=pk).get_state_display()


def test_an_unknown_step_name_is_refused(client_for: Any, cast_apps: dict[str, Any]) -> None:
    application = received(client_for("hr"), cast_apps)
    reviewer = client_for("reviewer_tokyo")
    for name in ("receive", "confirm_fee", "request_supplement", "nonsense"):
        response = reviewer.post(reverse("applications:step", args=[application.pk, name]))
        assert response.status_code == 303, name
        assert state_of(application) == ApplicationState.RECEIVED
    assert (
        reviewer.get(reverse("applications:step", args=[application.pk, "start_examination"])).status_code
        == 405
    )


def test_denial_needs_reasons_through_the_page(client_for: Any, cast_apps: dict[str, Any]) -> None:
    application = received(client_for("hr"), cast_apps)
    reviewer = client_for("reviewer_tokyo")
    reviewer.post(reverse("applications:step", args=[application.pk, "start_examination"]))
    response = reviewer.post(reverse("applications:step", args=[application.pk, "deny"]), {"reason": "  "})
    assert response.status_code == 302 and flash(response)
    assert state_of(application) == ApplicationState.UNDER_EXAMINATION
    reviewer.post(reverse("applications:step", args=[application.pk, "deny"]), {"reason": "活動実態が不明"})
    application.refresh_from_db()
    assert application.state == ApplicationState.DENIED and application.decision_reason == "活動実態が不明"


# --- individuals ---------------------------------------------------------------------------------


def test_a_foreign_national_is_offered_the_principal_procedures_only(cast: dict[str, Any]) -> None:
    user = cast["users"]["foreign_national"]
    registration(user, role="foreign_national")
    client = login_as(Client(), user)
    page = client.get(reverse("applications:new"))
    assert page.status_code == 200
    form = page.context["form"]
    offered = [value for value, _label in form.fields["procedure"].choices]
    assert offered == ["coe", "change", "extension", "acquisition", "work_certificate"]
    assert "employee" not in form.fields and "family_in_japan" not in form.fields
    assert form.initial["subject_name"] == "TRAN THI BINH"  # from the card registration
    items = closed_items(page)
    together = [why for name, why in items if name in names_of(Procedure.REENTRY, Procedure.EXTRA_ACTIVITY)]
    assert len(together) == 2, items
    assert all("Only together with" in why or "同時" in why or "とともに" in why for why in together), (
        together
    )
    # nothing else is closed to the foreign national: the rest are ※1 advice
    assert not any("×" in why for _name, why in items), items


def test_a_relative_sees_the_work_certificate_closed_and_cannot_file_it(cast: dict[str, Any]) -> None:
    user = UserFactory(username="relative", role=Role.RELATIVE)
    registration(user, role="relative", relationship="spouse")
    client = login_as(Client(), user)
    page = client.get(reverse("applications:new"))
    assert page.status_code == 200
    offered = [value for value, _label in page.context["form"].fields["procedure"].choices]
    assert "work_certificate" not in offered and "extension" in offered
    assert "family_in_japan" in page.context["form"].fields
    items = closed_items(page)
    work = [why for name, why in items if name in names_of(Procedure.WORK_CERTIFICATE)]
    assert len(work) == 1 and "×" in work[0], items

    data = {
        **person(procedure="work_certificate", subject_name="TRAN VAN NAM", date_of_birth="2015-01-01"),
        "prefecture": "13",
        "address": ADDRESS,
        "family_in_japan": "yes",
        **management(0),
    }
    response = client.post(reverse("applications:new"), data)
    assert response.status_code == 400
    assert response.context["form"].errors.get("procedure")
    assert not Application.objects.exists()

    # The same child's extension is open (※3: under 16).
    response = client.post(
        reverse("applications:new"), {**data, "procedure": "extension", "status": "dependent"}
    )
    assert response.status_code == 302, by_id(response, "refusal") or response.context["form"].errors
    assert Application.objects.get().filer_id == user.pk


def test_a_suspended_registration_is_sent_away_with_the_problem(cast: dict[str, Any]) -> None:
    user = cast["users"]["foreign_national"]
    registration(user, role="foreign_national", state=CardholderState.SUSPENDED)
    client = login_as(Client(), user)
    response = client.get(reverse("applications:new"))
    assert response.status_code == 302 and response["Location"] == reverse("applications:list")
    messages = flash(response)
    assert any("マイナンバーカード" in m or "My Number Card" in m for m in messages), messages
    response = client.post(
        reverse("applications:new"), person(prefecture="13", address=ADDRESS, **management(0))
    )
    assert response.status_code == 302
    assert not Application.objects.exists()


# --- e-mails -------------------------------------------------------------------------------------


def test_filed_and_receipt_mails_once_per_application_and_address(
    client_for: Any, cast_apps: dict[str, Any]
) -> None:
    hr_user = cast_apps["users"]["hr"]
    earlier = list(OutboxMessage.objects.values_list("pk", flat=True))  # the usage request's mails
    application = file_and_submit(client_for("hr"), cast_apps)
    applications = list(Application.objects.order_by("pk"))
    assert len(applications) == 2  # the extension and its re-entry permit
    receipts_assign(now=timezone.now() + timedelta(days=1))

    def count(recipient: str, marker: str, application: Application) -> int:
        number = application.provisional_number
        return sum(
            1
            for m in OutboxMessage.objects.filter(recipient=recipient, subject__contains=marker)
            if number in m.body
        )

    for recipient in (hr_user.email, NOTIFY):
        for each in applications:
            assert count(recipient, "申請受付完了", each) == 1, (recipient, each.procedure)
            assert count(recipient, "受付番号", each) == 1, (recipient, each.procedure)
    new = OutboxMessage.objects.exclude(pk__in=earlier)
    assert sorted(new.values_list("recipient", flat=True)) == sorted([hr_user.email] * 4 + [NOTIFY] * 4)

    application.refresh_from_db()
    for recipient in (hr_user.email, NOTIFY):
        receipt = OutboxMessage.objects.get(
            recipient=recipient,
            subject__contains="受付番号",
            body__contains=f"仮受付番号: {application.provisional_number}",
        )
        body = receipt.body
        assert f"受付番号: {application.receipt_number}" in body
        assert f"Receipt number: {application.receipt_number}" in body
        assert body.index("在留申請の受付番号をお知らせします") < body.index(
            "Your residence application has been received"
        )
        filed_mails = [
            m for m in OutboxMessage.objects.filter(recipient=recipient, subject__contains="申請受付完了")
            if f"仮受付番号: {application.provisional_number}" in m.body
        ]  # fmt: skip
        assert len(filed_mails) == 1
        text = filed_mails[0].body
        assert "在留申請を受け付けました" in text and "Your residence application has been filed." in text
        assert text.index("在留申請を受け付けました") < text.index(
            "Your residence application has been filed."
        )

    before = OutboxMessage.objects.count()
    assert receipts_assign(now=timezone.now() + timedelta(days=1)) == {}
    assert receipts_assign(now=timezone.now() + timedelta(days=2)) == {}
    assert OutboxMessage.objects.count() == before


def test_the_filing_saves_the_particulars_the_service_would(
    client_for: Any, cast_apps: dict[str, Any]
) -> None:
    """The page and the service agree: the same form through services.filing_create gives the
    same application (the page adds nothing of its own)."""
    hr = client_for("hr")
    via_page = file_draft(hr, cast_apps)
    employee = cast_apps["employee"]
    filing = services.filing_create(
        actor=cast_apps["users"]["hr"],
        applicants=[services.ApplicantInput(
            procedure=Procedure.EXTENSION, status="engineer_humanities_international", subject_name=employee.name,
            nationality=employee.nationality, date_of_birth=employee.date_of_birth, sex="M", prefecture_code="13",
            address=ADDRESS, employee_id=employee.pk, with_=(Procedure.REENTRY,), notification_email=NOTIFY,
            current_status=employee.status_of_residence, period_of_stay_until=employee.period_of_stay_until,
            residence_card_number=employee.residence_card_number, details={"reentry_multiple": False},
        )],
    )  # fmt: skip
    via_service = filing.applications.get(principal__isnull=True)
    fields = ["procedure", "status", "subject_name", "nationality", "date_of_birth", "sex", "prefecture_id",
              "address", "employee_id", "institution_id", "notification_email", "current_status",
              "period_of_stay_until", "residence_card_number", "details", "permission"]  # fmt: skip
    assert {f: getattr(via_page, f) for f in fields} == {f: getattr(via_service, f) for f in fields}
