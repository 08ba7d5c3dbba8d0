from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from reviews.rules.docs import render


class Command(BaseCommand):
    help = "Write docs/rules.md from the rule definitions and the worked examples (--check: only compare)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check", action="store_true", help="exit non-zero if docs/rules.md is not current"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        base = Path(settings.BASE_DIR)
        text = render(base / "tests" / "reviews" / "cases")
        target = base / "docs" / "rules.md"
        if options["check"]:
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                raise CommandError("docs/rules.md is not current: run `python manage.py rules_docs`")
            self.stdout.write("docs/rules.md is current")
            return
        target.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {target.relative_to(base)}")
