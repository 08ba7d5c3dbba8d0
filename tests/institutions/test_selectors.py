from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from institutions.models import Delegation
from institutions.selectors import institution_can_change, institution_list_visible_to


def _names(user: Any, today: date | None = None) -> set[str]:
    return set(institution_list_visible_to(user=user, today=today).values_list("name", flat=True))


@pytest.mark.django_db
def test_scopes_per_role(cast: dict[str, Any]) -> None:
    users = cast["users"]
    assert _names(users["hr"]) == {"みどり食品株式会社"}
    assert _names(users["support"]) == {"グローバル人材サポート", "みどり食品株式会社"}
    assert _names(users["public_interest"]) == {"国際人材協力機構"}
    assert "大阪介護サービス" not in _names(users["reviewer_tokyo"])
    assert _names(users["reviewer_osaka"]) == {"大阪介護サービス"}
    assert len(_names(users["auditor"])) == 5
    assert _names(users["foreign_national"]) == set()
    assert _names(users["lawyer"]) == set()


@pytest.mark.django_db
def test_delegation_scope_follows_its_dates(cast: dict[str, Any]) -> None:
    support = cast["users"]["support"]
    delegation = Delegation.objects.get(principal=cast["company"])
    Delegation.objects.filter(pk=delegation.pk).update(valid_to=date(2025, 3, 31))
    assert "みどり食品株式会社" in _names(support, today=date(2025, 3, 31))
    assert "みどり食品株式会社" not in _names(support, today=date(2025, 4, 1))
    Delegation.objects.filter(pk=delegation.pk).update(valid_from=date(2030, 1, 1), valid_to=None)
    assert "みどり食品株式会社" not in _names(support, today=date(2029, 12, 31))


@pytest.mark.django_db
def test_ended_membership_loses_access(cast: dict[str, Any]) -> None:
    hr = cast["users"]["hr"]
    hr.memberships.update(valid_to=date.today() - timedelta(days=1))
    assert _names(hr) == set()


@pytest.mark.django_db
def test_inactive_user_sees_nothing(cast: dict[str, Any]) -> None:
    auditor = cast["users"]["auditor"]
    auditor.is_active = False
    assert _names(auditor) == set()


@pytest.mark.django_db
def test_agents_see_but_do_not_change_the_principal(cast: dict[str, Any]) -> None:
    users, company = cast["users"], cast["company"]
    assert institution_can_change(user=users["hr"], institution=company)
    assert not institution_can_change(user=users["support"], institution=company)
    assert institution_can_change(user=users["reviewer_tokyo"], institution=company)
    assert not institution_can_change(user=users["reviewer_osaka"], institution=company)
    assert not institution_can_change(user=users["auditor"], institution=company)
