"""The eligibility evaluation as the rest of the product calls it: the command, the
what-if page and (next) the usage-request workflow all go through here."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings

from reviews.rules import RULESETS, Evaluation, evaluate, parse_facts


def eligibility_evaluate(*, facts_json: Any, on: date, ruleset_name: str | None = None) -> Evaluation:
    """Parse the facts (FactsError names a bad field) and judge them; saves nothing.

    Raises NoRuleSetError when no rule set covers the submission date, KeyError for an
    unknown rule set name.
    """
    facts = parse_facts(facts_json)
    ruleset = RULESETS[ruleset_name] if ruleset_name else None
    return evaluate(facts, on=on, ruleset=ruleset, r2026_enabled=settings.RULESET_R2026_ENABLED)
