"""A lawyer or gyoseishoshi registers with the certificate number and gets an ID at once (§13 D5)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from backoffice.access.roles import Role
from backoffice.audit.models import AuditEvent
from backoffice.workbench.models import OutboxMessage
from individuals import services
from individuals.models import AgentRegistration, RegisterStatus, RegistrationState
from tests.individuals.factories import register_entry
from usage_requests import auth_ids

PASSWORD = "kasumigaseki-2025-long"
MY_NUMBER = "123456789018"  # passes the check digit of §13 D12


def register(**overrides: Any) -> AgentRegistration:
    values: dict[str, Any] = {
        "certificate_number": "132010700050",
        "name": "山田 太郎",
        "date_of_birth": date(1975, 4, 1),
        "email": "yamada@example.test",
        "password": PASSWORD,
        "kind": "lawyer",
        "ip_address": "192.0.2.10",
    }
    values.update(overrides)
    return services.agent_register(**values)


def refused_with(**overrides: Any) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        register(**overrides)
    return caught.value


def test_a_match_issues_the_id_at_once(entry: Any) -> None:
    registration = register()
    user = registration.user
    assert registration.entry == entry and registration.state == RegistrationState.ACTIVE
    assert auth_ids.problem(registration.auth_code) is None  # 12 symbols, check character (D4)
    assert user.username == registration.auth_code
    assert user.role == Role.LAWYER and user.is_active
    assert user.display_name == "山田 太郎" and user.email == "yamada@example.test"
    assert user.check_password(PASSWORD)
    assert registration.registered_from == "192.0.2.10"
    event = AuditEvent.objects.get(action="agent_registration.created")
    assert event.data["certificate_number"] == "132010700050" and event.actor_id == user.pk


def test_the_mail_carries_the_id_in_both_languages_and_never_the_password(entry: Any) -> None:
    registration = register(language="en")
    mail = OutboxMessage.objects.get(recipient="yamada@example.test")
    assert registration.auth_code in mail.body and registration.auth_code in mail.subject + mail.body
    assert mail.body.index("Authentication ID:") < mail.body.index("認証ID:")  # English first, as chosen
    assert "Lawyer (弁護士)" in mail.body and "132010700050" in mail.body
    assert PASSWORD not in mail.body
    assert "/accounts/login/" in mail.body


def test_the_lawyer_logs_in_with_the_id_and_password(entry: Any) -> None:
    registration = register()
    client = Client()
    response = client.post(
        reverse("access:login"), {"username": registration.auth_code, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("workbench:home")).status_code == 200


@pytest.mark.parametrize(
    "typed_name",
    [
        "山田太郎",
        "山田　太郎",
        "  山田  太郎 ",
        "YAMADA TARO",
        "yamada taro",
        "ＹＡＭＡＤＡ　ＴＡＲＯ",
        "Yamada  Taro",
    ],
)
def test_names_match_without_regard_to_spaces_width_or_case(entry: Any, typed_name: str) -> None:
    assert register(name=typed_name).entry == entry


def test_the_old_style_number_converts_with_the_code_table(entry: Any) -> None:
    assert register(certificate_number="（東）弁 １０ 第 ５０ 号").entry == entry


def test_full_width_digits_are_accepted(entry: Any) -> None:
    assert register(certificate_number="１３２０ １０７０ ００５０").entry == entry


def test_a_gyoseishoshi_gets_the_gyoseishoshi_role(code_table: None) -> None:
    register_entry(certificate_number="132019800007", kind="gyoseishoshi", name="佐藤 花子", name_latin="")
    registration = register(certificate_number="132019800007", kind="gyoseishoshi", name="佐藤花子")
    assert registration.user.role == Role.GYOSEISHOSHI


@pytest.mark.parametrize(
    "overrides,reason",
    [
        ({"name": "山田 次郎"}, "name"),
        ({"name": "やまだ たろう"}, "name"),  # a kana reading is not the name on the certificate
        ({"date_of_birth": date(1975, 4, 2)}, "date_of_birth"),
        ({"kind": "gyoseishoshi"}, "profession"),
        ({"certificate_number": "132010700051"}, "not_in_register"),
    ],
)
def test_a_mismatch_is_refused_without_saying_which_part(
    entry: Any, overrides: dict[str, Any], reason: str
) -> None:
    error = refused_with(**overrides)
    assert error.messages == [services.no_match_message()]
    assert not AgentRegistration.objects.exists()
    assert get_user_model().objects.filter(role=Role.LAWYER).count() == 0
    event = AuditEvent.objects.get(action="agent_registration.refused")
    assert event.data["reason"] == reason


@pytest.mark.parametrize(
    "change",
    [
        {"status": RegisterStatus.SUSPENDED},
        {"status": RegisterStatus.WITHDRAWN},
        {"valid_until": date(2020, 3, 31), "valid_from": date(2017, 4, 1)},
        {"valid_from": date(2099, 1, 1)},
    ],
)
def test_an_entry_not_valid_today_admits_nobody(code_table: None, change: dict[str, Any]) -> None:
    register_entry(**change)
    assert refused_with().messages == [services.no_match_message()]
    assert AuditEvent.objects.get(action="agent_registration.refused").data["reason"] == "entry_not_valid"


@pytest.mark.usefixtures("english")
def test_one_live_registration_per_certificate(entry: Any) -> None:
    register()
    error = refused_with(email="someone@example.test")
    assert "already registered" in error.messages[0]
    assert AgentRegistration.objects.count() == 1


def test_already_registered_is_said_only_to_whoever_matches(entry: Any) -> None:
    register()
    assert refused_with(date_of_birth=date(1980, 1, 1)).messages == [services.no_match_message()]


def test_a_my_number_as_the_name_is_refused_before_anything_is_counted(entry: Any) -> None:
    error = refused_with(name=MY_NUMBER)
    assert [e.code for e in error.error_dict["name"]] == ["my_number"]
    assert not AuditEvent.objects.filter(action__startswith="agent_registration").exists()


def test_a_weak_password_is_refused(entry: Any) -> None:
    error = refused_with(password="12345678")
    assert "password1" in error.message_dict
    assert not AgentRegistration.objects.exists()


def test_an_unknown_office_symbol_says_to_use_the_printed_number(entry: Any) -> None:
    error = refused_with(certificate_number="（大）弁 10 第 50 号", language="en")
    assert "top right" in error.message_dict["certificate_number"][0]


# --- the page ----------------------------------------------------------------------------------

FORM = {
    "kind": "lawyer",
    "certificate_number": "（東）弁 10 第 50 号",
    "name": "山田 太郎",
    "date_of_birth": "1975-04-01",
    "email": "yamada@example.test",
    "password1": PASSWORD,
    "password2": PASSWORD,
}


def test_the_page_is_public_and_follows_the_language_switch(code_table: None) -> None:
    client = Client()
    page = client.get(reverse("individuals:agent_register"))
    assert page.status_code == 200 and page["Content-Language"] == "ja"
    assert "届出済証明書" in page.content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(reverse("individuals:agent_register"))
    assert english["Content-Language"] == "en"
    assert "Registration for lawyers and gyoseishoshi" in english.content.decode()


def test_registering_on_the_page_shows_the_id(entry: Any) -> None:
    response = Client(REMOTE_ADDR="198.51.100.7").post(reverse("individuals:agent_register"), FORM)
    assert response.status_code == 200
    registration = AgentRegistration.objects.get()
    assert registration.auth_code in response.content.decode()
    assert registration.registered_from == "198.51.100.7"


def test_a_mismatch_on_the_page_is_a_400_with_the_message(entry: Any) -> None:
    response = Client().post(reverse("individuals:agent_register"), {**FORM, "date_of_birth": "1975-04-02"})
    assert response.status_code == 400
    assert AgentRegistration.objects.count() == 0
    assert "届出済証明書" in response.content.decode()


def test_form_errors_name_the_field(entry: Any) -> None:
    response = Client().post(
        reverse("individuals:agent_register"),
        {**FORM, "certificate_number": "1234", "password2": "other-password-1"},
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "12" in errors["certificate_number"][0]
    assert errors["password2"]
