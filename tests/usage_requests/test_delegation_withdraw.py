"""An institution withdraws its delegation: the IDs obtained through it stop at once, their
holders are told, the agent can no longer file, and the page and its POST work."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from backoffice.audit.models import AuditEvent
from backoffice.workbench.models import Notification, OutboxMessage
from institutions.models import Delegation, Institution
from institutions.selectors import institution_list_visible_to
from institutions.services import delegation_withdraw
from tests.usage_requests.conftest import GOOD_FACTS
from usage_requests.delegation_services import delegation_withdraw_and_suspend
from usage_requests.id_services import auth_id_authenticate, auth_id_for_token
from usage_requests.models import AuthenticationId, UsageRequest
from usage_requests.selectors import may_file_for
from usage_requests.services import usage_request_create, usage_request_transition

PASSWORD = "sakura-Tsubame-2026"
REASON = "支援委託契約を解除したため"


def _issue(
    cast: dict[str, Any], filer: str, institution: Institution, acting_for: Institution | None
) -> AuthenticationId:
    users = cast["users"]
    request = usage_request_create(
        actor=users[filer], institution=institution, acting_for=acting_for, kind="new",
        declared_facts=copy.deepcopy(GOOD_FACTS),
    )  # fmt: skip
    for who, name in [(filer, "submit"), ("reviewer_tokyo", "start_review"),
                      ("reviewer_tokyo", "recommend_approval"), ("supervisor_tokyo", "approve")]:  # fmt: skip
        usage_request_transition(actor=users[who], request_id=request.pk, name=name)
    auth_id = AuthenticationId.objects.get(usage_request=request)
    auth_id.state = "active"
    auth_id.password = make_password(PASSWORD)
    auth_id.password_set_on = timezone.localdate()
    auth_id.valid_until = timezone.localdate() + timedelta(days=300)
    auth_id.save()
    return auth_id


@pytest.fixture
def world(cast_ur: dict[str, Any]) -> dict[str, Any]:
    """The company delegates usage requests to the support organisation (the cast's
    delegation) and to the public-interest corporation; the other company delegates to the
    support organisation too. One live ID through each, plus HR's own ID."""
    cast = cast_ur
    company, other = cast["company"], cast["other"]
    Institution.objects.filter(pk=other.pk).update(category=2)
    cast["other"] = other = Institution.objects.get(pk=other.pk)
    start = date(2024, 1, 1)
    Delegation.objects.create(
        principal=company, agent=cast["public_interest_org"], valid_from=start, scope=["usage_request"]
    )
    Delegation.objects.create(
        principal=other, agent=cast["support_org"], valid_from=start, scope=["usage_request"]
    )
    cast["delegation"] = Delegation.objects.get(principal=company, agent=cast["support_org"])
    cast["ids"] = {
        "support": _issue(cast, "support", company, cast["support_org"]),
        "public_interest": _issue(cast, "public_interest", company, cast["public_interest_org"]),
        "support_other": _issue(cast, "support", other, cast["support_org"]),
        "hr": _issue(cast, "hr", company, None),
    }
    return cast


def _state(auth_id: AuthenticationId) -> str:
    return AuthenticationId.objects.get(pk=auth_id.pk).state


@pytest.mark.django_db
def test_withdrawal_suspends_the_dependent_id_at_once_and_tells_its_holder(world: dict[str, Any]) -> None:
    users, ids, delegation = world["users"], world["ids"], world["delegation"]
    assert auth_id_authenticate(code=ids["support"].code, password=PASSWORD) is not None

    assert delegation_withdraw_and_suspend(actor=users["hr"], delegation_id=delegation.pk, reason=REASON) == 1

    assert auth_id_authenticate(code=ids["support"].code, password=PASSWORD) is None
    assert _state(ids["support"]) == "suspended"
    for untouched in ["public_interest", "support_other", "hr"]:
        assert _state(ids[untouched]) == "active", untouched
        assert auth_id_authenticate(code=ids[untouched].code, password=PASSWORD) is not None, untouched

    delegation.refresh_from_db()
    assert delegation.withdrawn_at is not None and delegation.withdrawn_by == users["hr"]
    assert delegation.withdrawal_reason == REASON and delegation.valid_to == timezone.localdate()

    notice = Notification.objects.get(recipient=users["support"], verb="auth_id")
    assert str(ids["support"]) in notice.text
    assert notice.url == reverse("usage_requests:detail", args=[ids["support"].usage_request_id])
    mail = OutboxMessage.objects.get(recipient=users["support"].email, subject__contains="利用停止")
    assert mail.body.index("依頼") < mail.body.index("withdrew its delegation")
    assert "新たに利用申出" in mail.body and "file a new usage" in mail.body

    withdrawn = AuditEvent.objects.get(action="delegation.withdrawn")
    assert withdrawn.actor_id == users["hr"].pk and withdrawn.chain == f"institution:{world['company'].pk}"
    assert withdrawn.data["reason"] == REASON and withdrawn.target_id == str(delegation.pk)
    mirrored = AuditEvent.objects.get(action="institution.delegation_withdrawn")
    assert mirrored.chain == f"institution:{world['support_org'].pk}"
    assert mirrored.data["delegation"] == delegation.pk
    suspended = AuditEvent.objects.get(action="auth_id.suspended")
    assert suspended.target_id == str(ids["support"].pk)
    assert (
        suspended.data["reason"] == "delegation_withdrawn" and suspended.data["delegation"] == delegation.pk
    )
    summary = AuditEvent.objects.get(action="delegation.dependents_suspended")
    assert summary.data["auth_ids_suspended"] == 1 and summary.data["auth_ids"] == [ids["support"].pk]


