from __future__ import annotations

import copy
from typing import Any

import pytest

from institutions.models import Delegation

# The facts an HR officer declares for a request that meets every R2022/R2026 requirement
# (category 2 institution, no sentences).
GOOD_FACTS: dict[str, Any] = {
    "institution": {
        "notifications_filed": True,
        "employment_status_report_required": True,
        "employment_status_report_filed": True,
        "pledge_submitted": True,
        "pledge_list_attached": True,
    },
    "filer": {"has_agent_certificate": True, "certificate_valid_until": "2099-03-31"},
}


@pytest.fixture
def cast_ur(cast: dict[str, Any]) -> dict[str, Any]:
    """The cast, with the company in category 2 and the support organisation's delegation
    covering usage requests."""
    company = cast["company"]
    type(company).objects.filter(pk=company.pk).update(category=2)
    Delegation.objects.filter(principal=company).update(scope=["residence_applications", "usage_request"])
    cast["company"] = type(company).objects.get(pk=company.pk)
    return cast


APPROVAL = [("hr", "submit"), ("reviewer_tokyo", "start_review"), ("reviewer_tokyo", "recommend_approval"),
            ("supervisor_tokyo", "approve")]  # fmt: skip


def file_and_approve(cast: dict[str, Any]) -> Any:
    """A new request of the Tokyo company filed by its HR officer, reviewed and approved."""
    from usage_requests.services import usage_request_create, usage_request_transition

    users = cast["users"]
    request = usage_request_create(
        actor=users["hr"], institution=cast["company"], acting_for=None, kind="new",
        declared_facts=copy.deepcopy(GOOD_FACTS),
    )  # fmt: skip
    for who, name in APPROVAL:
        usage_request_transition(actor=users[who], request_id=request.pk, name=name)
    return request
