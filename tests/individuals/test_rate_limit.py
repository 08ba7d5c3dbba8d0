"""Registration attempts are limited per address and per certificate number, refused with 429,
and audited once per window."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from backoffice.audit.models import AuditEvent
from individuals import services
from individuals.models import AgentRegistration, RegistrationThrottle
from tests.individuals.test_registration import FORM, PASSWORD

LIMITS = {"ip": (4, 3600), "number": (3, 86400)}


def attempt(**overrides: Any) -> None:
    values: dict[str, Any] = {
        "certificate_number": "132010700050",
        "name": "山田 太郎",
        "date_of_birth": date(1975, 4, 2),  # wrong: a guess
        "email": "guess@example.test",
        "password": PASSWORD,
        "kind": "lawyer",
        "ip_address": "203.0.113.5",
    }
    values.update(overrides)
    services.agent_register(**values)


def guesses(n: int, **overrides: Any) -> None:
    for _ in range(n):
        with pytest.raises(ValidationError):
            attempt(**overrides)


@override_settings(AGENT_REGISTER_RATE_LIMITS=LIMITS)
def test_guessing_the_birth_date_of_a_known_number_stops_at_the_number_limit(entry: Any) -> None:
    guesses(3, ip_address="203.0.113.5")
    with pytest.raises(services.RegistrationThrottled) as caught:
        attempt(ip_address="203.0.113.99")  # another address does not help
    assert caught.value.scope == "number"
    assert 0 < caught.value.retry_after <= 86400
    # Even the right details wait now: the limit is on the number, not on being wrong.
    with pytest.raises(services.RegistrationThrottled):
        attempt(date_of_birth=date(1975, 4, 1), ip_address="203.0.113.100")
    assert not AgentRegistration.objects.exists()


@override_settings(AGENT_REGISTER_RATE_LIMITS=LIMITS)
def test_sweeping_numbers_from_one_address_stops_at_the_address_limit(entry: Any) -> None:
    for serial in range(4):
        with pytest.raises(ValidationError):
            attempt(certificate_number=f"13201070{serial:04d}")
    with pytest.raises(services.RegistrationThrottled) as caught:
        attempt(certificate_number="132010709999")
    assert caught.value.scope == "ip"
    attempt_ok = dict(date_of_birth=date(1975, 4, 1), email="yamada@example.test", ip_address="198.51.100.1")
    services.agent_register(**{**_base(), **attempt_ok})  # another address still registers
    assert AgentRegistration.objects.count() == 1


def _base() -> dict[str, Any]:
    return {"certificate_number": "132010700050", "name": "山田 太郎", "password": PASSWORD, "kind": "lawyer"}


@override_settings(AGENT_REGISTER_RATE_LIMITS=LIMITS)
def test_the_window_ends(entry: Any) -> None:
    guesses(3)
    with pytest.raises(services.RegistrationThrottled):
        attempt()
    RegistrationThrottle.objects.update(window_started_at=timezone.now() - timedelta(days=1, seconds=1))
    registration = services.agent_register(
        **_base(), date_of_birth=date(1975, 4, 1), email="yamada@example.test", ip_address="203.0.113.5"
    )
    assert registration.entry == entry


@override_settings(AGENT_REGISTER_RATE_LIMITS=LIMITS)
def test_the_first_refusal_of_a_window_is_audited_once(entry: Any) -> None:
    guesses(3)
    for _ in range(3):
        with pytest.raises(services.RegistrationThrottled):
            attempt()
    events = AuditEvent.objects.filter(action="agent_registration.rate_limited")
    assert events.count() == 1
    event = events.get()
    assert event.data == {"scope": "number", "limit": 3, "window_seconds": 86400, "ip": "203.0.113.5"}
    assert "132010700050" not in event.target_label  # the counters keep no number
    assert not RegistrationThrottle.objects.filter(key__contains="132010700050").exists()
    assert AuditEvent.objects.filter(action="agent_registration.refused").count() == 3


@override_settings(AGENT_REGISTER_RATE_LIMITS=LIMITS)
def test_the_page_answers_429_with_retry_after(entry: Any) -> None:
    client = Client(REMOTE_ADDR="203.0.113.7")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    wrong = {**FORM, "date_of_birth": "1975-04-02"}
    for _ in range(3):
        assert client.post(reverse("individuals:agent_register"), wrong).status_code == 400
    response = client.post(reverse("individuals:agent_register"), FORM)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many registration attempts" in response.content.decode()
    assert not AgentRegistration.objects.exists()


@override_settings(AGENT_REGISTER_RATE_LIMITS=LIMITS)
def test_malformed_input_is_not_counted(entry: Any) -> None:
    client = Client(REMOTE_ADDR="203.0.113.8")
    for _ in range(6):
        response = client.post(reverse("individuals:agent_register"), {**FORM, "certificate_number": "12"})
        assert response.status_code == 400
    assert not RegistrationThrottle.objects.exists()
    assert client.post(reverse("individuals:agent_register"), FORM).status_code == 200


def test_the_default_limits_admit_a_few_typing_mistakes(entry: Any) -> None:
    guesses(4)
    registration = services.agent_register(
        **_base(), date_of_birth=date(1975, 4, 1), email="yamada@example.test", ip_address="203.0.113.5"
    )
    assert registration.entry == entry
