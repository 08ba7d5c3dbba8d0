"""The plain facts an evaluation reads, and their strict parsing from JSON.

A fact left out is None, and the requirement that needs it answers needs_review: a
missing fact never passes a requirement silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

E = TypeVar("E", bound=StrEnum)


class InstitutionKind(StrEnum):
    ACCEPTING = "accepting_institution"
    SUPPORT_ORGANISATION = "support_organisation"
    PUBLIC_INTEREST = "public_interest_corporation"
    SUPERVISING = "supervising_organisation"

    @property
    def is_affiliated_institution(self) -> bool:
        """所属機関: the body that accepts the foreign national (a 監理団体 for technical interns)."""
        return self in (InstitutionKind.ACCEPTING, InstitutionKind.SUPERVISING)


class SentencedParty(StrEnum):
    INSTITUTION = "institution"
    OFFICER = "officer"


class LawKind(StrEnum):
    IMMIGRATION = "immigration"
    LABOUR = "labour"
    OTHER = "other"


class Penalty(StrEnum):
    FINE = "fine"
    IMPRISONMENT = "imprisonment"  # 禁錮 (拘禁刑 from 2025-06)
    HEAVIER = "heavier"


class RevocationReason(StrEnum):
    OWN_REQUEST = "own_request"
    SANCTION = "sanction"


@dataclass(frozen=True, slots=True)
class Sentence:
    who: SentencedParty
    law: LawKind
    penalty: Penalty
    served_on: date


@dataclass(frozen=True, slots=True)
class Financials:
    net_assets: int | None
    operating_results: tuple[int, ...]
    capital: int | None
    business_plan: bool | None


@dataclass(frozen=True, slots=True)
class InstitutionFacts:
    kind: InstitutionKind
    category: int
    has_online_eligible_foreigner: bool | None = None
    applications_past_3y: int | None = None
    unlawful_employment_past_3y: bool | None = None
    revocation_involvement_past_3y: bool | None = None
    notifications_filed: bool | None = None
    employment_status_report_required: bool | None = None
    employment_status_report_filed: bool | None = None
    pledge_submitted: bool | None = None
    pledge_list_attached: bool | None = None
    sentences: tuple[Sentence, ...] = ()
    financials: Financials | None = None


@dataclass(frozen=True, slots=True)
class Revocation:
    on: date
    reason: RevocationReason


@dataclass(frozen=True, slots=True)
class FilerFacts:
    has_agent_certificate: bool | None = None
    certificate_valid_until: date | None = None
    training_completed_on: date | None = None
    revocations: tuple[Revocation, ...] = ()


@dataclass(frozen=True, slots=True)
class Facts:
    submitted_on: date
    institution: InstitutionFacts
    filer: FilerFacts


class FactsError(ValueError):
    """Invalid facts; ``field`` is the dotted path of the offending value."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


# --- parsing ------------------------------------------------------------------------------

_INSTITUTION_KEYS = {
    "kind", "category", "has_online_eligible_foreigner", "applications_past_3y", "unlawful_employment_past_3y",
    "revocation_involvement_past_3y", "notifications_filed", "employment_status_report_required",
    "employment_status_report_filed", "pledge_submitted", "pledge_list_attached", "sentences", "financials",
}  # fmt: skip
_BOOLEAN_FACTS = (
    "has_online_eligible_foreigner", "unlawful_employment_past_3y", "revocation_involvement_past_3y",
    "notifications_filed", "employment_status_report_required", "employment_status_report_filed",
    "pledge_submitted", "pledge_list_attached",
)  # fmt: skip


def _object(value: Any, path: str, allowed: set[str]) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise FactsError(path, "must be an object")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise FactsError(f"{path}.{unknown[0]}" if path else unknown[0], "is not a known fact")
    return value


