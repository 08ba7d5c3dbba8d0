from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from backoffice.audit.models import AuditEvent
from institutions.models import ComplianceFiling, CriminalSentence, ForeignEmployee
from reviews.rules import parse_facts
from reviews.selectors import eligibility_facts_for


@pytest.mark.django_db
def test_registry_facts_feed_the_engine(cast: dict[str, Any]) -> None:
    company = cast["company"]
    officer = company.officers.first()
    CriminalSentence.objects.create(
        institution=company, officer=officer, law_kind="labour", law_name="労働基準法",
        penalty="imprisonment_with_work", sentenced_on=date(2021, 1, 5), served_on=date(2022, 6, 30),
    )  # fmt: skip
    employee = ForeignEmployee.objects.create(
        institution=company,
        name="NGUYEN VAN AN",
        nationality="ベトナム",
        status_of_residence="engineer_humanities_international",
    )
    ComplianceFiling.objects.create(
        institution=company,
        kind="employment_status",
        event_on=date(2024, 4, 1),
        filed_on=date(2024, 4, 10),
        employee=employee,
    )
    raw = eligibility_facts_for(institution=company, submitted_on=date(2025, 5, 1))
    facts = parse_facts(raw)
    assert facts.institution.category == company.category
    assert [(s.who.value, s.law.value, s.penalty.value) for s in facts.institution.sentences] == [
        ("officer", "labour", "heavier")
    ]
    assert facts.institution.employment_status_report_filed is True
    assert facts.institution.notifications_filed is None  # unknown, not "no"


@pytest.mark.django_db
def test_what_if_shows_the_failing_requirement_and_its_date_and_saves_nothing(
    client_for: Any, cast: dict[str, Any]
) -> None:
    company = cast["company"]
    CriminalSentence.objects.create(
        institution=company, law_kind="immigration", law_name="出入国管理及び難民認定法", penalty="fine",
        sentenced_on=date(2021, 9, 1), served_on=date(2021, 10, 15),
    )  # fmt: skip
    client = client_for("hr")
    events_before = AuditEvent.objects.count()
    page = client.get(reverse("reviews:what_if"), {"institution": company.pk})
    assert page.status_code == 200
    data = {
        "institution": company.pk, "submitted_on": "2025-06-01", "on": "2025-06-01", "category": "3",
        "pledge_submitted": "yes", "notifications_filed": "yes", "employment_status_report_required": "no",
        "has_agent_certificate": "yes", "certificate_valid_until": "2027-03-31",
    }  # fmt: skip
    response = client.post(reverse("reviews:what_if"), data)
    assert response.status_code == 200
    evaluation = response.context["evaluation"]
    assert evaluation.ruleset == "R2022" and evaluation.outcome.value == "fail"
    rows = {r["code"]: r for r in response.context["rows"]}
    assert rows["REQ-PENALTY-FINE-5Y"]["outcome"] == "fail"
    assert rows["REQ-PENALTY-FINE-5Y"]["earliest"] == "2026-10-15（令和8年10月15日）"
    assert rows["REQ-CATEGORY3-STABILITY"]["outcome"] == "needs_review"
    assert "令和8年10月15日" in response.content.decode()
    assert AuditEvent.objects.count() == events_before


@pytest.mark.django_db
def test_what_if_cannot_load_an_institution_out_of_scope(client_for: Any, cast: dict[str, Any]) -> None:
    client = client_for("hr")
    page = client.get(reverse("reviews:what_if"), {"institution": cast["other"].pk})
    assert page.context["institution"] is None
    response = client.post(
        reverse("reviews:what_if"),
        {"institution": cast["other"].pk, "submitted_on": "2025-06-01", "on": "2025-06-01", "category": "2"},
    )
    assert "institution" in response.context["form"].errors
