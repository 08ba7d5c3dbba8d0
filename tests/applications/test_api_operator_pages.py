"""The administrators' pages for API service operators (applications/api_views.py): register an
operator, issue a token that is shown once and never again, rotate, revoke, suspend and reactivate;
nobody else reaches these pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from applications import api_credentials as svc
from applications.api_models import OperatorCredential, OperatorStatus, ServiceOperator
from backoffice.audit.models import AuditEvent
from tests.applications.pages import by_id
from tests.factories import valid_corporate_number

pytestmark = pytest.mark.django_db


def flash(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def form_data(seed: int = 9001, **overrides: str) -> dict[str, str]:
    data = {
        "name": "株式会社サンプル申請サービス",
        "corporate_number": valid_corporate_number(seed),
        "contact_name": "山田 花子",
        "contact_email": "api@sample.example",
        "allowed_networks": "203.0.113.0/24\r\n\r\n2001:db8::/32\r\n",
        "rate_limit_per_minute": "60",
    }
    data.update(overrides)
    return data


@pytest.fixture
def admin_client(client_for: Any) -> Client:
    return client_for("admin")


@pytest.fixture
def operator(cast: dict[str, Any]) -> ServiceOperator:
    return svc.operator_register(
        actor=cast["users"]["admin"], name="既存の申請サービス", corporate_number=valid_corporate_number(9100),
        contact_name="佐藤 一郎", contact_email="ops@existing.example", allowed_networks=["203.0.113.0/24"],
    )  # fmt: skip


def operator_admin() -> Any:
    return get_user_model().objects.get(username="admin")


def authenticates(token: str) -> bool:
    return svc.credential_authenticate(token, now=timezone.now()) is not None


# --- registering --------------------------------------------------------------------------------


def test_the_list_shows_operators_and_searches(admin_client: Client, operator: ServiceOperator) -> None:
    response = admin_client.get(reverse("applications:operators"))
    assert response.status_code == 200
    assert operator.name in by_id(response, "operators")  # type: ignore[operator]
    found = admin_client.get(reverse("applications:operators"), {"q": operator.corporate_number[:6]})
    assert operator.name in by_id(found, "operators")  # type: ignore[operator]
    missed = admin_client.get(reverse("applications:operators"), {"q": "該当なし"})
    assert operator.name not in by_id(missed, "operators")  # type: ignore[operator]


def test_create_an_operator_through_the_form(admin_client: Client) -> None:
    assert admin_client.get(reverse("applications:operator_new")).status_code == 200
    response = admin_client.post(reverse("applications:operator_new"), form_data())
    operator = ServiceOperator.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("applications:operator", args=[operator.pk])
    assert operator.allowed_networks == ["203.0.113.0/24", "2001:db8::/32"]
    assert operator.corporate_number == valid_corporate_number(9001)
    assert operator.rate_limit_per_minute == 60
    assert operator.status == OperatorStatus.ACTIVE
    assert AuditEvent.objects.filter(action="api_operator.registered").count() == 1
    detail = admin_client.get(response["Location"])
    assert detail.status_code == 200
    assert "203.0.113.0/24" in detail.content.decode()
    assert by_id(detail, "new-token") is None


@pytest.mark.parametrize(
    "overrides,shown",
    [
        ({"allowed_networks": "203.0.113.0/24\r\n10.0.0.0/33"}, "10.0.0.0/33"),
        ({"allowed_networks": "office-lan"}, "office-lan"),
        ({"allowed_networks": "123456789018"}, None),  # a My Number: refused, never stored
        ({"allowed_networks": ""}, None),
        ({"corporate_number": "1234567890123"}, None),
        ({"rate_limit_per_minute": "0"}, None),
        ({"rate_limit_per_minute": "10001"}, None),
        ({"name": "番号 123456789018"}, None),
        ({"contact_name": "123456789018"}, None),
        ({"contact_email": "not-an-address"}, None),
    ],
)
def test_the_form_refuses_bad_input(
    admin_client: Client, overrides: dict[str, str], shown: str | None
) -> None:
    response = admin_client.post(reverse("applications:operator_new"), form_data(**overrides))
    assert response.status_code == 400
    assert not ServiceOperator.objects.exists()
    if shown:
        assert shown in response.content.decode()


def test_the_form_refuses_a_duplicate(admin_client: Client, operator: ServiceOperator) -> None:
    response = admin_client.post(
        reverse("applications:operator_new"), form_data(corporate_number=operator.corporate_number)
    )
    assert response.status_code == 400
    assert ServiceOperator.objects.count() == 1


# --- the token, once ----------------------------------------------------------------------------


def test_an_issued_token_is_shown_once(admin_client: Client, operator: ServiceOperator) -> None:
    response = admin_client.post(reverse("applications:credential_issue", args=[operator.pk]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    credential = OperatorCredential.objects.get(operator=operator)
    shown = by_id(response, "new-token")
    assert shown is not None
    tokens = [word for word in shown.split() if word.startswith(credential.key_id + ".")]
    assert len(tokens) == 1
    token = tokens[0]
    assert response.content.decode().count(token) == 1
    assert authenticates(token)
    secret = token.partition(".")[2]
    # not on the page again, not in the messages, not in the session
    again = admin_client.get(reverse("applications:operator", args=[operator.pk]))
    assert again.status_code == 200
    assert by_id(again, "new-token") is None
    assert secret not in again.content.decode()
    assert credential.key_id in by_id(again, "credentials")  # type: ignore[operator]
    assert not any(secret in m for m in flash(again))
    assert secret not in str(dict(admin_client.session.items()))
    listing = admin_client.get(reverse("applications:operators"))
    assert secret not in listing.content.decode()


def test_rotate_with_no_grace_through_the_page(admin_client: Client, operator: ServiceOperator) -> None:
    first = admin_client.post(reverse("applications:credential_issue", args=[operator.pk]))
    old_token = by_id(first, "new-token").split()[-1]  # type: ignore[union-attr]
    assert authenticates(old_token)
    response = admin_client.post(
        reverse("applications:credential_issue", args=[operator.pk]), {"grace_hours": "0"}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    new_token = by_id(response, "new-token").split()[-1]  # type: ignore[union-attr]
    assert new_token != old_token
    assert authenticates(new_token)
    assert not authenticates(old_token)
    assert AuditEvent.objects.filter(action="api_credential.rotated").count() == 1


def test_rotate_with_grace_keeps_the_old_token(admin_client: Client, operator: ServiceOperator) -> None:
    first = admin_client.post(reverse("applications:credential_issue", args=[operator.pk]))
    old_token = by_id(first, "new-token").split()[-1]  # type: ignore[union-attr]
    response = admin_client.post(
        reverse("applications:credential_issue", args=[operator.pk]), {"grace_hours": "24"}
    )
    new_token = by_id(response, "new-token").split()[-1]  # type: ignore[union-attr]
    assert authenticates(old_token) and authenticates(new_token)


@pytest.mark.parametrize("grace", ["-1", "721", "abc", "1.5", "", "  "])
def test_a_bad_grace_is_refused_with_a_message(
    admin_client: Client, operator: ServiceOperator, grace: str
) -> None:
    _credential, token = svc.credential_issue(actor=operator_admin(), operator_id=operator.pk)
    response = admin_client.post(
        reverse("applications:credential_issue", args=[operator.pk]), {"grace_hours": grace}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("applications:operator", args=[operator.pk])
    assert flash(response)
    assert OperatorCredential.objects.filter(operator=operator).count() == 1
    assert authenticates(token)


def test_revoke_through_the_page(admin_client: Client, operator: ServiceOperator) -> None:
    credential, token = svc.credential_issue(actor=operator_admin(), operator_id=operator.pk)
    response = admin_client.post(reverse("applications:credential_revoke", args=[operator.pk, credential.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("applications:operator", args=[operator.pk])
    assert not authenticates(token)
    credential.refresh_from_db()
    assert credential.revoked_at is not None
    assert AuditEvent.objects.filter(action="api_credential.revoked").count() == 1


def test_revoke_of_another_operators_credential_is_404(
    admin_client: Client, cast: dict[str, Any], operator: ServiceOperator
) -> None:
    other = svc.operator_register(
        actor=operator_admin(), name="別の申請サービス", corporate_number=valid_corporate_number(9200),
        contact_name="田中", contact_email="x@other.example", allowed_networks=["198.51.100.0/24"],
    )  # fmt: skip
    theirs, token = svc.credential_issue(actor=operator_admin(), operator_id=other.pk)
    response = admin_client.post(reverse("applications:credential_revoke", args=[operator.pk, theirs.pk]))
    assert response.status_code == 404
    assert authenticates(token)


def test_suspend_and_reactivate_through_the_page(admin_client: Client, operator: ServiceOperator) -> None:
    _credential, token = svc.credential_issue(actor=operator_admin(), operator_id=operator.pk)
    url = reverse("applications:operator_status", args=[operator.pk])
    response = admin_client.post(url, {"status": "suspended"})
    assert response.status_code == 302
    operator.refresh_from_db()
    assert operator.status == OperatorStatus.SUSPENDED
    assert not authenticates(token)
    page = admin_client.get(reverse("applications:operator", args=[operator.pk]))
    assert 'value="active"' in page.content.decode()
    admin_client.post(url, {"status": "active"})
    operator.refresh_from_db()
    assert operator.status == OperatorStatus.ACTIVE
    assert authenticates(token)
    assert AuditEvent.objects.filter(action="api_operator.status").count() == 2


def test_an_unknown_status_is_refused_with_a_message(admin_client: Client, operator: ServiceOperator) -> None:
    response = admin_client.post(
        reverse("applications:operator_status", args=[operator.pk]), {"status": "gone"}
    )
    assert response.status_code == 302
    assert flash(response)
    operator.refresh_from_db()
    assert operator.status == OperatorStatus.ACTIVE


def test_post_only_pages_refuse_get(admin_client: Client, operator: ServiceOperator) -> None:
    credential, _token = svc.credential_issue(actor=operator_admin(), operator_id=operator.pk)
    for url in (
        reverse("applications:credential_issue", args=[operator.pk]),
        reverse("applications:credential_revoke", args=[operator.pk, credential.pk]),
        reverse("applications:operator_status", args=[operator.pk]),
    ):
        assert admin_client.get(url).status_code == 405
    assert OperatorCredential.objects.count() == 1
    credential.refresh_from_db()
    assert credential.revoked_at is None


def test_unknown_operators_are_404(admin_client: Client, cast: dict[str, Any]) -> None:
    assert admin_client.get(reverse("applications:operator", args=[999999])).status_code == 404
    assert admin_client.post(reverse("applications:credential_issue", args=[999999])).status_code == 404
    assert (
        admin_client.post(
            reverse("applications:operator_status", args=[999999]), {"status": "suspended"}
        ).status_code
        == 404
    )


# --- nobody else --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role", ["hr", "support", "reviewer_tokyo", "supervisor_tokyo", "auditor", "anonymous"]
)
def test_other_roles_are_refused(client_for: Any, operator: ServiceOperator, role: str) -> None:
    credential, token = svc.credential_issue(actor=operator_admin(), operator_id=operator.pk)
    client = Client() if role == "anonymous" else client_for(role)
    expected = 302 if role == "anonymous" else 403
    gets = [
        reverse("applications:operators"),
        reverse("applications:operator_new"),
        reverse("applications:operator", args=[operator.pk]),
    ]
    posts = [
        (reverse("applications:operator_new"), form_data(9300)),
        (reverse("applications:operator", args=[operator.pk]), {}),
        (reverse("applications:credential_issue", args=[operator.pk]), {}),
        (reverse("applications:credential_issue", args=[operator.pk]), {"grace_hours": "0"}),
        (reverse("applications:credential_revoke", args=[operator.pk, credential.pk]), {}),
        (reverse("applications:operator_status", args=[operator.pk]), {"status": "suspended"}),
    ]
    for url in gets:
        response = client.get(url)
        assert response.status_code == expected, url
        if role == "anonymous":
            assert response["Location"].startswith(reverse("access:login"))
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code == expected, url
        assert token.partition(".")[0] not in response.content.decode()
    assert ServiceOperator.objects.count() == 1
    assert OperatorCredential.objects.count() == 1
    operator.refresh_from_db()
    credential.refresh_from_db()
    assert operator.status == OperatorStatus.ACTIVE and credential.revoked_at is None
    assert authenticates(token)
