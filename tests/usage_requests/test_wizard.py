"""The filing wizard: steps, saved answers, the documents checklist, the check before submitting."""

from __future__ import annotations

import copy
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from reportlab.pdfgen import canvas

from reviews.forms import declared_initial
from tests.usage_requests.conftest import GOOD_FACTS
from usage_requests.forms import DeclaredFactsForm
from usage_requests.models import UsageRequest
from usage_requests.services import usage_request_create, usage_request_transition
from usage_requests.wizard import documents_expected, step_after, step_before


def _kinds(**arguments: Any) -> list[str]:
    return [item.kind.value for item in documents_expected(**arguments)]


def test_the_documents_expected_follow_category_rule_set_and_filer() -> None:
    base = {"ruleset": "R2022", "document_category": 2, "kind": "new", "filed_through_agent": False}
    assert _kinds(**base) == ["pledge", "agent_certificate"]
    assert _kinds(**{**base, "document_category": 3}) == ["pledge", "financials", "agent_certificate"]
    assert _kinds(**{**base, "document_category": 4}) == ["pledge", "financials", "agent_certificate"]
    assert _kinds(**{**base, "kind": "periodic_report"}) == ["pledge"]
    assert "pledge_list" not in _kinds(**{**base, "filed_through_agent": True}), "only from R2026"
    assert _kinds(**{**base, "ruleset": "R2026", "filed_through_agent": True})[-1] == "pledge_list"
    assert "pledge_list" not in _kinds(**{**base, "ruleset": "R2026"}), "only for agents' staff"


def test_steps_run_in_order() -> None:
    assert step_after("answers") == "registry" and step_after("check") is None
    assert step_before("answers") is None and step_before("check") == "documents"


def test_saved_answers_fill_the_form_again() -> None:
    facts = copy.deepcopy(GOOD_FACTS)
    facts["institution"]["financials"] = {
        "net_assets": -5, "operating_results": [-1, 2], "capital": 10, "business_plan": True,
    }  # fmt: skip
    facts["filer"]["revocations"] = [{"on": "2025-01-10", "reason": "sanction"}]
    form = DeclaredFactsForm(data={k: ("" if v is None else v) for k, v in declared_initial(facts).items()})
    assert form.is_valid(), form.errors
    assert form.declared_facts({}) == {
        "institution": {**facts["institution"], "applications_past_3y": None,
                        "has_online_eligible_foreigner": None, "unlawful_employment_past_3y": None,
                        "revocation_involvement_past_3y": None, "employment_status_report_filed": True},
        "filer": {**facts["filer"], "training_completed_on": None},
    }  # fmt: skip


def _draft(cast: dict[str, Any], facts: dict[str, Any] | None = None) -> UsageRequest:
    return usage_request_create(
        actor=cast["users"]["hr"], institution=cast["company"], acting_for=None, kind="new",
        declared_facts=copy.deepcopy(GOOD_FACTS if facts is None else facts),
    )  # fmt: skip


@pytest.mark.django_db
def test_who_reaches_the_wizard(client_for: Any, cast_ur: dict[str, Any]) -> None:
    draft = _draft(cast_ur)
    url = reverse("usage_requests:file", args=[draft.pk, "answers"])
    assert client_for("hr").get(url).status_code == 200
    assert client_for("hr").get(reverse("usage_requests:file", args=[draft.pk, "nope"])).status_code == 404
    assert client_for("hr_other").get(url).status_code == 404
    assert client_for("reviewer_tokyo").get(url).status_code == 403


@pytest.mark.django_db
def test_documents_step_uploads_and_comes_back(
    client_for: Any, cast_ur: dict[str, Any], tmp_path: Any
) -> None:
    draft = _draft(cast_ur)
    hr = client_for("hr")
    step = reverse("usage_requests:file", args=[draft.pk, "documents"])
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawString(72, 720, "誓約書")
    pdf.save()
    with override_settings(MEDIA_ROOT=str(tmp_path)):
        done = hr.post(
            reverse("usage_requests:document_upload", args=[draft.pk]),
            {"kind": "pledge", "file": SimpleUploadedFile("pledge.pdf", buffer.getvalue()), "next": step},
        )
        assert done["Location"] == f"{step}#documents"
        page = hr.get(step)
        assert (
            dict((item.kind.value, present) for item, present in page.context["expected"])["pledge"] is True
        )
        away = hr.post(
            reverse("usage_requests:document_delete", args=[draft.pk, page.context["documents"][0].pk]),
            {"next": "https://evil.example/"},
        )
    assert away["Location"].startswith(reverse("usage_requests:detail", args=[draft.pk])), (
        "never off the site"
    )


@pytest.mark.django_db
def test_the_check_warns_of_failing_rules_and_a_returned_request_is_resubmitted(
    client_for: Any, cast_ur: dict[str, Any]
) -> None:
    facts = copy.deepcopy(GOOD_FACTS)
    facts["institution"]["pledge_submitted"] = False
    draft = _draft(cast_ur, facts)
    hr = client_for("hr")
    check = hr.get(reverse("usage_requests:file", args=[draft.pk, "check"]))
    assert [row["code"] for row in check.context["failing"]] == ["REQ-PLEDGE"]
    assert check.context["submit_name"] == "submit"
    users = cast_ur["users"]
    for who, name, reason in [("hr", "submit", ""), ("reviewer_tokyo", "start_review", ""),
                              ("reviewer_tokyo", "return_to_filer", "誓約書を添付してください。")]:  # fmt: skip
        usage_request_transition(actor=users[who], request_id=draft.pk, name=name, reason=reason)
    returned = hr.get(reverse("usage_requests:file", args=[draft.pk, "check"]))
    assert returned.context["submit_name"] == "resubmit"
    assert "誓約書を添付してください。" in returned.content.decode()
