from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from backoffice.access.roles import Role
from backoffice.audit.models import AuditEvent
from tests.factories import TEST_PASSWORD, TOTP_KEY, UserFactory


def _code(key_hex: str) -> str:
    return f"{TOTP(bytes.fromhex(key_hex)).token():06d}"


@pytest.mark.django_db
def test_staff_log_in_with_a_password_only() -> None:
    UserFactory(username="hr1", role=Role.INSTITUTION_STAFF)
    client = Client()
    response = client.post(reverse("access:login"), {"username": "hr1", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("workbench:home")).status_code == 200


@pytest.mark.django_db
@override_settings(AXES_FAILURE_LIMIT=3)
def test_repeated_failures_lock_the_account_even_for_the_right_password() -> None:
    UserFactory(username="hr2")
    client = Client()
    for _ in range(3):
        client.post(reverse("access:login"), {"username": "hr2", "password": "wrong-password"})
    response = client.post(reverse("access:login"), {"username": "hr2", "password": TEST_PASSWORD})
    assert response.status_code in (403, 429)
    assert client.get(reverse("workbench:home")).status_code == 302


@pytest.mark.django_db
def test_reviewer_must_pass_totp() -> None:
    reviewer = UserFactory(username="rev1", role=Role.REVIEWER)
    TOTPDevice.objects.create(user=reviewer, name="t", key=TOTP_KEY, confirmed=True)
    client = Client()
    response = client.post(reverse("access:login"), {"username": "rev1", "password": TEST_PASSWORD})
    assert response.status_code == 302
    blocked = client.get(reverse("institutions:list"))
    assert blocked.status_code == 302 and blocked["Location"].startswith(reverse("access:otp"))
    wrong = client.post(
        reverse("access:otp"), {"token": "000000" if _code(TOTP_KEY) != "000000" else "111111"}
    )
    assert wrong.status_code == 200 and wrong.context["form"].errors
    throttled = client.post(reverse("access:otp"), {"token": _code(TOTP_KEY)})
    assert throttled.status_code == 200, "a right code right after a wrong one is throttled"
    TOTPDevice.objects.filter(user=reviewer).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )
    ok = client.post(reverse("access:otp"), {"token": _code(TOTP_KEY), "next": reverse("institutions:list")})
    assert ok.status_code == 302 and ok["Location"] == reverse("institutions:list")
    assert client.get(reverse("institutions:list")).status_code == 200
    assert AuditEvent.objects.filter(action="user.second_factor_passed", target_id=str(reviewer.pk)).exists()


@pytest.mark.django_db
def test_first_login_of_an_auditor_enrols_a_device() -> None:
    UserFactory(username="aud1", role=Role.AUDITOR)
    client = Client()
    client.post(reverse("access:login"), {"username": "aud1", "password": TEST_PASSWORD})
    response = client.get(reverse("access:otp"))
    assert response.status_code == 302 and reverse("access:otp_enrol") in response["Location"]
    page = client.get(reverse("access:otp_enrol"))
    assert page.status_code == 200 and "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user__username="aud1")
    assert not device.confirmed
    done = client.post(reverse("access:otp_enrol"), {"token": _code(device.key)})
    assert done.status_code == 302
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert client.get(reverse("audit:verify")).status_code == 200


@pytest.mark.django_db
def test_next_parameter_cannot_redirect_off_site() -> None:
    UserFactory(username="hr3")
    client = Client()
    response = client.post(
        reverse("access:login") + "?next=https://evil.example/",
        {"username": "hr3", "password": TEST_PASSWORD},
    )
    assert response.status_code == 302 and "evil.example" not in response["Location"]


@pytest.mark.django_db
def test_logout_needs_post(client_for: Any) -> None:
    client = client_for("hr")
    assert client.get(reverse("access:logout")).status_code == 405
    assert client.post(reverse("access:logout")).status_code == 302
    assert client.get(reverse("workbench:home")).status_code == 302


@pytest.mark.django_db
def test_language_switch_sets_english(client_for: Any) -> None:
    client = client_for("hr")
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    page = client.get(reverse("workbench:home"))
    assert '<html lang="en">' in page.content.decode()
    client.post(reverse("set_language"), {"language": "ja", "next": "/"})
    assert '<html lang="ja">' in client.get(reverse("workbench:home")).content.decode()
