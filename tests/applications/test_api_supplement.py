"""Answering a supplement request (追完) through the API (api_submissions.api_supplement_answer):
signed by the person who filed, for the open request, with documents only; refused answers leave
the application, its files and the request as they were."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from applications import examination
from applications.api_models import ApiSubmission, SubmissionKind
from applications.models import Application, ApplicationState, Attachment, SupplementRequest
from applications.receipts import receipts_assign
from backoffice.audit.models import AuditEvent
from backoffice.text import my_number_check_digit
from individuals.card_models import CardholderRegistration, CardholderState
from jpki.testing.pki import CardKeys, Person, TestPki
from tests.applications import api_support
from tests.applications.api_support import (
    Operator,
    Submission,
    assert_problem,
    card_holder,
    counts,
    error_fields,
    operator_with_token,
    sign,
    signed_submission,
)
from tests.applications.conftest import ENCRYPTED_PDF, JPEG, PDF, make_pdf

pytestmark = pytest.mark.django_db

# The shared fixtures, for pytest.
pki = api_support.pki

ANSWER = make_pdf(text="雇用契約書の写し")


@pytest.fixture
def api(cast: dict[str, Any]) -> Operator:
    return operator_with_token(cast["users"]["admin"])


@dataclass
class Awaiting:
    application: Application
    supplement: SupplementRequest
    registration: CardholderRegistration
    keys: CardKeys

    @property
    def number(self) -> str:
        return str(self.application.provisional_number)

    @property
    def path(self) -> str:
        return f"/api/v1/applications/{self.number}/supplement"


def under_examination(api: Operator, pki: TestPki, cast: dict[str, Any]) -> tuple[Application, Any, CardKeys]:
    registration, keys = card_holder(pki)
    response = signed_submission(api.operator, keys).post(api.client())
    assert response.status_code == 201, response.content
    application = Application.objects.get(provisional_number=response.json()["applications"][0]["id"])
    receipts_assign(now=timezone.now() + timedelta(days=1))
    examination.application_transition(
        actor=cast["users"]["reviewer_tokyo"], application_id=application.pk, name="start_examination"
    )
    application.refresh_from_db()
    assert application.state == ApplicationState.UNDER_EXAMINATION
    return application, registration, keys


@pytest.fixture
def awaiting(pki: TestPki, api: Operator, cast: dict[str, Any]) -> Awaiting:
    """An application filed through the API, examined, with a supplement request open."""
    application, registration, keys = under_examination(api, pki, cast)
    supplement = examination.supplement_request(
        actor=cast["users"]["reviewer_tokyo"], application_id=application.pk, message="雇用契約書の写しを提出してください。",
        due_on=timezone.localdate() + timedelta(days=14),
    )  # fmt: skip
    application.refresh_from_db()
    assert application.state == ApplicationState.AWAITING_SUPPLEMENT
    return Awaiting(application, supplement, registration, keys)


def signed_supplement(
    operator: Any, keys: CardKeys, *, application: str, supplement: Any, note: Any = "添付します。",
    files: dict[str, tuple[str, str, bytes]] | None = None, key: str = "", **top: Any,
) -> Submission:  # fmt: skip
    files = files if files is not None else {"doc1": ("document", "contract.pdf", ANSWER)}
    payload = {
        "type": "zairyu.supplement/v1", "operator": operator.corporate_number, "application": application,
        "supplement": supplement, "note": note,
        "attachments": [{"part": part, "kind": kind, "name": name, "sha256": hashlib.sha256(data).hexdigest(),
                         "size": len(data)} for part, (kind, name, data) in files.items()],
        **top,
    }  # fmt: skip
    payload = {k: v for k, v in payload.items() if v is not None}
    return Submission(
        payload,
        {part: data for part, (_k, _n, data) in files.items()},
        sign(payload, keys),
        key or f"supplement-{hashlib.sha256(repr(payload).encode()).hexdigest()[:16]}",
    )


def answer(awaiting: Awaiting, api: Operator, keys: CardKeys | None = None, **kwargs: Any) -> Submission:
    kwargs.setdefault("application", awaiting.number)
    kwargs.setdefault("supplement", awaiting.supplement.pk)
    return signed_supplement(api.operator, keys or awaiting.keys, **kwargs)


def unchanged(awaiting: Awaiting, before: dict[str, int]) -> None:
    """The refused answer stored nothing and moved nothing."""
    assert counts() == before
    awaiting.application.refresh_from_db()
    assert awaiting.application.state == ApplicationState.AWAITING_SUPPLEMENT
    awaiting.supplement.refresh_from_db()
    assert awaiting.supplement.answered_at is None
    assert not Attachment.objects.filter(supplement=awaiting.supplement).exists()


def refused(
    response: Any, status: int, code: str, awaiting: Awaiting, before: dict[str, int]
) -> dict[str, Any]:
    body = assert_problem(response, status, code)
    unchanged(awaiting, before)
    return body


# --- the answer ----------------------------------------------------------------------------------


def test_the_filer_answers_the_open_request(awaiting: Awaiting, api: Operator) -> None:
    before = counts()
    submission = answer(awaiting, api, note="雇用契約書の写しを添付します。")
    response = submission.post(api.client(), awaiting.path)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == awaiting.number
    assert (body["stage"], body["state"]) == ("examination", "under_examination")
    (listed,) = body["supplements"]
    assert listed["id"] == awaiting.supplement.pk and listed["open"] is False and listed["answered_at"]
    awaiting.application.refresh_from_db()
    assert awaiting.application.state == ApplicationState.UNDER_EXAMINATION
    awaiting.supplement.refresh_from_db()
    assert awaiting.supplement.answered_at is not None
    assert awaiting.supplement.answer_note == "雇用契約書の写しを添付します。"
    (attached,) = Attachment.objects.filter(supplement=awaiting.supplement)
    assert attached.original_name == "contract.pdf" and attached.sha256 == hashlib.sha256(ANSWER).hexdigest()
    stored = ApiSubmission.objects.get(kind=SubmissionKind.SUPPLEMENT)
    assert stored.application == awaiting.application and stored.registration == awaiting.registration
    assert stored.status_code == 200 and stored.revocation == "checked"
    assert counts()["submissions"] == before["submissions"] + 1
    assert AuditEvent.objects.filter(action="api.supplement_answered").count() == 1
    # The status endpoint says the same.
    assert api.client().get(f"/api/v1/applications/{awaiting.number}").json() == body


def test_several_documents_and_no_note(awaiting: Awaiting, api: Operator) -> None:
    files = {"a": ("document", "a.pdf", ANSWER), "b": ("document", "b.pdf", PDF)}
    response = answer(awaiting, api, files=files, note=None).post(api.client(), awaiting.path)
    assert response.status_code == 200, response.content
    assert Attachment.objects.filter(supplement=awaiting.supplement).count() == 2


def test_a_retry_gets_the_same_answer(awaiting: Awaiting, api: Operator) -> None:
    submission = answer(awaiting, api)
    first = submission.post(api.client(), awaiting.path)
    assert first.status_code == 200, first.content
    again = submission.post(api.client(), awaiting.path)
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Attachment.objects.filter(supplement=awaiting.supplement).count() == 1
    assert ApiSubmission.objects.filter(kind=SubmissionKind.SUPPLEMENT).count() == 1


def test_the_same_signed_answer_under_a_new_key_is_a_duplicate(awaiting: Awaiting, api: Operator) -> None:
    submission = answer(awaiting, api)
    assert submission.post(api.client(), awaiting.path).status_code == 200
    submission.key = "another-supplement-key"
    before = counts()
    body = assert_problem(submission.post(api.client(), awaiting.path), 409, "duplicate_submission")
    assert body["submitted"] == awaiting.number
    assert counts() == before


def test_a_second_answer_finds_no_open_request(awaiting: Awaiting, api: Operator) -> None:
    assert answer(awaiting, api).post(api.client(), awaiting.path).status_code == 200
    before = counts()
    second = answer(awaiting, api, note="もう一通")
    assert_problem(second.post(api.client(), awaiting.path), 409, "supplement_not_open")
    assert counts() == before


# --- who signs, which request ------------------------------------------------------------------------


def test_another_registered_person_may_not_answer(awaiting: Awaiting, api: Operator, pki: TestPki) -> None:
    _other, other_keys = card_holder(pki, name="TRAN THI BINH")
    before = counts()
    response = answer(awaiting, api, keys=other_keys).post(api.client(), awaiting.path)
    refused(response, 403, "signer_not_filer", awaiting, before)


def test_an_unregistered_signer_may_not_answer(awaiting: Awaiting, api: Operator, pki: TestPki) -> None:
    from datetime import date

    keys = pki.issue_card(
        Person(name="TRAN THI BINH", date_of_birth=date(1992, 6, 15), sex=2, address="東京都")
    )
    before = counts()
    response = answer(awaiting, api, keys=keys).post(api.client(), awaiting.path)
    refused(response, 403, "signer_not_registered", awaiting, before)


def test_a_supplement_never_registers_anyone(awaiting: Awaiting, api: Operator) -> None:
    before = counts()
    response = answer(awaiting, api, register={"role": "foreign_national"}).post(api.client(), awaiting.path)
    body = refused(response, 400, "invalid", awaiting, before)
    assert error_fields(body) == {"register": "unknown"}


def test_a_suspended_filer_may_not_answer(awaiting: Awaiting, api: Operator) -> None:
    awaiting.registration.state = CardholderState.SUSPENDED
    awaiting.registration.save(update_fields=["state"])
    before = counts()
    response = answer(awaiting, api).post(api.client(), awaiting.path)
    refused(response, 403, "signer_inactive", awaiting, before)


def test_the_filer_signing_with_the_authentication_key_is_refused(awaiting: Awaiting, api: Operator) -> None:
    submission = answer(awaiting, api)
    submission.signature = sign(submission.payload, awaiting.keys, use_auth_key=True)
    before = counts()
    refused(submission.post(api.client(), awaiting.path), 422, "certificate_wrong_type", awaiting, before)


def test_a_tampered_answer_is_refused(awaiting: Awaiting, api: Operator) -> None:
    submission = answer(awaiting, api)
    submission.files["doc1"] = PDF
    before = counts()
    refused(submission.post(api.client(), awaiting.path), 422, "signature_invalid", awaiting, before)
    submission = answer(awaiting, api)
    submission.payload["note"] = "書き換え"
    refused(submission.post(api.client(), awaiting.path), 422, "signature_invalid", awaiting, before)


def test_another_supplement_id_is_not_open(awaiting: Awaiting, api: Operator) -> None:
    before = counts()
    response = answer(awaiting, api, supplement=awaiting.supplement.pk + 1000).post(
        api.client(), awaiting.path
    )
    refused(response, 409, "supplement_not_open", awaiting, before)


def test_an_older_answered_request_is_not_open(pki: TestPki, api: Operator, cast: dict[str, Any]) -> None:
    """Answered once, asked again: only the new request can be answered."""
    application, _registration, keys = under_examination(api, pki, cast)
    reviewer = cast["users"]["reviewer_tokyo"]
    due_on = timezone.localdate() + timedelta(days=14)
    first = examination.supplement_request(
        actor=reviewer, application_id=application.pk, message="一通目", due_on=due_on
    )
    number = str(application.provisional_number)
    path = f"/api/v1/applications/{number}/supplement"
    response = signed_supplement(api.operator, keys, application=number, supplement=first.pk).post(
        api.client(), path
    )
    assert response.status_code == 200, response.content
    second = examination.supplement_request(
        actor=reviewer, application_id=application.pk, message="二通目", due_on=due_on
    )
    late = signed_supplement(api.operator, keys, application=number, supplement=first.pk, note="一通目へ追加")
    assert_problem(late.post(api.client(), path), 409, "supplement_not_open")
    second.refresh_from_db()
    assert second.answered_at is None
    right = signed_supplement(api.operator, keys, application=number, supplement=second.pk, note="二通目へ")
    assert right.post(api.client(), path).status_code == 200


def test_no_open_request_while_under_examination(pki: TestPki, api: Operator, cast: dict[str, Any]) -> None:
    application, _registration, keys = under_examination(api, pki, cast)
    number = str(application.provisional_number)
    before = counts()
    response = signed_supplement(api.operator, keys, application=number, supplement=1).post(
        api.client(), f"/api/v1/applications/{number}/supplement"
    )
    assert_problem(response, 409, "supplement_not_open")
    assert counts() == before
    application.refresh_from_db()
    assert application.state == ApplicationState.UNDER_EXAMINATION


def test_the_url_and_the_payload_name_the_same_application(awaiting: Awaiting, api: Operator) -> None:
    before = counts()
    response = answer(awaiting, api, application="P-20260101-0000009").post(api.client(), awaiting.path)
    body = refused(response, 400, "invalid", awaiting, before)
    assert error_fields(body) == {"application": "mismatch"}


def test_another_operators_application_is_not_found(awaiting: Awaiting, cast: dict[str, Any]) -> None:
    other = operator_with_token(cast["users"]["admin"], seed=72)
    before = counts()
    response = signed_supplement(
        other.operator, awaiting.keys, application=awaiting.number, supplement=awaiting.supplement.pk
    ).post(other.client(), awaiting.path)
    refused(response, 404, "not_found", awaiting, before)


def test_the_payload_names_the_calling_operator(
    awaiting: Awaiting, api: Operator, cast: dict[str, Any]
) -> None:
    other = operator_with_token(cast["users"]["admin"], seed=72)
    before = counts()
    submission = signed_supplement(other.operator, awaiting.keys, application=awaiting.number,
                                   supplement=awaiting.supplement.pk)  # fmt: skip
    body = refused(submission.post(api.client(), awaiting.path), 400, "invalid", awaiting, before)
    assert error_fields(body) == {"operator": "operator"}


def test_an_application_payload_is_not_a_supplement(awaiting: Awaiting, api: Operator) -> None:
    submission = signed_submission(api.operator, awaiting.keys)
    before = counts()
    body = refused(submission.post(api.client(), awaiting.path), 400, "invalid", awaiting, before)
    assert error_fields(body) == {"type": "type"}


# --- what it carries ---------------------------------------------------------------------------------


def test_a_photo_is_not_a_supplement(awaiting: Awaiting, api: Operator) -> None:
    before = counts()
    files = {"doc1": ("document", "contract.pdf", ANSWER), "photo": ("photo", "photo.jpg", JPEG)}
    response = answer(awaiting, api, files=files).post(api.client(), awaiting.path)
    body = refused(response, 400, "invalid", awaiting, before)
    assert error_fields(body) == {"attachments": "documents"}


def test_a_supplement_carries_at_least_one_document(awaiting: Awaiting, api: Operator) -> None:
    before = counts()
    response = answer(awaiting, api, files={}).post(api.client(), awaiting.path)
    body = refused(response, 400, "invalid", awaiting, before)
    assert error_fields(body) == {"attachments": "documents"}


def test_an_encrypted_pdf_is_refused_with_the_upload_rule(awaiting: Awaiting, api: Operator) -> None:
    before = counts()
    files = {"doc1": ("document", "contract.pdf", ANSWER), "doc2": ("document", "locked.pdf", ENCRYPTED_PDF)}
    response = answer(awaiting, api, files=files).post(api.client(), awaiting.path)
    body = refused(response, 400, "invalid", awaiting, before)
    assert error_fields(body) == {"attachments[1]": "encrypted"}


@pytest.mark.parametrize("note", ["x" * 2001, 5, ["添付します"], True])
def test_the_note_is_text_of_up_to_2000_characters(awaiting: Awaiting, api: Operator, note: Any) -> None:
    before = counts()
    response = answer(awaiting, api, note=note).post(api.client(), awaiting.path)
    body = refused(response, 400, "invalid", awaiting, before)
    assert set(error_fields(body)) == {"note"}


def test_a_my_number_in_the_note_is_refused(awaiting: Awaiting, api: Operator) -> None:
    digits = "12345678901"
    before = counts()
    response = answer(awaiting, api, note=f"個人番号 {digits}{my_number_check_digit(digits)}").post(
        api.client(), awaiting.path
    )
    body = refused(response, 400, "invalid", awaiting, before)
    assert error_fields(body) == {"note": "my_number"}


@pytest.mark.parametrize("supplement", ["1", True, [1], {"id": 1}])
def test_the_supplement_id_is_an_integer(awaiting: Awaiting, api: Operator, supplement: Any) -> None:
    """Not a string, and not true (which Python would take for 1, the first request's id)."""
    assert awaiting.supplement.pk == 1  # so that true would match it if taken for 1
    before = counts()
    response = answer(awaiting, api, supplement=supplement).post(api.client(), awaiting.path)
    body = refused(response, 400, "invalid", awaiting, before)
    assert error_fields(body) == {"supplement": "type"}


def test_the_supplement_id_is_required(awaiting: Awaiting, api: Operator) -> None:
    before = counts()
    response = answer(awaiting, api, supplement=None).post(api.client(), awaiting.path)
    body = refused(response, 400, "invalid", awaiting, before)
    assert error_fields(body) == {"supplement": "required"}


@pytest.mark.parametrize("number", [1, None, ["P-1"]])
def test_the_application_is_named_by_its_number(awaiting: Awaiting, api: Operator, number: Any) -> None:
    before = counts()
    response = answer(awaiting, api, application=number).post(api.client(), awaiting.path)
    body = refused(response, 400, "invalid", awaiting, before)
    assert error_fields(body) == {"application": "required" if number is None else "type"}
