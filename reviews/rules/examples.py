"""Worked examples: JSON tables of facts and expected answers (tests/reviews/cases/).

The same tables drive the boundary tests and the examples in docs/rules.md.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any


def deep_merge(base: Any, patch: Any) -> Any:
    """Objects merge key by key; anything else (lists included) is replaced."""
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = copy.deepcopy(base)
        for key, value in patch.items():
            merged[key] = deep_merge(merged[key], value) if key in merged else copy.deepcopy(value)
        return merged
    return copy.deepcopy(patch)


def load_tables(directory: Path) -> list[tuple[str, dict[str, Any]]]:
    """Every case table (a file with a ``base``) in the directory, by file name."""
    tables = []
    for path in sorted(directory.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if "base" in data:
            tables.append((path.stem, data))
    return tables


def expand(directory: Path, table: dict[str, Any], key: str = "cases") -> list[dict[str, Any]]:
    """The table's cases with their full facts (the base file merged with each patch)."""
    base = json.loads((directory / table["base"]).read_text(encoding="utf-8"))
    return [{**case, "facts": deep_merge(base, case.get("patch", {}))} for case in table.get(key, [])]
