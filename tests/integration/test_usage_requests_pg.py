"""Concurrency of the usage-request workflow on PostgreSQL: row locks plus the FSM's
concurrent-transition check mean two people acting at once never both win."""

from __future__ import annotations

import copy
import threading
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from backoffice.access.roles import Role
from backoffice.accounts.models import RegionalBureau
from institutions.models import Delegation, StaffMembership
from tests.factories import UserFactory, persona_users
from tests.usage_requests.conftest import GOOD_FACTS
from usage_requests import auth_ids
from usage_requests.models import AuthenticationId, UsageRequest
from usage_requests.services import usage_request_create, usage_request_transition

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _recommended(cast: dict[str, Any], filer: Any) -> UsageRequest:
    request = usage_request_create(
        actor=filer,
        institution=cast["company"],
        acting_for=None,
        kind="new",
        declared_facts=copy.deepcopy(GOOD_FACTS),
    )
    for who, name in [(filer, "submit"), (cast["users"]["reviewer_tokyo"], "start_review"),
                      (cast["users"]["reviewer_tokyo"], "recommend_approval")]:  # fmt: skip
        usage_request_transition(actor=who, request_id=request.pk, name=name)
    return request


def _run_together(jobs: list[Any]) -> list[Any]:
    barrier = threading.Barrier(len(jobs))
    outcomes: list[Any] = [None] * len(jobs)

    def run(index: int, job: Any) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[index] = job()
        except Exception as exc:
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def _cast() -> dict[str, Any]:
    cast = persona_users()
    type(cast["company"]).objects.filter(pk=cast["company"].pk).update(category=2)
    Delegation.objects.update(scope=["residence_applications", "usage_request"])
    cast["company"] = type(cast["company"]).objects.get(pk=cast["company"].pk)
    return cast


def test_approve_and_reject_at_once_exactly_one_wins() -> None:
    cast = _cast()
    from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: F401 — personas carry devices

    second = UserFactory(username="supervisor_tokyo_2", role=Role.SUPERVISOR,
                         bureau=RegionalBureau.objects.get(code="tokyo"))  # fmt: skip
    request = _recommended(cast, cast["users"]["hr"])
    outcomes = _run_together([
        lambda: usage_request_transition(actor=cast["users"]["supervisor_tokyo"], request_id=request.pk, name="approve"),
        lambda: usage_request_transition(actor=second, request_id=request.pk, name="reject", reason="同時操作の試験"),
    ])  # fmt: skip
    winners = [o for o in outcomes if isinstance(o, UsageRequest)]
    losers = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    final = UsageRequest.objects.get(pk=request.pk)
    assert final.state == winners[0].state
    assert AuthenticationId.objects.filter(usage_request=request).count() == (
        1 if final.state == "approved" else 0
    )
    # The loser is told the request has already moved on, in words a person understands.
    assert str(final.get_state_display()) in losers[0].messages[0]


def test_fifty_approvals_at_once_give_fifty_distinct_ids() -> None:
    cast = _cast()
    filers = []
    for n in range(50):
        user = UserFactory(username=f"hr_bulk_{n}", role=Role.INSTITUTION_STAFF)
        StaffMembership.objects.create(user=user, institution=cast["company"], valid_from=date(2024, 1, 1))
        filers.append(user)
    requests = [_recommended(cast, filer) for filer in filers]
    supervisor = cast["users"]["supervisor_tokyo"]

    def approver(chunk: list[UsageRequest]) -> Any:
        def job() -> list[str]:
            return [
                usage_request_transition(actor=supervisor, request_id=r.pk, name="approve").state
                for r in chunk
            ]

        return job

    outcomes = _run_together([approver(requests[i::10]) for i in range(10)])
    assert all(isinstance(o, list) for o in outcomes), outcomes
    codes = list(AuthenticationId.objects.values_list("code", flat=True))
    assert len(codes) == 50 == len(set(codes))
    assert all(auth_ids.problem(code) is None for code in codes)
    assert UsageRequest.objects.filter(state="approved").count() == 50
