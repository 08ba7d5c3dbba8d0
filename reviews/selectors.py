"""Facts for the eligibility engine, read from the institutions registry."""

from __future__ import annotations

from datetime import date
from typing import Any

from institutions.models import FilingKind, Institution, InstitutionKind, PenaltyKind

KIND_FACT = {
    InstitutionKind.ACCEPTING: "accepting_institution",
    InstitutionKind.SUPERVISING: "supervising_organisation",
    InstitutionKind.SUPPORT_ORG: "support_organisation",
    InstitutionKind.PUBLIC_INTEREST: "public_interest_corporation",
}
# 懲役 is heavier than 禁錮; 拘禁刑 (from 2025-06) merges both and is treated as imprisonment.
PENALTY_FACT = {
    PenaltyKind.FINE: "fine",
    PenaltyKind.IMPRISONMENT: "imprisonment",
    PenaltyKind.IMPRISONMENT_WITH_WORK: "heavier",
    PenaltyKind.CONFINEMENT: "imprisonment",
}


def eligibility_facts_for(*, institution: Institution, submitted_on: date) -> dict[str, Any]:
    """The facts the registry knows, in the rules_evaluate JSON shape; the rest stays null
    (unknown) for the filer or reviewer to give."""
    sentences = [
        {
            "who": "officer" if s.officer_id else "institution",
            "law": s.law_kind,
            "penalty": PENALTY_FACT[PenaltyKind(s.penalty)],
            "served_on": s.served_on.isoformat(),
        }
        for s in institution.sentences.all()
    ]
    filing_kinds = set(institution.filings.values_list("kind", flat=True))
    acceptance = {FilingKind.ACCEPTANCE_START, FilingKind.ACCEPTANCE_END} & filing_kinds
    return {
        "submitted_on": submitted_on.isoformat(),
        "institution": {
            "kind": KIND_FACT[InstitutionKind(institution.kind)],
            "category": institution.category,
            "has_online_eligible_foreigner": institution.employees.exists() or None,
            "notifications_filed": True if acceptance else None,
            "employment_status_report_filed": True if FilingKind.EMPLOYMENT_STATUS in filing_kinds else None,
            "sentences": sentences,
        },
        "filer": {},
    }
