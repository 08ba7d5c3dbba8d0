"""Every transition of a usage request, the allowed and the forbidden ones."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from backoffice.audit.models import AuditEvent
from backoffice.workbench.models import Activity, Notification, OutboxMessage
from tests.usage_requests.conftest import GOOD_FACTS
from usage_requests import auth_ids
from usage_requests.models import AuthenticationId, UsageRequest
from usage_requests.services import review_settle, usage_request_create, usage_request_transition


def _state(pk: int) -> str:
    return UsageRequest.objects.get(pk=pk).state


def _draft(cast: dict[str, Any], facts: dict[str, Any] | None = None) -> UsageRequest:
    return usage_request_create(
        actor=cast["users"]["hr"], institution=cast["company"], acting_for=None, kind="new",
        declared_facts=copy.deepcopy(facts if facts is not None else GOOD_FACTS),
    )  # fmt: skip


def _go(cast: dict[str, Any], request: UsageRequest, *steps: tuple[str, str, str]) -> None:
    for who, name, reason in steps:
        usage_request_transition(actor=cast["users"][who], request_id=request.pk, name=name, reason=reason)


@pytest.mark.django_db
def test_the_happy_path_issues_one_valid_id(cast_ur: dict[str, Any]) -> None:
    request = _draft(cast_ur)
    _go(cast_ur, request, ("hr", "submit", ""))
    request = UsageRequest.objects.get(pk=request.pk)
    assert request.state == "submitted" and request.review is not None
    assert request.review.bureau.code == "tokyo" and request.review.ruleset in {"R2022", "R2026"}
    assert request.review.outcome == "pass", request.review.results
    assert Activity.objects.get(target_id=str(request.pk)).assignee is None
    _go(cast_ur, request, ("reviewer_tokyo", "start_review", ""), ("reviewer_tokyo", "recommend_approval", ""),
        ("supervisor_tokyo", "approve", ""))  # fmt: skip
    assert _state(request.pk) == "approved"
    auth_id = AuthenticationId.objects.get(usage_request=request)
    assert auth_ids.problem(auth_id.code) is None and auth_id.holder == cast_ur["users"]["hr"]
    assert auth_id.state == "awaiting_password"
    event = AuditEvent.objects.get(action="usage_request.approve")
    assert event.data["auth_id"] == auth_id.code and event.data["transition"]["to"] == "approved"
    assert AuditEvent.objects.get(action="usage_request.submit").data["rules"]["results"]
    assert Notification.objects.filter(recipient=cast_ur["users"]["hr"], verb="usage_request").exists()
    assert OutboxMessage.objects.filter(recipient=cast_ur["users"]["hr"].email).exists()
    assert not Activity.objects.filter(target_id=str(request.pk), done_at__isnull=True).exists()


@pytest.mark.django_db
def test_four_eyes_the_recommender_cannot_approve(cast_ur: dict[str, Any]) -> None:
    request = _draft(cast_ur)
    _go(cast_ur, request, ("hr", "submit", ""), ("supervisor_tokyo", "start_review", ""),
        ("supervisor_tokyo", "recommend_approval", ""))  # fmt: skip
    with pytest.raises(PermissionDenied):
        _go(cast_ur, request, ("supervisor_tokyo", "approve", ""))
    with pytest.raises(PermissionDenied):
        _go(cast_ur, request, ("reviewer_tokyo", "approve", ""))  # a reviewer is no supervisor
    assert _state(request.pk) == "recommended" and not AuthenticationId.objects.exists()


@pytest.mark.django_db
def test_wrong_role_wrong_bureau_and_wrong_state_are_refused(cast_ur: dict[str, Any]) -> None:
    request = _draft(cast_ur)
    with pytest.raises(PermissionDenied):
        _go(cast_ur, request, ("hr_other", "submit", ""))
    with pytest.raises(ValidationError):
        _go(cast_ur, request, ("reviewer_tokyo", "start_review", ""))  # still a draft
    _go(cast_ur, request, ("hr", "submit", ""))
    with pytest.raises(PermissionDenied):
        _go(cast_ur, request, ("reviewer_osaka", "start_review", ""))
    with pytest.raises(PermissionDenied):
        _go(cast_ur, request, ("hr", "start_review", ""))
    with pytest.raises(ValidationError):
        _go(cast_ur, request, ("hr", "submit", ""))
    assert _state(request.pk) == "submitted"
    assert AuditEvent.objects.filter(action__startswith="usage_request.").count() == 2  # created, submit


@pytest.mark.django_db
def test_a_failing_rule_blocks_recommendation_with_a_reason(cast_ur: dict[str, Any]) -> None:
    facts = copy.deepcopy(GOOD_FACTS)
    facts["institution"]["pledge_submitted"] = False
    request = _draft(cast_ur, facts)
    _go(cast_ur, request, ("hr", "submit", ""), ("reviewer_tokyo", "start_review", ""))
    with translation.override("en"), pytest.raises(ValidationError) as raised:
        _go(cast_ur, request, ("reviewer_tokyo", "recommend_approval", ""))
    assert "settle" in str(raised.value)
    with pytest.raises(ValidationError):
        _go(cast_ur, request, ("reviewer_tokyo", "recommend_rejection", ""))  # needs a reason
    _go(cast_ur, request, ("reviewer_tokyo", "recommend_rejection", "誓約書が未提出です。"),
        ("supervisor_tokyo", "reject", "誓約書が提出されていないため不承認とします。"))  # fmt: skip
    request = UsageRequest.objects.get(pk=request.pk)
    assert request.state == "rejected" and "誓約書" in request.last_message
    assert not AuthenticationId.objects.exists()


@pytest.mark.django_db
def test_needs_review_is_settled_only_with_a_reason_then_approval_is_possible(
    cast_ur: dict[str, Any],
) -> None:
    type(cast_ur["company"]).objects.filter(pk=cast_ur["company"].pk).update(category=3)
    request = _draft(cast_ur)
    _go(cast_ur, request, ("hr", "submit", ""), ("reviewer_tokyo", "start_review", ""))
    review = UsageRequest.objects.get(pk=request.pk).review
    assert review.outcome == "needs_review"
    with pytest.raises(ValidationError):
        review_settle(actor=cast_ur["users"]["reviewer_tokyo"], request_id=request.pk,
                      code="REQ-CATEGORY3-STABILITY", outcome="pass", reason=" ")  # fmt: skip
    with pytest.raises(ValidationError):
        review_settle(actor=cast_ur["users"]["reviewer_tokyo"], request_id=request.pk,
                      code="REQ-PLEDGE", outcome="fail", reason="x")  # a computed pass stands  # fmt: skip
    with pytest.raises(PermissionDenied):
        review_settle(actor=cast_ur["users"]["reviewer_osaka"], request_id=request.pk,
                      code="REQ-CATEGORY3-STABILITY", outcome="pass", reason="x")  # fmt: skip
    review_settle(actor=cast_ur["users"]["reviewer_tokyo"], request_id=request.pk,
                  code="REQ-CATEGORY3-STABILITY", outcome="pass", reason="決算書を確認、安定")  # fmt: skip
    assert UsageRequest.objects.get(pk=request.pk).review.outcome == "pass"
    _go(cast_ur, request, ("reviewer_tokyo", "recommend_approval", ""), ("supervisor_tokyo", "approve", ""))
    assert _state(request.pk) == "approved"


@pytest.mark.django_db
def test_return_resubmit_and_withdraw(cast_ur: dict[str, Any]) -> None:
    request = _draft(cast_ur)
    _go(cast_ur, request, ("hr", "submit", ""), ("reviewer_tokyo", "start_review", ""))
    with pytest.raises(ValidationError):
        _go(cast_ur, request, ("reviewer_tokyo", "return_to_filer", ""))
    _go(cast_ur, request, ("reviewer_tokyo", "return_to_filer", "役員の刑罰歴を追記してください。"))
    assert UsageRequest.objects.get(pk=request.pk).last_message.startswith("役員")
    _go(cast_ur, request, ("hr", "resubmit", ""))
    assert _state(request.pk) == "submitted"
    _go(cast_ur, request, ("hr", "withdraw", ""))
    assert _state(request.pk) == "withdrawn"
    with pytest.raises(ValidationError):
        _go(cast_ur, request, ("hr", "withdraw", ""))


@pytest.mark.django_db
def test_support_organisation_files_only_under_an_active_delegation(cast_ur: dict[str, Any]) -> None:
    from datetime import date

    from institutions.models import Delegation

    support = cast_ur["users"]["support"]
    request = usage_request_create(
        actor=support, institution=cast_ur["company"], acting_for=cast_ur["support_org"], kind="new",
        declared_facts=copy.deepcopy(GOOD_FACTS),
    )  # fmt: skip
    Delegation.objects.update(valid_to=date(2024, 12, 31))
    with pytest.raises(PermissionDenied):
        usage_request_transition(actor=support, request_id=request.pk, name="submit")
    with pytest.raises(PermissionDenied):
        usage_request_create(actor=support, institution=cast_ur["company"], acting_for=cast_ur["support_org"],
                             kind="new", declared_facts={})  # fmt: skip
    assert _state(request.pk) == "draft"


@pytest.mark.django_db
def test_a_sanction_revocation_of_the_filer_starts_the_cooldown(cast_ur: dict[str, Any]) -> None:
    from usage_requests.id_services import auth_id_revoke

    first = _draft(cast_ur)
    _go(cast_ur, first, ("hr", "submit", ""), ("reviewer_tokyo", "start_review", ""),
        ("reviewer_tokyo", "recommend_approval", ""), ("supervisor_tokyo", "approve", ""))  # fmt: skip
    auth_id_revoke(actor=cast_ur["users"]["reviewer_tokyo"], auth_id_pk=AuthenticationId.objects.get().pk,
                   reason="sanction", note="虚偽申請")  # fmt: skip
    request = _draft(cast_ur)
    _go(cast_ur, request, ("hr", "submit", ""))
    results = {r["code"]: r for r in UsageRequest.objects.get(pk=request.pk).review.results}
    assert results["REQ-FILER-COOLDOWN-1Y"]["outcome"] == "fail"
    assert results["REQ-FILER-COOLDOWN-1Y"]["earliest_eligible"]


@pytest.mark.django_db
def test_a_draft_can_be_withdrawn(cast_ur: dict[str, Any]) -> None:
    request = _draft(cast_ur)
    _go(cast_ur, request, ("hr", "withdraw", ""))
    assert _state(request.pk) == "withdrawn"


@pytest.mark.django_db
def test_approval_makes_a_category_3_institution_count_as_2_for_documents(cast_ur: dict[str, Any]) -> None:
    from institutions.models import Institution

    Institution.objects.filter(pk=cast_ur["company"].pk).update(category=3)
    request = _draft(cast_ur)
    _go(cast_ur, request, ("hr", "submit", ""), ("reviewer_tokyo", "start_review", ""))
    review_settle(actor=cast_ur["users"]["reviewer_tokyo"], request_id=request.pk,
                  code="REQ-CATEGORY3-STABILITY", outcome="pass", reason="決算書確認済み")  # fmt: skip
    _go(cast_ur, request, ("reviewer_tokyo", "recommend_approval", ""), ("supervisor_tokyo", "approve", ""))
    company = Institution.objects.get(pk=cast_ur["company"].pk)
    assert company.category == 3 and company.document_category == 2 and company.online_approved_on is not None
