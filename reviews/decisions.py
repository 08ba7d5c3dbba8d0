"""Pure rules of reviewing: reviewer overrides of needs_review results, and the SLA state."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

SETTLEABLE = {"pass", "fail"}


def effective_results(
    results: Sequence[Mapping[str, Any]], overrides: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The snapshot with each settled needs_review item replaced by the reviewer's decision.

    Only needs_review items can be settled; a pass or fail computed by the rules stands.
    """
    merged = []
    for result in results:
        row = dict(result)
        override = overrides.get(row["code"])
        if override and row["outcome"] == "needs_review":
            row["outcome"] = override["outcome"]
            row["settled"] = dict(override)
        merged.append(row)
    return merged


def effective_outcome(rows: Sequence[Mapping[str, Any]]) -> str:
    outcomes = {row["outcome"] for row in rows}
    if "fail" in outcomes:
        return "fail"
    if "needs_review" in outcomes:
        return "needs_review"
    return "pass"


def sla_state(*, due_on: date | None, today: date, finished: bool) -> str:
    """on_time / due_today / overdue / done: the badge of the review queue (§13 D11)."""
    if finished:
        return "done"
    if due_on is None:
        return "on_time"
    if today > due_on:
        return "overdue"
    if today == due_on:
        return "due_today"
    return "on_time"
