"""Passwords of authentication IDs expire after a year: reminders, forced change, the mails."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from backoffice.audit.models import AuditEvent
from backoffice.workbench.models import OutboxMessage
from tests.usage_requests.test_auth_id_flow import NEW_PASSWORD, _approved
from usage_requests.models import AuthenticationId
from usage_requests.passwords import (
    EXPIRED_NOTICE,
    password_expired,
    password_notice_due,
    password_valid_through,
)

SET_ON = date(2025, 6, 10)


def test_a_password_lasts_a_year_counted_like_the_id() -> None:
    assert password_valid_through(SET_ON) == date(2026, 6, 10)
    assert not password_expired(SET_ON, today=date(2026, 6, 10))
    assert password_expired(SET_ON, today=date(2026, 6, 11))
    assert not password_expired(None, today=date(2030, 1, 1))
    assert password_valid_through(date(2024, 2, 29)) == date(2025, 2, 28)


@pytest.mark.parametrize(
    "today,sent,due",
    [
        (date(2026, 5, 10), [], None),  # 31 days left
        (date(2026, 5, 11), [], 30),  # 30 days left
        (date(2026, 5, 20), [30], None),
        (date(2026, 6, 2), [30], None),  # 8 days left
        (date(2026, 6, 3), [30], 7),
        (date(2026, 6, 5), [], 7),  # a missed run sends only the nearest reminder
        (date(2026, 6, 5), [7], None),
        (date(2026, 6, 10), [30, 7], None),
        (date(2026, 6, 11), [30, 7], EXPIRED_NOTICE),
        (date(2026, 7, 1), [30, 7, EXPIRED_NOTICE], None),
    ],
)
def test_which_notice_is_due(today: date, sent: list[int], due: int | None) -> None:
    assert password_notice_due(SET_ON, today=today, sent=sent) == due


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 1, 1)), st.integers(0, 500))
def test_every_day_in_order_sends_each_notice_exactly_once(set_on: date, _seed: int) -> None:
    sent: list[int] = []
    day = set_on
    while day <= password_valid_through(set_on) + timedelta(days=40):
        due = password_notice_due(set_on, today=day, sent=sent)
        if due is not None:
            sent.append(due)
        day += timedelta(days=1)
    assert sent == [30, 7, EXPIRED_NOTICE]


def _logged_in_holder(cast: dict[str, Any]) -> tuple[Client, AuthenticationId]:
    _request, token = _approved(cast)
    client = Client()
    client.post(
        reverse("usage_requests:set_password", args=[token]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    auth_id = AuthenticationId.objects.get()
    assert (
        client.post(reverse("access:login"), {"username": auth_id.code, "password": NEW_PASSWORD}).status_code
        == 302
    )
    return client, auth_id


@pytest.mark.django_db
def test_an_expired_password_forces_a_change_before_anything_else(cast_ur: dict[str, Any]) -> None:
    client, auth_id = _logged_in_holder(cast_ur)
    today = timezone.localdate()
    change = reverse("usage_requests:change_password")
    assert client.get(reverse("workbench:home")).status_code == 200, "a fresh password works"
    year_ago = today - timedelta(days=400)
    AuthenticationId.objects.filter(pk=auth_id.pk).update(password_set_on=year_ago)

    page = client.get(reverse("workbench:home"))
    assert page.status_code == 302 and page["Location"] == change
    assert client.get(reverse("usage_requests:list"))["Location"] == change
    assert client.get(change).status_code == 200

    wrong = client.post(
        change, {"current": "nope", "new": "hinode-Kaze-2027", "new_again": "hinode-Kaze-2027"}
    )
    assert wrong.status_code == 400 and "current" in wrong.context["form"].errors
    same = client.post(change, {"current": NEW_PASSWORD, "new": NEW_PASSWORD, "new_again": NEW_PASSWORD})
    assert same.status_code == 400 and "new" in same.context["form"].errors
    weak = client.post(change, {"current": NEW_PASSWORD, "new": "12345678", "new_again": "12345678"})
    assert weak.status_code == 400 and "new" in weak.context["form"].errors
    assert AuthenticationId.objects.get(pk=auth_id.pk).password_set_on == year_ago, "nothing half-saved"

    done = client.post(
        change, {"current": NEW_PASSWORD, "new": "hinode-Kaze-2027", "new_again": "hinode-Kaze-2027"}
    )
    assert done.status_code == 302
    changed = AuthenticationId.objects.get(pk=auth_id.pk)
    assert changed.password_set_on == today and changed.password_notices == []
    assert client.get(reverse("workbench:home")).status_code == 200
    event = AuditEvent.objects.get(action="auth_id.password_changed")
    assert "hinode" not in str(event.data) and NEW_PASSWORD not in str(event.data)
    fresh = Client()
    assert (
        fresh.post(reverse("access:login"), {"username": auth_id.code, "password": NEW_PASSWORD}).status_code
        == 200
    )
    assert (
        fresh.post(
            reverse("access:login"), {"username": auth_id.code, "password": "hinode-Kaze-2027"}
        ).status_code
        == 302
    )


@pytest.mark.django_db
def test_the_change_page_is_only_for_id_sessions(client_for: Any, cast_ur: dict[str, Any]) -> None:
    assert client_for("hr").get(reverse("usage_requests:change_password")).status_code == 404
    anonymous = Client().get(reverse("usage_requests:change_password"))
    assert anonymous.status_code == 302 and reverse("access:login") in anonymous["Location"]


@pytest.mark.django_db
def test_password_mails_come_in_the_holders_language_first(cast_ur: dict[str, Any]) -> None:
    from usage_requests.id_daily import auth_ids_daily

    _client, auth_id = _logged_in_holder(cast_ur)
    holder = auth_id.holder
    holder.preferred_language = "en"
    holder.save(update_fields=["preferred_language"])
    AuthenticationId.objects.filter(pk=auth_id.pk).update(
        password_set_on=date(2025, 6, 10), valid_until=date(2028, 6, 10)
    )
    assert auth_ids_daily(today=date(2026, 5, 11))["password_notices"] == 1
    message = OutboxMessage.objects.filter(recipient=holder.email).order_by("-pk").first()
    assert message is not None
    assert message.subject.startswith("[") and "Password" in message.subject, message.subject
    english = message.body.index("The password of the authentication ID")
    japanese = message.body.index("パスワードの有効期限は")
    assert english < japanese, "English first for a holder who chose English"
    assert "2026-06-10" in message.body and "30" in message.body
