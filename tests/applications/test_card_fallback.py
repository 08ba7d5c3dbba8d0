"""§13 D6: with an expired card certificate and a pending application, an individual logs in with the
authentication ID and password to follow it — and only then; such a session follows, it does not file."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, ApplicationState, Filing
from backoffice.access.roles import Role
from backoffice.audit.models import AuditEvent
from individuals.card_models import CardholderRegistration
from individuals.card_password import cardholder_password_set

pytestmark = pytest.mark.django_db
PASSWORD = "Hikari-no-michi-2026"
CODE = "ABCDEFGHJKLM"


def cardholder(*, expired: bool, state: str = "active") -> Any:
    user = get_user_model().objects.create(username=CODE, role=Role.FOREIGN_NATIONAL, email="fn@example.com")
    user.set_unusable_password()
    user.save()
    registration = CardholderRegistration.objects.create(
        user=user, role="foreign_national", auth_code=CODE, name="SILVA ANA", date_of_birth=date(1990, 5, 5),
        sex="2", address="東京都新宿区", identity_key="k" * 64, phone="03-0000-0000", signature_cert_fingerprint="s" * 64,
        auth_cert_fingerprint="a" * 64,
        certificate_not_after=timezone.now() + (timedelta(days=-3) if expired else timedelta(days=300)),
    )  # fmt: skip
    cardholder_password_set(user=user, password=PASSWORD, confirm=PASSWORD, card_session=True)
    CardholderRegistration.objects.filter(pk=registration.pk).update(state=state)
    return registration


def pending(user: Any, state: str = ApplicationState.UNDER_EXAMINATION) -> Application:
    filing = Filing.objects.create(filer=user, filer_kind="foreign_national", mode="individual")
    application = Application.objects.create(
        filing=filing, procedure="extension", filer=user, subject_name="SILVA ANA", nationality="ブラジル",
        date_of_birth=date(1990, 5, 5), sex="F", prefecture_id="13", address="新宿区", status="long_term_resident",
    )  # fmt: skip
    Application.objects.filter(pk=application.pk).update(state=state)
    return application


def login(username: str, password: str) -> Client:
    client = Client()
    client.post(reverse("access:login"), {"username": username, "password": password})
    return client


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_expired_card_and_a_pending_application_let_the_password_in() -> None:
    registration = cardholder(expired=True)
    application = pending(registration.user)
    client = login("abcd-efgh-jklm", PASSWORD)
    assert logged_in(client)
    assert client.get(reverse("applications:detail", args=[application.pk])).status_code == 200
    # …to follow, not to file
    response = client.get(reverse("applications:new"))
    assert response.status_code == 302 and response["Location"] == reverse("applications:list")
    assert AuditEvent.objects.filter(action="cardholder.fallback_login").count() == 1


@pytest.mark.parametrize(
    "expired,state,password",
    [
        (False, ApplicationState.UNDER_EXAMINATION, PASSWORD),  # a valid card: use the card
        (True, ApplicationState.COMPLETED, PASSWORD),  # nothing pending
        (True, ApplicationState.DRAFT, PASSWORD),  # a draft is not pending
        (True, ApplicationState.UNDER_EXAMINATION, "wrong-password-123"),
    ],
)
def test_otherwise_the_password_does_not_open_a_session(expired: bool, state: str, password: str) -> None:
    registration = cardholder(expired=expired)
    pending(registration.user, state=state)
    assert not logged_in(login(CODE, password))


def test_a_suspended_registration_cannot_fall_back() -> None:
    registration = cardholder(expired=True, state="suspended")
    pending(registration.user)
    assert not logged_in(login(CODE, PASSWORD))


def test_a_password_is_set_only_from_a_card_session() -> None:
    registration = cardholder(expired=True)
    pending(registration.user)
    client = login(CODE, PASSWORD)
    page = client.get(reverse("individuals:card_me"))
    assert page.status_code == 200 and page.context["password_form"] is None
    client.post(
        reverse("individuals:card_me"), {"password": "Another-pass-2027", "confirm": "Another-pass-2027"}
    )
    registration.user.refresh_from_db()
    assert registration.user.check_password(PASSWORD)