def _date(value: Any, path: str, *, required: bool = False) -> date | None:
    if value is None:
        if required:
            raise FactsError(path, "is required (a date, YYYY-MM-DD)")
        return None
    if not isinstance(value, str):
        raise FactsError(path, "must be a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise FactsError(path, f"is not a valid date (YYYY-MM-DD): {value!r}") from exc


def _bool(value: Any, path: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise FactsError(path, "must be true, false or null")


def _int(value: Any, path: str, *, minimum: int | None = None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise FactsError(path, "must be a whole number")
    if minimum is not None and value < minimum:
        raise FactsError(path, f"must be at least {minimum}")
    return value


def _enum(kind: type[E], value: Any, path: str) -> E:
    try:
        return kind(value)
    except ValueError as exc:
        choices = "|".join(member.value for member in kind)
        raise FactsError(path, f"must be one of {choices}, got {value!r}") from exc


def _sentence(value: Any, path: str) -> Sentence:
    data = _object(value, path, {"who", "law", "penalty", "served_on"})
    served = _date(data.get("served_on"), f"{path}.served_on", required=True)
    assert served is not None
    return Sentence(
        who=_enum(SentencedParty, data.get("who"), f"{path}.who"),
        law=_enum(LawKind, data.get("law"), f"{path}.law"),
        penalty=_enum(Penalty, data.get("penalty"), f"{path}.penalty"),
        served_on=served,
    )


def _financials(value: Any, path: str) -> Financials | None:
    if value is None:
        return None
    data = _object(value, path, {"net_assets", "operating_results", "capital", "business_plan"})
    results = data.get("operating_results") or []
    if not isinstance(results, list):
        raise FactsError(f"{path}.operating_results", "must be a list of yearly results (yen), oldest first")
    return Financials(
        net_assets=_int(data.get("net_assets"), f"{path}.net_assets"),
        operating_results=tuple(
            _int(v, f"{path}.operating_results[{i}]") or 0 for i, v in enumerate(results)
        ),
        capital=_int(data.get("capital"), f"{path}.capital", minimum=0),
        business_plan=_bool(data.get("business_plan"), f"{path}.business_plan"),
    )


def parse_facts(raw: Any) -> Facts:
    """Build Facts from the documented JSON shape, or raise FactsError naming the field."""
    data = _object(raw, "", {"submitted_on", "institution", "filer"})
    submitted = _date(data.get("submitted_on"), "submitted_on", required=True)
    assert submitted is not None
    inst = _object(data.get("institution"), "institution", _INSTITUTION_KEYS)
    category = _int(inst.get("category"), "institution.category")
    if category is None or not 1 <= category <= 4:
        raise FactsError("institution.category", "must be 1, 2, 3 or 4")
    sentences = inst.get("sentences") or []
    if not isinstance(sentences, list):
        raise FactsError("institution.sentences", "must be a list")
    booleans = {name: _bool(inst.get(name), f"institution.{name}") for name in _BOOLEAN_FACTS}
    institution = InstitutionFacts(
        kind=_enum(InstitutionKind, inst.get("kind"), "institution.kind"),
        category=category,
        applications_past_3y=_int(
            inst.get("applications_past_3y"), "institution.applications_past_3y", minimum=0
        ),
        sentences=tuple(_sentence(s, f"institution.sentences[{i}]") for i, s in enumerate(sentences)),
        financials=_financials(inst.get("financials"), "institution.financials"),
        **booleans,
    )
    filer_raw = _object(
        data.get("filer") or {},
        "filer",
        {"has_agent_certificate", "certificate_valid_until", "training_completed_on", "revocations"},
    )
    revocations = filer_raw.get("revocations") or []
    if not isinstance(revocations, list):
        raise FactsError("filer.revocations", "must be a list")
    filer = FilerFacts(
        has_agent_certificate=_bool(filer_raw.get("has_agent_certificate"), "filer.has_agent_certificate"),
        certificate_valid_until=_date(
            filer_raw.get("certificate_valid_until"), "filer.certificate_valid_until"
        ),
        training_completed_on=_date(filer_raw.get("training_completed_on"), "filer.training_completed_on"),
        revocations=tuple(_revocation(r, f"filer.revocations[{i}]") for i, r in enumerate(revocations)),
    )
    return Facts(submitted_on=submitted, institution=institution, filer=filer)


def _revocation(value: Any, path: str) -> Revocation:
    data = _object(value, path, {"on", "reason"})
    on = _date(data.get("on"), f"{path}.on", required=True)
    assert on is not None
    return Revocation(on=on, reason=_enum(RevocationReason, data.get("reason"), f"{path}.reason"))
