"""Periodic reports, reminders and expiry, on chosen dates (the clock is an argument)."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from backoffice.audit.models import AuditEvent
from backoffice.workbench.models import Notification
from tests.usage_requests.conftest import GOOD_FACTS, file_and_approve
from usage_requests.id_daily import auth_ids_daily
from usage_requests.models import AuthenticationId, UsageRequest
from usage_requests.renewal import (
    extended_validity,
    months_before,
    periodic_report_deadline,
    renewal_reminder_on,
)
from usage_requests.services import usage_request_create, usage_request_transition


@pytest.mark.parametrize(
    "valid_until,reminder,deadline,extended",
    [
        (date(2026, 6, 10), date(2026, 4, 10), date(2026, 5, 10), date(2027, 6, 10)),
        (date(2026, 5, 31), date(2026, 3, 31), date(2026, 4, 30), date(2027, 5, 31)),
        (date(2026, 4, 30), date(2026, 2, 28), date(2026, 3, 30), date(2027, 4, 30)),
        (date(2028, 2, 29), date(2027, 12, 29), date(2028, 1, 29), date(2029, 2, 28)),
    ],
)
def test_renewal_dates(valid_until: date, reminder: date, deadline: date, extended: date) -> None:
    assert renewal_reminder_on(valid_until) == reminder
    assert periodic_report_deadline(valid_until) == deadline
    assert extended_validity(valid_until, years=1) == extended


def test_months_before_clamps_to_the_month_end() -> None:
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_before(date(2026, 1, 15), 2) == date(2025, 11, 15)


def _active_id(cast: dict[str, Any], valid_until: date) -> AuthenticationId:
    file_and_approve(cast)
    AuthenticationId.objects.update(
        state="active", valid_until=valid_until, password_set_on=date(2025, 6, 10)
    )
    return AuthenticationId.objects.get()


DAILY_KEYS = ("reminded", "deadline_notices", "password_notices", "suspended")


def _daily(day: date) -> tuple[int, ...]:
    counts = auth_ids_daily(today=day)
    return tuple(counts[key] for key in DAILY_KEYS)


@pytest.mark.django_db
def test_the_year_of_an_id_day_by_day(cast_ur: dict[str, Any]) -> None:
    """Password set 2025-06-10: the ID and its password both last through 2026-06-10."""
    auth_id = _active_id(cast_ur, date(2026, 6, 10))
    holder = auth_id.holder
    timeline = [
        (date(2026, 4, 9), (0, 0, 0, 0), "nothing yet"),
        (date(2026, 4, 10), (1, 0, 0, 0), "periodic-report reminder two months before"),
        (date(2026, 4, 11), (0, 0, 0, 0), "reminded once only"),
        (date(2026, 5, 10), (0, 0, 0, 0), "the last day to file a report"),
        (date(2026, 5, 11), (0, 1, 1, 0), "deadline passed; password reminder 30 days before"),
        (date(2026, 5, 11), (0, 0, 0, 0), "a second run the same day sends nothing"),
        (date(2026, 6, 2), (0, 0, 0, 0), "8 days left: nothing"),
        (date(2026, 6, 3), (0, 0, 1, 0), "password reminder 7 days before"),
        (date(2026, 6, 10), (0, 0, 0, 0), "valid through its last day"),
        (date(2026, 6, 11), (0, 0, 0, 1), "expired: suspended"),
        (date(2026, 6, 11), (0, 0, 0, 0), "idempotent"),
    ]
    for day, expected, why in timeline:
        assert _daily(day) == expected, (day, why)
    assert AuthenticationId.objects.get(pk=auth_id.pk).state == "suspended"
    texts = list(
        Notification.objects.filter(verb="auth_id", recipient=holder)
        .order_by("pk")
        .values_list("text", flat=True)
    )
    assert len(texts) == 5, texts
    assert "2026-05-10" in texts[0] and "2026-05-10" in texts[1]  # the report deadline, twice
    assert all("2026-06-10" in text for text in texts[2:]), texts
    assert AuditEvent.objects.filter(action="auth_id.expired").count() == 1
    assert AuditEvent.objects.filter(action="auth_id.report_deadline_passed").count() == 1


@pytest.mark.django_db
def test_a_pending_report_holds_back_the_deadline_notice(cast_ur: dict[str, Any]) -> None:
    _active_id(cast_ur, date(2026, 6, 10))
    users = cast_ur["users"]
    report = usage_request_create(
        actor=users["hr"], institution=cast_ur["company"], acting_for=None, kind="periodic_report",
        declared_facts=copy.deepcopy(GOOD_FACTS),
    )  # fmt: skip
    # Filed in time and still under review (the state is set directly: the filing date is the past).
    UsageRequest.objects.filter(pk=report.pk).update(state="under_review")
    assert auth_ids_daily(today=date(2026, 5, 11))["deadline_notices"] == 0
    UsageRequest.objects.filter(pk=report.pk).update(state="rejected")
    assert auth_ids_daily(today=date(2026, 5, 12))["deadline_notices"] == 1


@pytest.mark.django_db
def test_an_approved_periodic_report_extends_from_the_current_expiry(cast_ur: dict[str, Any]) -> None:
    today = timezone.localdate()
    expiry = date(today.year + 1, today.month, min(today.day, 28))
    auth_id = _active_id(cast_ur, expiry)
    users = cast_ur["users"]
    report = usage_request_create(
        actor=users["hr"], institution=cast_ur["company"], acting_for=None, kind="periodic_report",
        declared_facts=copy.deepcopy(GOOD_FACTS),
    )  # fmt: skip
    for who, name in [("hr", "submit"), ("reviewer_tokyo", "start_review"), ("reviewer_tokyo", "recommend_approval"),
                      ("supervisor_tokyo", "approve")]:  # fmt: skip
        usage_request_transition(actor=users[who], request_id=report.pk, name=name)
    renewed = AuthenticationId.objects.get(pk=auth_id.pk)
    years = renewed.validity_years
    assert renewed.valid_until == extended_validity(expiry, years=years)
    assert AuthenticationId.objects.count() == 1, "a report issues no new ID"
    assert AuditEvent.objects.get(action="auth_id.extended").data["from"] == expiry.isoformat()


@pytest.mark.django_db
def test_a_report_after_the_deadline_is_refused_and_changes_nothing(cast_ur: dict[str, Any]) -> None:
    today = timezone.localdate()
    _active_id(cast_ur, today)  # expires today: the deadline was a month ago
    report = usage_request_create(
        actor=cast_ur["users"]["hr"], institution=cast_ur["company"], acting_for=None, kind="periodic_report",
        declared_facts={},
    )  # fmt: skip
    with pytest.raises(ValidationError):
        usage_request_transition(actor=cast_ur["users"]["hr"], request_id=report.pk, name="submit")
    report.refresh_from_db()
    assert report.state == "draft" and report.review is None


@pytest.mark.django_db
def test_no_report_without_an_id_to_renew(cast_ur: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        usage_request_create(actor=cast_ur["users"]["hr"], institution=cast_ur["company"], acting_for=None,
                             kind="periodic_report", declared_facts={})  # fmt: skip


@pytest.mark.django_db
def test_a_withdrawn_delegation_stops_the_agents_id_at_once_and_the_daily_run_suspends_it(
    cast_ur: dict[str, Any],
) -> None:
    from django.test import Client
    from django.urls import reverse

    from institutions.models import Delegation
    from usage_requests.id_services import auth_id_is_live

    users = cast_ur["users"]
    request = usage_request_create(
        actor=users["support"], institution=cast_ur["company"], acting_for=cast_ur["support_org"], kind="new",
        declared_facts=copy.deepcopy(GOOD_FACTS),
    )  # fmt: skip
    for who, name in [("support", "submit"), ("reviewer_tokyo", "start_review"),
                      ("reviewer_tokyo", "recommend_approval"), ("supervisor_tokyo", "approve")]:  # fmt: skip
        usage_request_transition(actor=users[who], request_id=request.pk, name=name)
    today = timezone.localdate()
    AuthenticationId.objects.update(state="active", valid_until=date(today.year + 1, 1, 31))
    auth_id = AuthenticationId.objects.select_related("usage_request", "holder").get()
    assert auth_id_is_live(auth_id, today=today)
    Delegation.objects.filter(principal=cast_ur["company"]).update(valid_to=date(2020, 1, 1))
    auth_id = AuthenticationId.objects.select_related("usage_request", "holder").get()
    assert not auth_id_is_live(auth_id, today=today)
    assert (
        Client().post(reverse("access:login"), {"username": auth_id.code, "password": "x"}).status_code == 200
    )
    assert auth_ids_daily(today=today)["suspended"] == 1
    assert AuthenticationId.objects.get().state == "suspended"
    assert AuditEvent.objects.get(action="auth_id.suspended").data["reason"] == "delegation_ended"


@pytest.mark.django_db
def test_a_new_request_after_expiry_replaces_the_suspended_id(cast_ur: dict[str, Any]) -> None:
    old = _active_id(cast_ur, date(2026, 6, 10))
    auth_ids_daily(today=date(2026, 6, 11))
    assert AuthenticationId.objects.get(pk=old.pk).state == "suspended"
    again = file_and_approve(cast_ur)
    new = AuthenticationId.objects.get(usage_request=again)
    assert new.pk != old.pk and new.state == "awaiting_password"
    retired = AuthenticationId.objects.get(pk=old.pk)
    assert retired.state == "revoked" and retired.revocation_reason == "superseded"
    assert AuditEvent.objects.filter(action="auth_id.superseded", target_id=str(old.pk)).exists()
    third = usage_request_create(
        actor=cast_ur["users"]["hr"], institution=cast_ur["company"], acting_for=None, kind="new",
        declared_facts=copy.deepcopy(GOOD_FACTS),
    )  # fmt: skip
    usage_request_transition(actor=cast_ur["users"]["hr"], request_id=third.pk, name="submit")
    results = {r["code"]: r for r in UsageRequest.objects.get(pk=third.pk).review.results}
    assert results["REQ-FILER-COOLDOWN-1Y"]["outcome"] == "pass", "a replaced ID starts no cooldown"


@pytest.mark.django_db
def test_a_request_through_a_withdrawn_delegation_cannot_be_approved(cast_ur: dict[str, Any]) -> None:
    from usage_requests.delegation_services import delegation_withdraw_and_suspend

    users = cast_ur["users"]
    request = usage_request_create(
        actor=users["support"], institution=cast_ur["company"], acting_for=cast_ur["support_org"], kind="new",
        declared_facts=copy.deepcopy(GOOD_FACTS),
    )  # fmt: skip
    for who, name in [("support", "submit"), ("reviewer_tokyo", "start_review"),
                      ("reviewer_tokyo", "recommend_approval")]:  # fmt: skip
        usage_request_transition(actor=users[who], request_id=request.pk, name=name)
    delegation = cast_ur["company"].delegations_given.get(agent=cast_ur["support_org"])
    delegation_withdraw_and_suspend(actor=users["hr"], delegation_id=delegation.pk, reason="契約終了")
    with translation.override("en"), pytest.raises(ValidationError, match="delegation"):
        usage_request_transition(actor=users["supervisor_tokyo"], request_id=request.pk, name="approve")
    assert UsageRequest.objects.get(pk=request.pk).state == "recommended"
    assert not AuthenticationId.objects.filter(usage_request=request).exists()
    usage_request_transition(
        actor=users["supervisor_tokyo"], request_id=request.pk, name="reject", reason="依頼終了"
    )
    assert UsageRequest.objects.get(pk=request.pk).state == "rejected"
