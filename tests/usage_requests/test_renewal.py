"""Periodic reports, reminders and expiry, on chosen dates (the clock is an argument)."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from backoffice.audit.models import AuditEvent
from backoffice.workbench.models import Notification
from tests.usage_requests.conftest import GOOD_FACTS
from usage_requests.id_services import auth_ids_daily
from usage_requests.models import AuthenticationId
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
    users = cast["users"]
    request = usage_request_create(
        actor=users["hr"], institution=cast["company"], acting_for=None, kind="new",
        declared_facts=copy.deepcopy(GOOD_FACTS),
    )  # fmt: skip
    for who, name in [("hr", "submit"), ("reviewer_tokyo", "start_review"), ("reviewer_tokyo", "recommend_approval"),
                      ("supervisor_tokyo", "approve")]:  # fmt: skip
        usage_request_transition(actor=users[who], request_id=request.pk, name=name)
    AuthenticationId.objects.update(
        state="active", valid_until=valid_until, password_set_on=date(2025, 6, 10)
    )
    return AuthenticationId.objects.get()


@pytest.mark.django_db
def test_reminder_once_then_suspension_at_expiry(cast_ur: dict[str, Any]) -> None:
    auth_id = _active_id(cast_ur, date(2026, 6, 10))
    assert auth_ids_daily(today=date(2026, 4, 9)) == {"reminded": 0, "suspended": 0}
    assert auth_ids_daily(today=date(2026, 4, 10)) == {"reminded": 1, "suspended": 0}
    assert auth_ids_daily(today=date(2026, 4, 11)) == {"reminded": 0, "suspended": 0}, "once only"
    assert auth_ids_daily(today=date(2026, 6, 10)) == {"reminded": 0, "suspended": 0}, (
        "valid through its last day"
    )
    assert auth_ids_daily(today=date(2026, 6, 11)) == {"reminded": 0, "suspended": 1}
    assert auth_ids_daily(today=date(2026, 6, 11)) == {"reminded": 0, "suspended": 0}, "idempotent"
    assert AuthenticationId.objects.get(pk=auth_id.pk).state == "suspended"
    texts = list(Notification.objects.filter(verb="auth_id").values_list("text", flat=True))
    assert len(texts) == 2 and any("2026-05-10" in t for t in texts)
    assert AuditEvent.objects.filter(action="auth_id.expired").count() == 1


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
