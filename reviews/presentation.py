"""Rule results as the pages show them: the requirement's title and the explanation in the
user's language, the earliest date in Gregorian and era form. One place for every page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from backoffice.periods import format_both
from reviews.decisions import effective_results
from reviews.rules.requirements import REQUIREMENTS


def result_rows(
    results: Sequence[Mapping[str, Any]],
    *,
    english: bool,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """``results`` in the rules_evaluate JSON shape; reviewer settlements applied if given."""
    rows = []
    for row in effective_results(results, overrides or {}):
        requirement = REQUIREMENTS.get(row["code"])
        title = (requirement.title_en if english else requirement.title_ja) if requirement else ""
        earliest = row["earliest_eligible"]
        rows.append(
            {
                **row,
                "title": title,
                "text": row["explanation"]["en" if english else "ja"],
                "earliest": format_both(date.fromisoformat(earliest)) if earliest else "",
                "settleable": row["outcome"] == "needs_review",
            }
        )
    return rows
