"""After approval: the one-time password link, login with the ID, expiry and revocation."""

from __future__ import annotations

import copy
import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from backoffice.periods import first_day_after, period_end
from backoffice.workbench.models import OutboxMessage
from tests.usage_requests.conftest import GOOD_FACTS, file_and_approve
from usage_requests.models import AuthenticationId, UsageRequest
from usage_requests.services import usage_request_create, usage_request_transition

NEW_PASSWORD = "sakura-Tsubame-2026"


def _approved(cast: dict[str, Any]) -> tuple[UsageRequest, str]:
    users = cast["users"]
    request = file_and_approve(cast)
    mail = OutboxMessage.objects.get(recipient=users["hr"].email, subject__contains="認証ID")
    link = re.search(r"https?://\S+/set-password/(\S+)/", mail.body)
    assert link, mail.body
    return request, link.group(1)


@pytest.mark.django_db
def test_the_mail_carries_the_id_and_a_one_time_link_in_both_languages(cast_ur: dict[str, Any]) -> None:
    request, _token = _approved(cast_ur)
    auth_id = AuthenticationId.objects.get(usage_request=request)
    mail = OutboxMessage.objects.get(subject__contains="認証ID")
    assert str(auth_id) in mail.body and "パスワードを設定" in mail.body and "Set your password" in mail.body
    assert auth_id.password_token_hash and _token not in auth_id.password_token_hash


@pytest.mark.django_db
def test_set_password_then_log_in_with_the_id(cast_ur: dict[str, Any]) -> None:
    request, token = _approved(cast_ur)
    client = Client()
    url = reverse("usage_requests:set_password", args=[token])
    assert client.get(url).status_code == 200
    weak = client.post(url, {"password1": "12345678", "password2": "12345678"})
    assert weak.status_code == 200 and weak.context["form"].errors
    assert client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}).status_code == 302
    auth_id = AuthenticationId.objects.get(usage_request=request)
    today = timezone.localdate()
    assert auth_id.state == "active" and auth_id.password_set_on == today
    assert auth_id.valid_until == period_end(today, years=auth_id.validity_years, count_first_day=False)
    assert client.get(url).status_code == 410, "the link works once"

    typed = f"{auth_id.code[:4]}-{auth_id.code[4:8]}-{auth_id.code[8:]}".lower()
    login = client.post(reverse("access:login"), {"username": typed, "password": NEW_PASSWORD})
    assert login.status_code == 302
    assert client.get(reverse("usage_requests:detail", args=[request.pk])).status_code == 200
    assert (
        Client().post(reverse("access:login"), {"username": auth_id.code, "password": "wrong"}).status_code
        == 200
    )


@pytest.mark.django_db
def test_an_expired_link_and_an_expired_id(cast_ur: dict[str, Any]) -> None:
    _request, token = _approved(cast_ur)
    AuthenticationId.objects.update(password_token_expires_at=timezone.now() - timedelta(seconds=1))
    assert Client().get(reverse("usage_requests:set_password", args=[token])).status_code == 410
    AuthenticationId.objects.update(password_token_expires_at=timezone.now() + timedelta(hours=1))
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
    AuthenticationId.objects.update(valid_until=timezone.localdate() - timedelta(days=1))
    page = client.get(reverse("workbench:home"))
    assert page.status_code == 302 and page["Location"] == reverse("access:login"), "expiry ends the session"
    again = Client().post(reverse("access:login"), {"username": auth_id.code, "password": NEW_PASSWORD})
    assert again.status_code == 200, "an expired ID cannot log in"


@pytest.mark.django_db
def test_revocation_ends_the_session_and_a_sanction_starts_the_cooldown(
    client_for: Any, cast_ur: dict[str, Any]
) -> None:
    request, token = _approved(cast_ur)
    holder = Client()
    holder.post(
        reverse("usage_requests:set_password", args=[token]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    auth_id = AuthenticationId.objects.get()
    holder.post(reverse("access:login"), {"username": auth_id.code, "password": NEW_PASSWORD})
    revoke = reverse("usage_requests:revoke_id", args=[request.pk])
    hr_other = client_for("hr_other")
    assert hr_other.post(revoke, {"reason": "own_request", "note": "x"}).status_code == 404
    client_for("hr").post(revoke, {"reason": "sanction", "note": "自分で制裁はできない"})
    assert AuthenticationId.objects.get().state == "active", "a filer cannot impose a sanction"
    reviewer = client_for("reviewer_tokyo")
    reviewer.post(revoke, {"reason": "sanction", "note": ""})
    assert AuthenticationId.objects.get().state == "active", "a note is required"
    reviewer.post(revoke, {"reason": "sanction", "note": "虚偽の申請が判明したため"})
    assert AuthenticationId.objects.get().state == "revoked"
    assert holder.get(reverse("workbench:home")).status_code == 302

    new = usage_request_create(
        actor=cast_ur["users"]["hr"], institution=cast_ur["company"], acting_for=None, kind="new",
        declared_facts=copy.deepcopy(GOOD_FACTS),
    )  # fmt: skip
    usage_request_transition(actor=cast_ur["users"]["hr"], request_id=new.pk, name="submit")
    results = {r["code"]: r for r in UsageRequest.objects.get(pk=new.pk).review.results}
    cooldown = results["REQ-FILER-COOLDOWN-1Y"]
    assert cooldown["outcome"] == "fail"
    expected = first_day_after(timezone.localdate(), years=1, count_first_day=False)
    assert cooldown["earliest_eligible"] == expected.isoformat()
