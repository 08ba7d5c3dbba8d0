from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from django.test import override_settings

from reviews.rules import NoRuleSetError
from reviews.services import eligibility_evaluate

BASE = json.loads((Path(__file__).parent / "cases" / "base_accepting.json").read_text(encoding="utf-8"))


def test_r2026_can_be_switched_off() -> None:
    facts = {**BASE, "submitted_on": "2026-02-01"}
    assert eligibility_evaluate(facts_json=facts, on=date(2026, 2, 1)).ruleset == "R2026"
    with override_settings(RULESET_R2026_ENABLED=False):
        assert eligibility_evaluate(facts_json=facts, on=date(2026, 2, 1)).ruleset == "R2022"
        older = {**BASE, "submitted_on": "2021-02-01"}
        assert eligibility_evaluate(facts_json=older, on=date(2021, 2, 1)).ruleset == "R2019"


def test_before_usage_requests_began() -> None:
    with pytest.raises(NoRuleSetError):
        eligibility_evaluate(facts_json={**BASE, "submitted_on": "2019-03-28"}, on=date(2019, 3, 28))
