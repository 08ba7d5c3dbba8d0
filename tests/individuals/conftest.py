from __future__ import annotations

from typing import Any

import pytest

from tests.individuals.factories import register_entry, seed_code_table


@pytest.fixture
def code_table(db: Any) -> None:
    seed_code_table()


@pytest.fixture
def entry(db: Any, code_table: None) -> Any:
    return register_entry()


@pytest.fixture
def english() -> Any:
    """Messages asserted in English (the Japanese catalogue is checked for completeness elsewhere)."""
    from django.utils import translation

    with translation.override("en"):
        yield
