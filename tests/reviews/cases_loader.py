"""The JSON case tables under tests/reviews/cases/, expanded for parametrised tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reviews.rules.examples import expand, load_tables

CASES_DIR = Path(__file__).parent / "cases"


def all_cases(key: str = "cases") -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{stem}: {case['name']}", case)
        for stem, table in load_tables(CASES_DIR)
        for case in expand(CASES_DIR, table, key)
    ]
