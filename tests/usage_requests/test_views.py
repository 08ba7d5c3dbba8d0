from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from usage_requests.models import AuthenticationId, UsageRequest


@pytest.mark.django_db
def test_the_journey_through_the_pages(client_for: Any, cast_ur: dict[str, Any]) -> None:
    hr = client_for("hr")
    form = hr.get(reverse("usage_requests:create"))
    assert form.status_code == 200
    choice = form.context["form"].fields["filing_for"].choices[0][0]
    created = hr.post(reverse("usage_requests:create"), {"kind": "new", "filing_for": choice})
    request = UsageRequest.objects.get()
    assert created.status_code == 302 and created["Location"] == reverse(
        "usage_requests:file", args=[request.pk, "answers"]
    )
    answers = hr.post(
        created["Location"],
        {"pledge_submitted": "yes", "notifications_filed": "yes", "employment_status_report_required": "no",
         "has_agent_certificate": "yes", "certificate_valid_until": "2099-03-31"},
    )  # fmt: skip
    assert answers["Location"] == reverse("usage_requests:file", args=[request.pk, "registry"])
    assert UsageRequest.objects.get().declared_facts["institution"]["pledge_submitted"] is True
    again = hr.get(reverse("usage_requests:file", args=[request.pk, "answers"]))
    assert again.context["form"].initial["pledge_submitted"] == "yes", "saved answers come back"
    assert hr.get(answers["Location"]).context["institution"] == cast_ur["company"]
    documents = hr.get(reverse("usage_requests:file", args=[request.pk, "documents"]))
    assert next((item.kind.value, present) for item, present in documents.context["expected"]) == (
        "pledge",
        False,
    )
    check = hr.get(reverse("usage_requests:file", args=[request.pk, "check"]))
    assert check.context["submit_name"] == "submit" and not check.context["failing"]
    assert UsageRequest.objects.get().review is None, "the check saves nothing"
    detail = reverse("usage_requests:detail", args=[request.pk])
    page = hr.get(detail)
    assert [b.name for b in page.context["status"].buttons] == ["submit", "withdraw"]
    assert reverse("usage_requests:file", args=[request.pk, "answers"]) in page.content.decode()
    hr.post(reverse("usage_requests:transition", args=[request.pk, "submit"]))
    wizard = hr.get(reverse("usage_requests:file", args=[request.pk, "answers"]))
    assert wizard.status_code == 302 and wizard["Location"] == detail, "a submitted request leaves the wizard"

    reviewer = client_for("reviewer_tokyo")
    queue = reviewer.get(reverse("usage_requests:list"), {"f": "unassigned"})
    assert [row[0].pk for row in queue.context["rows"]] == [request.pk]
    reviewer.post(reverse("usage_requests:list"), {"action": "assign_me", "sel": [request.pk]})
    assert UsageRequest.objects.get().review.assignee.username == "reviewer_tokyo"
    reviewer.post(reverse("usage_requests:transition", args=[request.pk, "start_review"]))
    page = reviewer.get(detail)
    assert page.context["rule_rows"] and page.context["can_settle"]
    reviewer.post(reverse("usage_requests:transition", args=[request.pk, "recommend_approval"]))

    supervisor = client_for("supervisor_tokyo")
    page = supervisor.get(detail)
    assert {b.name for b in page.context["status"].buttons} == {"approve", "reject", "send_back"}
    supervisor.post(reverse("usage_requests:transition", args=[request.pk, "approve"]))
    assert UsageRequest.objects.get().state == "approved"
    auth_id = AuthenticationId.objects.get()
    assert str(auth_id) in hr.get(detail).content.decode()

    assert client_for("reviewer_osaka").get(detail).status_code == 404
    steps = {s.value: s.kind for s in hr.get(detail).context["status"].steps}
    assert steps["approved"] == "current" and steps["recommended"] == "taken" and steps["rejected"] == "other"


@pytest.mark.django_db
def test_a_blocked_recommendation_shows_why_next_to_the_disabled_button(
    client_for: Any, cast_ur: dict[str, Any]
) -> None:
    from usage_requests.services import usage_request_create, usage_request_transition

    users = cast_ur["users"]
    request = usage_request_create(
        actor=users["hr"], institution=cast_ur["company"], acting_for=None, kind="new", declared_facts={}
    )
    usage_request_transition(actor=users["hr"], request_id=request.pk, name="submit")
    usage_request_transition(actor=users["reviewer_tokyo"], request_id=request.pk, name="start_review")
    page = client_for("reviewer_tokyo").get(reverse("usage_requests:detail", args=[request.pk]))
    buttons = {b.name: b for b in page.context["status"].buttons}
    assert not buttons["recommend_approval"].enabled and buttons["recommend_approval"].reasons
    assert 'id="why-recommend_approval"' in page.content.decode()
    response = client_for("reviewer_tokyo").post(
        reverse("usage_requests:transition", args=[request.pk, "recommend_approval"])
    )
    assert response.status_code == 302
    assert UsageRequest.objects.get(pk=request.pk).state == "under_review"