@pytest.mark.django_db
def test_an_id_awaiting_its_password_is_suspended_and_its_link_dies(world: dict[str, Any]) -> None:
    from usage_requests.id_services import auth_id_password_link_issue

    auth_id = world["ids"]["support"]
    AuthenticationId.objects.filter(pk=auth_id.pk).update(state="awaiting_password", password="")
    auth_id.refresh_from_db()
    token = auth_id_password_link_issue(auth_id=auth_id).rstrip("/").rsplit("/", 1)[-1]
    assert auth_id_for_token(token) is not None

    count = delegation_withdraw_and_suspend(
        actor=world["users"]["hr"], delegation_id=world["delegation"].pk, reason=REASON
    )
    assert count == 1 and _state(auth_id) == "suspended"
    assert auth_id_for_token(token) is None, "the link would otherwise make the suspended ID active again"


@pytest.mark.django_db
def test_open_requests_are_left_alone_counted_and_can_no_longer_be_submitted(world: dict[str, Any]) -> None:
    users, company, support_org = world["users"], world["company"], world["support_org"]
    draft = usage_request_create(
        actor=users["support"], institution=company, acting_for=support_org, kind="additional",
        declared_facts=copy.deepcopy(GOOD_FACTS),
    )  # fmt: skip
    assert may_file_for(user=users["support"], institution=company, acting_for=support_org)

    delegation_withdraw_and_suspend(actor=users["hr"], delegation_id=world["delegation"].pk, reason=REASON)

    assert UsageRequest.objects.get(pk=draft.pk).state == "draft"
    summary = AuditEvent.objects.get(action="delegation.dependents_suspended")
    assert summary.data["open_requests"] == 1 and summary.data["open_request_ids"] == [draft.pk]
    assert not may_file_for(user=users["support"], institution=company, acting_for=support_org)
    with pytest.raises((PermissionDenied, ValidationError)):
        usage_request_transition(actor=users["support"], request_id=draft.pk, name="submit")
    assert company not in institution_list_visible_to(user=users["support"]), (
        "the agent loses its scope at once"
    )
    # Still delegated by the other company: untouched.
    assert may_file_for(user=users["support"], institution=world["other"], acting_for=support_org)


@pytest.mark.django_db
def test_active_on_excludes_a_withdrawn_delegation(world: dict[str, Any]) -> None:
    delegation = world["delegation"]
    today = timezone.localdate()
    assert Delegation.objects.active_on(today).filter(pk=delegation.pk).exists()
    delegation_withdraw(actor=world["users"]["hr"], delegation_id=delegation.pk, reason=REASON)
    for day in [today, today - timedelta(days=30)]:
        assert not Delegation.objects.active_on(day).filter(pk=delegation.pk).exists(), day
    assert Delegation.objects.active_on(today).filter(principal=world["company"]).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["hr_other", "support", "public_interest", "reviewer_tokyo", "auditor"])
def test_only_the_delegating_institution_may_withdraw(world: dict[str, Any], who: str) -> None:
    with pytest.raises(PermissionDenied):
        delegation_withdraw_and_suspend(
            actor=world["users"][who], delegation_id=world["delegation"].pk, reason=REASON
        )
    assert Delegation.objects.get(pk=world["delegation"].pk).withdrawn_at is None
    assert _state(world["ids"]["support"]) == "active"
    assert not AuditEvent.objects.filter(action__in=["delegation.withdrawn", "auth_id.suspended"]).exists()


@pytest.mark.django_db
def test_an_administrator_may_withdraw(world: dict[str, Any]) -> None:
    delegation = world["delegation"]
    assert (
        delegation_withdraw_and_suspend(
            actor=world["users"]["admin"], delegation_id=delegation.pk, reason=REASON
        )
        == 1
    )


