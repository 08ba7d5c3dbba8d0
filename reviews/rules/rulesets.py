"""Rule sets as data, versioned by effective date (§13 D1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from reviews.rules.facts import Facts
from reviews.rules.requirements import REQUIREMENTS, Context, Requirement
from reviews.rules.results import Evaluation, overall


@dataclass(frozen=True, slots=True)
class RuleSet:
    name: str
    effective_from: date
    effective_to: date | None  # inclusive; None while in force
    requirements: tuple[Requirement, ...]
    id_validity_years: int
    admits_category4: bool
    description_ja: str
    description_en: str

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


def _pick(*codes: str) -> tuple[Requirement, ...]:
    return tuple(REQUIREMENTS[code] for code in codes)


_COMMON_2022 = (
    "REQ-PENALTY-FINE-5Y", "REQ-PENALTY-IMPRISONMENT-5Y", "REQ-NOTIFICATIONS-FILED", "REQ-PLEDGE",
    "REQ-CATEGORY3-STABILITY", "REQ-CATEGORY4-STABILITY", "REQ-FILER-AGENT-QUALIFIED", "REQ-FILER-COOLDOWN-1Y",
)  # fmt: skip

RULESETS: dict[str, RuleSet] = {
    rs.name: rs
    for rs in [
        RuleSet(
            name="R2019",
            effective_from=date(2019, 3, 29),
            effective_to=date(2022, 2, 28),
            requirements=_pick(
                "REQ-ELIGIBLE-FOREIGNER",
                "REQ-TRACK-RECORD-3Y",
                "REQ-PENALTY-FINE-5Y",
                "REQ-PENALTY-IMPRISONMENT-5Y",
                "REQ-LAWFUL-EMPLOYMENT-3Y",
                "REQ-NO-REVOCATION-INVOLVEMENT-3Y",
                "REQ-NOTIFICATIONS-FILED",
                "REQ-PLEDGE",
                "REQ-CATEGORY3-STABILITY",
                "REQ-FILER-COOLDOWN-1Y",
            ),
            id_validity_years=1,
            admits_category4=False,
            description_ja="2022年2月までの承認要件（リーフレットの「改正前」）",
            description_en="Approval requirements until February 2022 (the leaflet's BEFORE list)",
        ),
        RuleSet(
            name="R2022",
            effective_from=date(2022, 3, 1),
            effective_to=date(2026, 1, 4),
            requirements=_pick(*_COMMON_2022),
            id_validity_years=1,
            admits_category4=True,
            description_ja="2022年3月からの承認要件（リーフレットの「改正後」）",
            description_en="Approval requirements from March 2022 (the leaflet's AFTER list)",
        ),
        RuleSet(
            name="R2026",
            effective_from=date(2026, 1, 5),
            effective_to=None,
            requirements=_pick(*_COMMON_2022, "REQ-PLEDGE-LIST"),
            id_validity_years=3,
            admits_category4=True,
            description_ja="2026年1月5日からの承認要件（新システム。二次資料による）",
            description_en="Approval requirements from 2026-01-05 (the renewed system; from secondary sources)",
        ),
    ]
}


class NoRuleSetError(ValueError):
    pass


def ruleset_for(day: date, *, r2026_enabled: bool = True) -> RuleSet:
    """The set in force on ``day``. With R2026 switched off, R2022 stays in force after it."""
    for ruleset in RULESETS.values():
        if ruleset.name == "R2026" and not r2026_enabled:
            continue
        if ruleset.in_force_on(day) or (
            ruleset.name == "R2022" and not r2026_enabled and day > (ruleset.effective_to or day)
        ):
            return ruleset
    raise NoRuleSetError(f"no rule set is in force on {day.isoformat()} (usage requests began on 2019-03-29)")


def evaluate(
    facts: Facts, *, on: date, ruleset: RuleSet | None = None, r2026_enabled: bool = True
) -> Evaluation:
    """Judge the facts by the set in force on their submission date (or the one named)."""
    chosen = ruleset or ruleset_for(facts.submitted_on, r2026_enabled=r2026_enabled)
    context = Context(admits_category4=chosen.admits_category4)
    results = tuple(requirement.check(facts, on, context) for requirement in chosen.requirements)
    return Evaluation(ruleset=chosen.name, evaluated_on=on, outcome=overall(results), results=results)
