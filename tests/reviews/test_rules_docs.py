from __future__ import annotations

from pathlib import Path

from django.conf import settings

from reviews.rules.docs import render
from reviews.rules.requirements import REQUIREMENTS


def test_rules_md_is_generated_and_current() -> None:
    base = Path(settings.BASE_DIR)
    current = (base / "docs" / "rules.md").read_text(encoding="utf-8")
    assert current == render(base / "tests" / "reviews" / "cases"), "run: python manage.py rules_docs"


def test_every_code_is_documented() -> None:
    text = render(Path(settings.BASE_DIR) / "tests" / "reviews" / "cases")
    for code in REQUIREMENTS:
        assert f"`{code}`" in text
