"""The status endpoints (applications/api/status.py, views.ApplicationDetail and Applications.get):
what an operator sees of the applications filed through it, and nothing of anyone else's."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from applications import examination
from applications.models import Application, ApplicationState
from applications.receipts import receipts_assign
from jpki.testing.pki import CardKeys
from tests.applications import api_support
from tests.applications.api_support import (
    Operator,
    assert_problem,
    card_holder,
    error_fields,
    extension_application,
    operator_with_token,
    signed_submission,
)

pytestmark = pytest.mark.django_db

# The shared fixtures, for pytest.
pki = api_support.pki


@pytest.fixture
def api(cast: dict[str, Any]) -> Operator:
    return operator_with_token(cast["users"]["admin"])


def file(api: Operator, keys: CardKeys, n: int = 1) -> str:
    """One extension filed through the API; its provisional number."""
    application = extension_application(notification_email=f"an{n}@example.test")
    response = signed_submission(api.operator, keys, application=application).post(api.client())
    assert response.status_code == 201, response.content
    number: str = response.json()["applications"][0]["id"]
    return number


def detail(api: Operator, number: str) -> Any:
    return api.client().get(f"/api/v1/applications/{number}")


def test_the_detail_is_the_status_document(pki: Any, api: Operator) -> None:
    registration, keys = card_holder(pki)
    number = file(api, keys)
    response = detail(api, number)
    assert response.status_code == 200, response.content
    body = response.json()
    application = Application.objects.get(provisional_number=number)
    assert body["id"] == body["provisional_number"] == number
    assert (body["stage"], body["state"]) == ("intake", "submitted")
    assert body["state_label"]["ja"] and body["state_label"]["en"]
    assert body["state_label"]["ja"] != body["state_label"]["en"]
    assert body["receipt_number"] is None and body["received_at"] is None
    assert body["supplements"] == [] and body["decision"] is None
    assert body["procedure"] == "extension" and body["subject_name"] == "NGUYEN VAN AN"
    assert body["bureau"] == {"ja": application.bureau.name_ja, "en": application.bureau.name_en}
    assert body["filer"] == {"authentication_id": str(registration), "role": "foreign_national"}
    assert body["operator"] == api.operator.corporate_number
    assert body["filed_at"] is not None


def test_the_detail_is_the_same_document_the_submission_answered_with(pki: Any, api: Operator) -> None:
    _registration, keys = card_holder(pki)
    response = signed_submission(api.operator, keys).post(api.client())
    (filed,) = response.json()["applications"]
    assert detail(api, filed["id"]).json() == filed


def test_another_operator_does_not_see_it(pki: Any, api: Operator, cast: dict[str, Any]) -> None:
    _registration, keys = card_holder(pki)
    number = file(api, keys)
    other = operator_with_token(cast["users"]["admin"], seed=72)
    assert_problem(detail(other, number), 404, "not_found")
    assert other.client().get("/api/v1/applications").json()["count"] == 0


def test_an_application_not_filed_through_the_api_is_not_found(
    cast_apps: dict[str, Any], pki: Any, api: Operator
) -> None:
    from tests.applications.test_transitions import reach

    application = reach(cast_apps, ApplicationState.SUBMITTED)
    assert application.provisional_number
    assert_problem(detail(api, application.provisional_number), 404, "not_found")
    assert api.client().get("/api/v1/applications").json()["count"] == 0


@pytest.mark.parametrize("number", ["P-20990101-0000001", "nothing", "%E2%80%8B", "1' OR '1'='1"])
def test_an_unknown_number_is_not_found(pki: Any, api: Operator, number: str) -> None:
    assert_problem(detail(api, number), 404, "not_found")


def test_the_receipt_number_appears_once_the_night_run_has_given_it(pki: Any, api: Operator) -> None:
    _registration, keys = card_holder(pki)
    number = file(api, keys)
    assert detail(api, number).json()["receipt_number"] is None
    receipts_assign(now=timezone.now() + timedelta(days=1))
    body = detail(api, number).json()
    application = Application.objects.get(provisional_number=number)
    assert body["receipt_number"] == application.receipt_number and body["receipt_number"]
    assert (body["stage"], body["state"]) == ("intake", "received")
    assert body["received_at"] is not None
    assert body["provisional_number"] == number


def test_examination_supplement_and_decision_show_in_the_status(
    pki: Any, api: Operator, cast: dict[str, Any]
) -> None:
    _registration, keys = card_holder(pki)
    number = file(api, keys)
    receipts_assign(now=timezone.now() + timedelta(days=1))
    reviewer = cast["users"]["reviewer_tokyo"]
    pk = Application.objects.get(provisional_number=number).pk
    examination.application_transition(actor=reviewer, application_id=pk, name="start_examination")
    assert (detail(api, number).json()["stage"], detail(api, number).json()["state"]) == (
        "examination", "under_examination",
    )  # fmt: skip
    due_on = timezone.localdate() + timedelta(days=14)
    supplement = examination.supplement_request(
        actor=reviewer, application_id=pk, message="雇用契約書の写し", due_on=due_on
    )
    body = detail(api, number).json()
    assert (body["stage"], body["state"]) == ("examination", "awaiting_supplement")
    (listed,) = body["supplements"]
    assert listed["id"] == supplement.pk and listed["message"] == "雇用契約書の写し"
    assert listed["due_on"] == due_on.isoformat() and listed["open"] is True and listed["answered_at"] is None
    examination.supplement_answer(actor=Application.objects.get(pk=pk).filer, application_id=pk,
                                  files=[("contract.pdf", _pdf())])  # fmt: skip
    examination.application_transition(
        actor=reviewer, application_id=pk, name="deny", reason="要件を満たしません。"
    )
    body = detail(api, number).json()
    assert (body["stage"], body["state"], body["decision"]) == ("decided", "denied", "denied")
    assert body["decision_reason"] == "要件を満たしません。" and body["decided_at"] is not None
    assert body["supplements"][0]["open"] is False and body["supplements"][0]["answered_at"] is not None


def _pdf() -> bytes:
    from tests.applications.conftest import PDF

    return PDF


def test_a_granted_application_says_granted_without_a_reason(
    pki: Any, api: Operator, cast: dict[str, Any]
) -> None:
    _registration, keys = card_holder(pki)
    number = file(api, keys)
    receipts_assign(now=timezone.now() + timedelta(days=1))
    reviewer = cast["users"]["reviewer_tokyo"]
    pk = Application.objects.get(provisional_number=number).pk
    examination.application_transition(actor=reviewer, application_id=pk, name="start_examination")
    examination.application_transition(actor=reviewer, application_id=pk, name="grant")
    body = detail(api, number).json()
    assert (body["stage"], body["state"], body["decision"], body["decision_reason"]) == (
        "decided", "granted", "granted", None,
    )  # fmt: skip


# --- the list ----------------------------------------------------------------------------------------


def test_the_list_is_newest_first_and_filters_by_authentication_id(pki: Any, api: Operator) -> None:
    first, first_keys = card_holder(pki)
    second, second_keys = card_holder(pki, name="TRAN THI BINH")
    a = file(api, first_keys, 1)
    b = file(api, second_keys, 2)
    c = file(api, first_keys, 3)
    everyone = api.client().get("/api/v1/applications").json()
    assert everyone["count"] == 3 and [r["id"] for r in everyone["results"]] == [c, b, a]
    assert everyone["page"] == 1 and everyone["next_page"] is None
    theirs = api.client().get("/api/v1/applications", {"authentication_id": str(first)}).json()
    assert [r["id"] for r in theirs["results"]] == [c, a] and theirs["count"] == 2
    # As a person types it: without hyphens, lower case, full-width.
    typed = str(second).replace("-", "").lower()
    assert [
        r["id"]
        for r in api.client().get("/api/v1/applications", {"authentication_id": typed}).json()["results"]
    ] == [b]
    full_width = "".join(chr(ord(ch) + 0xFEE0) if ch.isdigit() else ch for ch in str(second))
    found = api.client().get("/api/v1/applications", {"authentication_id": full_width}).json()
    assert [r["id"] for r in found["results"]] == [b]


@pytest.mark.parametrize("authentication_id", ["nobody", "0000-0000-0000", "'; DROP TABLE x; --", "𝟘" * 300])
def test_an_unknown_authentication_id_lists_nothing(pki: Any, api: Operator, authentication_id: str) -> None:
    _registration, keys = card_holder(pki)
    file(api, keys)
    response = api.client().get("/api/v1/applications", {"authentication_id": authentication_id})
    assert response.status_code == 200, response.content
    assert response.json()["count"] == 0 and response.json()["results"] == []


def test_the_list_pages(pki: Any, api: Operator, monkeypatch: pytest.MonkeyPatch) -> None:
    from applications.api import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    _registration, keys = card_holder(pki)
    numbers = [file(api, keys, n) for n in range(5)][::-1]
    pages = [api.client().get("/api/v1/applications", {"page": page}).json() for page in (1, 2, 3, 4)]
    assert [[r["id"] for r in p["results"]] for p in pages] == [numbers[:2], numbers[2:4], numbers[4:], []]
    assert [p["next_page"] for p in pages] == [2, 3, None, None]
    assert {p["count"] for p in pages} == {5} and {p["page_size"] for p in pages} == {2}


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "", "99999999999", "١"])
def test_a_bad_page_is_invalid(pki: Any, api: Operator, page: str) -> None:
    response = api.client().get("/api/v1/applications", {"page": page})
    body = assert_problem(response, 400, "invalid")
    assert error_fields(body) == {"page": "page"}


def test_the_list_needs_a_credential(pki: Any) -> None:
    from django.test import Client

    response = Client(REMOTE_ADDR="203.0.113.9").get("/api/v1/applications")
    assert_problem(response, 401, "unauthenticated")
    response = Client(REMOTE_ADDR="203.0.113.9").get("/api/v1/applications/P-20260101-0000001")
    assert_problem(response, 401, "unauthenticated")
