"""What a requirement says: a stable code, an outcome, an explanation in both languages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, NamedTuple


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NEEDS_REVIEW = "needs_review"


class RequirementResult(NamedTuple):
    """Immutable; a NamedTuple because thousands are built per second (cheaper than a frozen dataclass)."""

    code: str
    outcome: Outcome
    ja: str
    en: str
    earliest_eligible: date | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "outcome": self.outcome.value,
            "explanation": {"ja": self.ja, "en": self.en},
            "earliest_eligible": self.earliest_eligible.isoformat() if self.earliest_eligible else None,
        }


def overall(results: tuple[RequirementResult, ...] | list[RequirementResult]) -> Outcome:
    """Fail if any result fails, else needs review if any does, else pass."""
    outcomes = {r.outcome for r in results}
    if Outcome.FAIL in outcomes:
        return Outcome.FAIL
    if Outcome.NEEDS_REVIEW in outcomes:
        return Outcome.NEEDS_REVIEW
    return Outcome.PASS


@dataclass(frozen=True, slots=True)
class Evaluation:
    ruleset: str
    evaluated_on: date
    outcome: Outcome
    results: tuple[RequirementResult, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "ruleset": self.ruleset,
            "outcome": self.outcome.value,
            "results": [r.as_json() for r in self.results],
        }
