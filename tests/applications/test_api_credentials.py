"""Service operators of the application API and their credentials (applications/api_credentials.py):
only administrators manage them; a token authenticates until it is rotated out, revoked, or its
operator suspended; the secret is never stored; every change is an audit event."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from applications import api_credentials as svc
from applications.api_models import OperatorCredential, OperatorStatus, ServiceOperator
from backoffice.audit.models import AuditEvent
from tests.factories import valid_corporate_number

pytestmark = pytest.mark.django_db

NETWORKS = ["203.0.113.0/24", "2001:db8::/32"]


def register(actor: Any, seed: int = 7001, **overrides: Any) -> ServiceOperator:
    values: dict[str, Any] = {
        "name": "株式会社サンプル申請サービス",
        "corporate_number": valid_corporate_number(seed),
        "contact_name": "山田 花子",
        "contact_email": "api@sample.example",
        "allowed_networks": list(NETWORKS),
        "rate_limit_per_minute": 60,
    }
    values.update(overrides)
    return svc.operator_register(actor=actor, **values)


@pytest.fixture
def admin(cast: dict[str, Any]) -> Any:
    return cast["users"]["admin"]


@pytest.fixture
def operator(admin: Any) -> ServiceOperator:
    return register(admin)


def now() -> Any:
    return timezone.now()


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("global_seq"))


def messages_of(caught: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(caught.value.messages)


# --- only administrators ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role", ["hr", "support", "reviewer_tokyo", "supervisor_tokyo", "auditor", "anonymous"]
)
def test_only_administrators_manage_operators_and_credentials(
    cast: dict[str, Any], operator: ServiceOperator, role: str
) -> None:
    actor = AnonymousUser() if role == "anonymous" else cast["users"][role]
    credential, _token = svc.credential_issue(actor=cast["users"]["admin"], operator_id=operator.pk)
    before = AuditEvent.objects.count()
    calls = [
        lambda: register(actor, seed=7002),
        lambda: svc.operator_set_status(
            actor=actor, operator_id=operator.pk, status=OperatorStatus.SUSPENDED
        ),
        lambda: svc.credential_issue(actor=actor, operator_id=operator.pk),
        lambda: svc.credential_rotate(actor=actor, operator_id=operator.pk, grace_hours=24),
        lambda: svc.credential_revoke(actor=actor, credential_id=credential.pk),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert ServiceOperator.objects.count() == 1
    assert OperatorCredential.objects.count() == 1
    credential.refresh_from_db()
    operator.refresh_from_db()
    assert credential.revoked_at is None and credential.expires_at is None
    assert operator.status == OperatorStatus.ACTIVE
    assert AuditEvent.objects.count() == before


# --- registration -------------------------------------------------------------------------------


def test_registration_stores_the_normalised_values(admin: Any) -> None:
    number = valid_corporate_number(7003)
    spaced = f"{number[0]} {number[1:5]}-{number[5:9]}-{number[9:]}"
    full_width = spaced.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    operator = register(admin, seed=0, corporate_number=full_width,
                        allowed_networks=["  203.0.113.7/24 ", "", "198.51.100.9", "2001:DB8::/32"])  # fmt: skip
    assert operator.corporate_number == number
    assert operator.allowed_networks == ["203.0.113.0/24", "198.51.100.9/32", "2001:db8::/32"]
    assert operator.status == OperatorStatus.ACTIVE


@pytest.mark.parametrize(
    "corporate_number",
    ["", "123456789012", "12345678901234", "abcdefghijklm", "１２３４５６７８９０１２Ａ"],
)
def test_registration_refuses_a_malformed_corporate_number(admin: Any, corporate_number: str) -> None:
    with pytest.raises(ValidationError):
        register(admin, corporate_number=corporate_number)
    assert not ServiceOperator.objects.exists()


def test_registration_refuses_a_wrong_check_digit(admin: Any) -> None:
    number = valid_corporate_number(7004)
    wrong = str((int(number[0]) + 1) % 10) + number[1:]
    with pytest.raises(ValidationError) as caught:
        register(admin, corporate_number=wrong)
    assert "13" in messages_of(caught)
    assert not ServiceOperator.objects.exists()


@pytest.mark.parametrize(
    "bad",
    ["203.0.113.0/33", "not-a-network", "10.0.0.0/8 # office", "999.1.1.1", "2001:db8::g/32", "123456789018"],
)
def test_registration_refuses_a_bad_network_and_names_it(admin: Any, bad: str) -> None:
    with pytest.raises(ValidationError) as caught:
        register(admin, allowed_networks=["203.0.113.0/24", bad])
    assert bad.strip() in messages_of(caught)
    assert not ServiceOperator.objects.exists()
    assert not events("api_operator.registered")


def test_networks_parse_skips_blank_lines_and_normalises() -> None:
    assert svc.networks_parse(["", "   ", "192.0.2.1", "192.0.2.130/25"]) == [
        "192.0.2.1/32",
        "192.0.2.128/25",
    ]
    assert svc.networks_parse([]) == []


@pytest.mark.parametrize("rate", [0, -1, 10_001])
def test_registration_refuses_a_rate_limit_out_of_range(admin: Any, rate: int) -> None:
    with pytest.raises(ValidationError):
        register(admin, rate_limit_per_minute=rate)
    assert not ServiceOperator.objects.exists()


@pytest.mark.parametrize("rate", [1, 10_000])
def test_registration_accepts_the_rate_limit_bounds(admin: Any, rate: int) -> None:
    assert register(admin, rate_limit_per_minute=rate).rate_limit_per_minute == rate


def test_a_duplicate_corporate_number_is_refused(admin: Any, operator: ServiceOperator) -> None:
    number = operator.corporate_number
    hyphenated = f"{number[0]}-{number[1:5]}-{number[5:9]}-{number[9:]}"
    with pytest.raises(ValidationError) as caught:
        register(admin, name="別の会社", corporate_number=hyphenated)
    assert "already" in messages_of(caught) or "既に" in messages_of(caught) or "登録" in messages_of(caught)
    assert ServiceOperator.objects.count() == 1
    assert len(events("api_operator.registered")) == 1


def test_registration_refuses_a_my_number_in_the_names(admin: Any) -> None:
    for field in ("name", "contact_name"):
        with pytest.raises(ValidationError) as caught:
            register(admin, **{field: "番号 123456789018"})
        assert [e.code for e in caught.value.error_list] == ["my_number"]
    assert not ServiceOperator.objects.exists()


def test_registration_is_audited(admin: Any, operator: ServiceOperator) -> None:
    (event,) = events("api_operator.registered")
    assert event.actor_id == admin.pk
    assert (event.target_type, event.target_id) == ("applications.serviceoperator", str(operator.pk))
    assert event.data == {"name": operator.name, "networks": NETWORKS}


# --- issue and authenticate ---------------------------------------------------------------------


def test_an_issued_token_authenticates(admin: Any, operator: ServiceOperator) -> None:
    credential, token = svc.credential_issue(actor=admin, operator_id=operator.pk)
    key_id, dot, secret = token.partition(".")
    assert dot and key_id == credential.key_id and key_id.startswith("zk_") and len(secret) >= 32
    found = svc.credential_authenticate(token, now=now())
    assert found is not None and found.pk == credential.pk
    assert found.operator == operator
    # each issue is a new key and a new secret
    _other, second = svc.credential_issue(actor=admin, operator_id=operator.pk)
    assert second.partition(".")[0] != key_id and second.partition(".")[2] != secret
    assert svc.credential_authenticate(second, now=now()).pk == _other.pk  # type: ignore[union-attr]


def test_the_secret_is_not_stored(admin: Any, operator: ServiceOperator) -> None:
    credential, token = svc.credential_issue(actor=admin, operator_id=operator.pk)
    secret = token.partition(".")[2]
    row = OperatorCredential.objects.filter(pk=credential.pk).values().get()
    assert row["secret_hmac"] != secret
    assert len(row["secret_hmac"]) == 64
    for field, value in row.items():
        assert secret not in str(value), field
        assert token not in str(value), field
    for value in ServiceOperator.objects.filter(pk=operator.pk).values().get().values():
        assert secret not in str(value)
    for event in AuditEvent.objects.all():
        assert secret not in repr(event.data) and secret not in event.target_label


def test_the_issue_is_audited_without_the_secret(admin: Any, operator: ServiceOperator) -> None:
    credential, token = svc.credential_issue(actor=admin, operator_id=operator.pk)
    (event,) = events("api_credential.issued")
    assert event.actor_id == admin.pk
    assert event.target_id == str(operator.pk)
    assert event.data == {"key_id": credential.key_id}
    assert token.partition(".")[2] not in repr(event.data)


def test_a_tampered_secret_or_unknown_key_is_refused(admin: Any, operator: ServiceOperator) -> None:
    _credential, token = svc.credential_issue(actor=admin, operator_id=operator.pk)
    key_id, _dot, secret = token.partition(".")
    flipped = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    assert svc.credential_authenticate(f"{key_id}.{flipped}", now=now()) is None
    assert svc.credential_authenticate(f"{key_id}.{secret}x", now=now()) is None
    assert svc.credential_authenticate(f"{key_id}.{secret[:-1]}", now=now()) is None
    assert svc.credential_authenticate(f"zk_0000000000000000.{secret}", now=now()) is None
    assert svc.credential_authenticate(f"{key_id}x.{secret}", now=now()) is None
    assert svc.credential_authenticate(f"{key_id.upper()}.{secret}", now=now()) is None
    # the real one still works
    assert svc.credential_authenticate(token, now=now()) is not None


def test_another_operators_secret_does_not_fit_this_key(admin: Any, operator: ServiceOperator) -> None:
    other = register(admin, seed=7010, name="別の申請サービス")
    _c1, mine = svc.credential_issue(actor=admin, operator_id=operator.pk)
    _c2, theirs = svc.credential_issue(actor=admin, operator_id=other.pk)
    mixed = f"{mine.partition('.')[0]}.{theirs.partition('.')[2]}"
    assert svc.credential_authenticate(mixed, now=now()) is None


@pytest.mark.parametrize(
    "make",
    [
        lambda token: token.replace(".", ""),  # no dot
        lambda token: token.replace("zk_", "pk_", 1),  # wrong prefix
        lambda token: token[3:],  # no prefix
        lambda token: token.partition(".")[0] + ".",  # empty secret
        lambda token: "." + token.partition(".")[2],  # empty key
        lambda token: token + "A" * (500 - len(token)),  # 500 characters
        lambda token: token.partition(".")[0] + "." + "A" * 500,
        lambda token: "",
        lambda token: ".",
        lambda token: "zk_",
        lambda token: "zk_.",
        lambda token: "Bearer " + token,
        lambda token: token + " ",
        lambda token: " " + token,
        lambda token: token.replace(".", "\x00", 1),
        lambda token: token + "\x00",
        lambda token: "zk_é.秘密",
        lambda token: "zk_%.x",
        lambda token: "zk_' OR '1'='1.x",
    ],
)
def test_malformed_tokens_are_refused(admin: Any, operator: ServiceOperator, make: Any) -> None:
    _credential, token = svc.credential_issue(actor=admin, operator_id=operator.pk)
    assert svc.credential_authenticate(make(token), now=now()) is None


# --- rotate -------------------------------------------------------------------------------------


def test_rotate_with_grace_keeps_the_old_token_for_that_long(admin: Any, operator: ServiceOperator) -> None:
    old, old_token = svc.credential_issue(actor=admin, operator_id=operator.pk)
    new, new_token = svc.credential_rotate(actor=admin, operator_id=operator.pk, grace_hours=24)
    assert new.pk != old.pk and new_token != old_token
    moment = now()
    assert svc.credential_authenticate(old_token, now=moment).pk == old.pk  # type: ignore[union-attr]
    assert svc.credential_authenticate(new_token, now=moment).pk == new.pk  # type: ignore[union-attr]
    assert svc.credential_authenticate(old_token, now=moment + timedelta(hours=23, minutes=59)) is not None
    later = moment + timedelta(hours=25)
    assert svc.credential_authenticate(old_token, now=later) is None
    assert svc.credential_authenticate(new_token, now=later).pk == new.pk  # type: ignore[union-attr]
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.expires_at is not None and timedelta(hours=23) < old.expires_at - moment <= timedelta(hours=24)
    assert new.expires_at is None and new.revoked_at is None


def test_rotate_with_no_grace_refuses_the_old_token_at_once(admin: Any, operator: ServiceOperator) -> None:
    _old, old_token = svc.credential_issue(actor=admin, operator_id=operator.pk)
    _new, new_token = svc.credential_rotate(actor=admin, operator_id=operator.pk, grace_hours=0)
    assert svc.credential_authenticate(old_token, now=now()) is None
    assert svc.credential_authenticate(new_token, now=now()) is not None


def test_rotate_does_not_extend_a_shorter_grace(admin: Any, operator: ServiceOperator) -> None:
    old, old_token = svc.credential_issue(actor=admin, operator_id=operator.pk)
    svc.credential_rotate(actor=admin, operator_id=operator.pk, grace_hours=1)
    old.refresh_from_db()
    first_end = old.expires_at
    svc.credential_rotate(actor=admin, operator_id=operator.pk, grace_hours=48)
    old.refresh_from_db()
    assert old.expires_at == first_end
    assert svc.credential_authenticate(old_token, now=now() + timedelta(hours=2)) is None


def test_rotate_leaves_other_operators_alone(admin: Any, operator: ServiceOperator) -> None:
    other = register(admin, seed=7011, name="別の申請サービス")
    _theirs, their_token = svc.credential_issue(actor=admin, operator_id=other.pk)
    svc.credential_issue(actor=admin, operator_id=operator.pk)
    svc.credential_rotate(actor=admin, operator_id=operator.pk, grace_hours=0)
    assert svc.credential_authenticate(their_token, now=now() + timedelta(days=365)) is not None


@pytest.mark.parametrize("grace", [-1, svc.MAX_GRACE_HOURS + 1])
def test_rotate_refuses_a_grace_out_of_range(admin: Any, operator: ServiceOperator, grace: int) -> None:
    _old, old_token = svc.credential_issue(actor=admin, operator_id=operator.pk)
    with pytest.raises(ValidationError):
        svc.credential_rotate(actor=admin, operator_id=operator.pk, grace_hours=grace)
    assert OperatorCredential.objects.count() == 1
    assert svc.credential_authenticate(old_token, now=now() + timedelta(days=400)) is not None
    assert not events("api_credential.rotated")


def test_rotate_is_audited_without_the_secret(admin: Any, operator: ServiceOperator) -> None:
    old, old_token = svc.credential_issue(actor=admin, operator_id=operator.pk)
    new, new_token = svc.credential_rotate(actor=admin, operator_id=operator.pk, grace_hours=24)
    (event,) = events("api_credential.rotated")
    assert event.actor_id == admin.pk and event.target_id == str(operator.pk)
    assert event.data["key_id"] == new.key_id
    assert event.data["old"] == [old.key_id]
    old.refresh_from_db()
    assert event.data["old_valid_until"] == old.expires_at.isoformat()  # type: ignore[union-attr]
    for token in (old_token, new_token):
        assert token.partition(".")[2] not in repr(event.data)


# --- revoke, suspend ----------------------------------------------------------------------------


def test_revoke_refuses_at_once_and_is_audited(admin: Any, operator: ServiceOperator) -> None:
    credential, token = svc.credential_issue(actor=admin, operator_id=operator.pk)
    _other, other_token = svc.credential_issue(actor=admin, operator_id=operator.pk)
    svc.credential_revoke(actor=admin, credential_id=credential.pk)
    assert svc.credential_authenticate(token, now=now()) is None
    assert svc.credential_authenticate(other_token, now=now()) is not None
    credential.refresh_from_db()
    assert credential.revoked_at is not None
    (event,) = events("api_credential.revoked")
    assert event.actor_id == admin.pk and event.target_id == str(operator.pk)
    assert event.data == {"key_id": credential.key_id}
    assert token.partition(".")[2] not in repr(event.data)
    # revoking again changes nothing and writes nothing
    first = credential.revoked_at
    svc.credential_revoke(actor=admin, credential_id=credential.pk)
    credential.refresh_from_db()
    assert credential.revoked_at == first
    assert len(events("api_credential.revoked")) == 1


def test_a_revoked_credential_in_its_grace_period_is_refused(admin: Any, operator: ServiceOperator) -> None:
    old, old_token = svc.credential_issue(actor=admin, operator_id=operator.pk)
    svc.credential_rotate(actor=admin, operator_id=operator.pk, grace_hours=24)
    svc.credential_revoke(actor=admin, credential_id=old.pk)
    assert svc.credential_authenticate(old_token, now=now()) is None


def test_a_suspended_operators_credentials_are_refused(admin: Any, operator: ServiceOperator) -> None:
    _credential, token = svc.credential_issue(actor=admin, operator_id=operator.pk)
    svc.operator_set_status(actor=admin, operator_id=operator.pk, status=OperatorStatus.SUSPENDED)
    assert svc.credential_authenticate(token, now=now()) is None
    svc.operator_set_status(actor=admin, operator_id=operator.pk, status=OperatorStatus.ACTIVE)
    assert svc.credential_authenticate(token, now=now()) is not None
    changes = [e.data for e in events("api_operator.status")]
    assert changes == [{"from": "active", "to": "suspended"}, {"from": "suspended", "to": "active"}]
    assert all(
        e.actor_id == admin.pk and e.target_id == str(operator.pk) for e in events("api_operator.status")
    )


def test_an_unknown_status_is_refused(admin: Any, operator: ServiceOperator) -> None:
    for status in ("", "deleted", "ACTIVE"):
        with pytest.raises(ValidationError):
            svc.operator_set_status(actor=admin, operator_id=operator.pk, status=status)
    operator.refresh_from_db()
    assert operator.status == OperatorStatus.ACTIVE
    assert not events("api_operator.status")


def test_no_event_of_the_whole_life_contains_a_secret(admin: Any, operator: ServiceOperator) -> None:
    tokens = [svc.credential_issue(actor=admin, operator_id=operator.pk)[1]]
    tokens.append(svc.credential_rotate(actor=admin, operator_id=operator.pk, grace_hours=24)[1])
    tokens.append(svc.credential_rotate(actor=admin, operator_id=operator.pk, grace_hours=0)[1])
    latest = OperatorCredential.objects.order_by("-pk").first()
    svc.credential_revoke(actor=admin, credential_id=latest.pk)  # type: ignore[union-attr]
    svc.operator_set_status(actor=admin, operator_id=operator.pk, status=OperatorStatus.SUSPENDED)
    actions = {e.action for e in AuditEvent.objects.all()}
    assert {
        "api_operator.registered",
        "api_credential.issued",
        "api_credential.rotated",
        "api_credential.revoked",
        "api_operator.status",
    } <= actions
    secrets = [t.partition(".")[2] for t in tokens]
    for event in AuditEvent.objects.all():
        text = f"{event.data!r} {event.target_label} {event.actor_label}"
        assert not any(secret in text for secret in secrets), event.action


# --- addresses ----------------------------------------------------------------------------------


def test_address_allowed_fails_closed_without_ranges(admin: Any) -> None:
    operator = register(admin, seed=7020, allowed_networks=[])
    assert operator.allowed_networks == []
    for address in ("203.0.113.5", "127.0.0.1", "::1", "0.0.0.0"):
        assert not svc.address_allowed(operator, address)


@pytest.mark.parametrize(
    "address,allowed",
    [
        ("203.0.113.0", True),
        ("203.0.113.5", True),
        ("203.0.113.255", True),
        ("203.0.114.1", False),
        ("203.0.112.255", False),
        ("198.51.100.9", True),
        ("198.51.100.10", False),
        ("2001:db8::1", True),
        ("2001:db8:ffff::1", True),
        ("2001:db9::1", False),
        ("::1", False),
        ("::ffff:203.0.113.5", False),  # IPv4-mapped: not the IPv4 range
        ("", False),
        ("garbage", False),
        ("203.0.113.5, 10.0.0.1", False),
        ("203.0.113.5:443", False),
        ("203.0.113.0/24", False),
        ("203.0.113.5 ", False),
        ("999.0.113.5", False),
        ("unknown", False),
    ],
)
def test_address_allowed(admin: Any, address: str, allowed: bool) -> None:
    operator = register(
        admin, seed=7021, allowed_networks=["203.0.113.0/24", "198.51.100.9", "2001:db8::/32"]
    )
    assert svc.address_allowed(operator, address) is allowed