@pytest.mark.django_db
def test_a_reason_is_required_and_a_delegation_is_withdrawn_once(world: dict[str, Any]) -> None:
    hr, delegation = world["users"]["hr"], world["delegation"]
    with pytest.raises(ValidationError) as empty:
        delegation_withdraw_and_suspend(actor=hr, delegation_id=delegation.pk, reason="  \n ")
    assert "reason" in empty.value.message_dict
    assert Delegation.objects.get(pk=delegation.pk).withdrawn_at is None

    delegation_withdraw_and_suspend(actor=hr, delegation_id=delegation.pk, reason=REASON)
    with translation.override("en"), pytest.raises(ValidationError, match="already withdrawn"):
        delegation_withdraw_and_suspend(actor=hr, delegation_id=delegation.pk, reason="もう一度")
    assert AuditEvent.objects.filter(action="delegation.withdrawn").count() == 1
    assert AuditEvent.objects.filter(action="auth_id.suspended").count() == 1


@pytest.mark.django_db
def test_an_ended_delegation_cannot_be_withdrawn(world: dict[str, Any]) -> None:
    delegation = world["delegation"]
    Delegation.objects.filter(pk=delegation.pk).update(valid_to=timezone.localdate() - timedelta(days=1))
    with translation.override("en"), pytest.raises(ValidationError, match="already ended"):
        delegation_withdraw(actor=world["users"]["hr"], delegation_id=delegation.pk, reason=REASON)


# --- the page -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_page_lists_the_delegations_and_the_post_withdraws(
    world: dict[str, Any], client_for: Any
) -> None:
    delegation = world["delegation"]
    hr = client_for("hr")
    page = hr.get(reverse("usage_requests:delegations"))
    assert page.status_code == 200
    rows = {row.delegation.pk: row for row in page.context["given"]}
    assert set(rows) == set(
        Delegation.objects.filter(principal=world["company"]).values_list("pk", flat=True)
    )
    assert rows[delegation.pk].dependent_ids == 1 and rows[delegation.pk].can_withdraw
    withdraw = reverse("usage_requests:delegation_withdraw", args=[delegation.pk])
    assert withdraw in page.content.decode()

    assert hr.get(withdraw).status_code == 405
    refused = hr.post(withdraw, {"reason": ""}, follow=True)
    assert Delegation.objects.get(pk=delegation.pk).withdrawn_at is None
    assert any("取り下げる理由" in str(m) for m in refused.context["messages"])

    done = hr.post(withdraw, {"reason": REASON})
    assert done.status_code == 302 and done["Location"] == reverse("usage_requests:delegations")
    assert Delegation.objects.get(pk=delegation.pk).withdrawn_at is not None
    assert _state(world["ids"]["support"]) == "suspended"

    after = hr.get(reverse("usage_requests:delegations"))
    row = next(r for r in after.context["given"] if r.delegation.pk == delegation.pk)
    assert row.state == "withdrawn" and row.dependent_ids == 0 and not row.can_withdraw
    assert REASON in after.content.decode() and withdraw not in after.content.decode()


@pytest.mark.django_db
def test_the_agent_sees_what_it_received_read_only_and_others_cannot_post(
    world: dict[str, Any], client_for: Any
) -> None:
    delegation = world["delegation"]
    withdraw = reverse("usage_requests:delegation_withdraw", args=[delegation.pk])
    support = client_for("support")
    page = support.get(reverse("usage_requests:delegations"))
    assert page.status_code == 200
    received = {row.delegation.pk: row for row in page.context["received"]}
    assert delegation.pk in received and not any(r.can_withdraw for r in received.values())
    assert withdraw not in page.content.decode()
    assert support.post(withdraw, {"reason": REASON}).status_code == 403
    assert client_for("hr_other").post(withdraw, {"reason": REASON}).status_code == 404
    other_page = client_for("hr_other").get(reverse("usage_requests:delegations"))
    assert [r.delegation.principal for r in other_page.context["given"]] == [world["other"]]
    reviewer = client_for("reviewer_tokyo").post(withdraw, {"reason": REASON}, follow=True)
    assert any("依頼した所属機関の職員だけ" in str(m) for m in reviewer.context["messages"])
    assert Delegation.objects.get(pk=delegation.pk).withdrawn_at is None


@pytest.mark.django_db
def test_the_page_query_count_does_not_grow_with_the_rows(world: dict[str, Any], client_for: Any) -> None:
    hr = client_for("hr")
    url = reverse("usage_requests:delegations")
    hr.get(url)
    with CaptureQueriesContext(connection) as few:
        hr.get(url)
    for agent in [world["public_interest_org"], world["support_org"]] * 3:
        Delegation.objects.create(principal=world["company"], agent=agent, valid_from=date(2025, 1, 1))
    with CaptureQueriesContext(connection) as many:
        page = hr.get(url)
    assert len(page.context["given"]) == 8
    assert len(many) == len(few)
