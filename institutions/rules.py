"""Pure rules of the institutions registry: corporate-number check digit and category 1–4.

No ORM, no clock, no I/O. The category rule follows §5.4 and §13 D3.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum

CATEGORY2_WITHHOLDING_THRESHOLD_YEN = 10_000_000


def corporate_number_check_digit(base12: str) -> int:
    """Check digit of a 法人番号 (§13 D14): 9 − (Σ Pn×Qn mod 9), Pn counted from the right."""
    if len(base12) != 12 or not base12.isdigit():
        raise ValueError("the base number must be 12 digits")
    total = sum(int(d) * (1 if n % 2 else 2) for n, d in enumerate(reversed(base12), start=1))
    return 9 - (total % 9)


def normalise_corporate_number(raw: str) -> str:
    """NFKC (full-width digits), then drop spaces and hyphens people type between groups."""
    value = unicodedata.normalize("NFKC", raw).strip()
    return value.replace(" ", "").replace("-", "")


def corporate_number_problem(number: str) -> str | None:
    """None when valid; otherwise a code: 'length', 'digits' or 'check_digit'."""
    if not number.isdigit():
        return "digits"
    if len(number) != 13:
        return "length"
    if corporate_number_check_digit(number[1:]) != int(number[0]):
        return "check_digit"
    return None


class Category1Basis(StrEnum):
    """The kinds that make an institution category 1 (§5.4)."""

    LISTED = "listed"
    MUTUAL_INSURANCE = "mutual_insurance"
    GOVERNMENT = "government"
    INCORPORATED_ADMINISTRATIVE_AGENCY = "incorporated_administrative_agency"
    SPECIAL_CORPORATION = "special_corporation"
    PUBLIC_INTEREST_APPROVED = "public_interest_approved"
    CORPORATION_TAX_TABLE1 = "corporation_tax_table1"
    INNOVATION_COMPANY = "innovation_company"
    CERTAIN_CONDITIONS = "certain_conditions"


@dataclass(frozen=True)
class CategoryEvidence:
    category1_basis: Category1Basis | None
    statutory_report_filed: bool
    withholding_tax_yen: int | None


@dataclass(frozen=True)
class CategoryDecision:
    category: int
    code: str
    explanation_ja: str
    explanation_en: str


def category_for(evidence: CategoryEvidence) -> CategoryDecision:
    """Category 1–4 from the evidence (§13 D3)."""
    if evidence.category1_basis is not None:
        return CategoryDecision(
            1,
            "CAT1-BASIS",
            f"カテゴリー1：{evidence.category1_basis.value} に該当",
            f"Category 1: qualifies as {evidence.category1_basis.value}",
        )
    if evidence.statutory_report_filed and evidence.withholding_tax_yen is not None:
        amount = evidence.withholding_tax_yen
        if amount >= CATEGORY2_WITHHOLDING_THRESHOLD_YEN:
            return CategoryDecision(
                2,
                "CAT2-WITHHOLDING",
                f"カテゴリー2：前年分の源泉徴収税額 {amount:,}円 が 1,000万円以上",
                f"Category 2: previous year's withholding tax ¥{amount:,} is ¥10,000,000 or more",
            )
        return CategoryDecision(
            3,
            "CAT3-FILED",
            f"カテゴリー3：前年分の法定調書合計表を提出済み（源泉徴収税額 {amount:,}円）",
            f"Category 3: filed the previous year's statutory report summary (withholding ¥{amount:,})",
        )
    if evidence.statutory_report_filed:
        return CategoryDecision(
            3,
            "CAT3-FILED",
            "カテゴリー3：前年分の法定調書合計表を提出済み（税額未入力）",
            "Category 3: filed the previous year's statutory report summary (amount not entered)",
        )
    return CategoryDecision(
        4,
        "CAT4-NONE",
        "カテゴリー4：前年分の法定調書合計表を提出していない（新設会社等）",
        "Category 4: has not filed the previous year's statutory report summary (e.g. a new company)",
    )
