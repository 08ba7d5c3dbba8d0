"""The eligibility engine for usage requests (利用申出): pure, typed, no ORM, no clock."""

from reviews.rules.facts import Facts, FactsError, parse_facts
from reviews.rules.results import Evaluation, Outcome, RequirementResult
from reviews.rules.rulesets import RULESETS, NoRuleSetError, RuleSet, evaluate, ruleset_for

__all__ = [
    "RULESETS",
    "Evaluation",
    "Facts",
    "FactsError",
    "NoRuleSetError",
    "Outcome",
    "RequirementResult",
    "RuleSet",
    "evaluate",
    "parse_facts",
    "ruleset_for",
]
