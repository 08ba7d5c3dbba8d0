from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from reviews.rules import RULESETS, FactsError, NoRuleSetError
from reviews.services import eligibility_evaluate


class Command(BaseCommand):
    help = "Evaluate a usage request's facts (JSON file) against the approval requirements; print JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("facts", help="path of the facts JSON file, or - for standard input")
        parser.add_argument("--on", help="evaluation date YYYY-MM-DD (default: today in Japan)")
        parser.add_argument("--ruleset", choices=sorted(RULESETS), help="judge by this set instead")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            raw_text = (
                self.stdin_text()
                if options["facts"] == "-"
                else Path(options["facts"]).read_text(encoding="utf-8")
            )
        except OSError as exc:
            raise CommandError(f"cannot read {options['facts']}: {exc.strerror}", returncode=2) from exc
        try:
            raw = json.loads(raw_text)
        except json.JSONDecodeError as exc:
            raise CommandError(f"the facts are not valid JSON: {exc}", returncode=2) from exc
        try:
            on = date.fromisoformat(options["on"]) if options["on"] else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--on: not a date (YYYY-MM-DD): {options['on']!r}", returncode=2) from exc
        try:
            evaluation = eligibility_evaluate(facts_json=raw, on=on, ruleset_name=options["ruleset"])
        except FactsError as exc:
            raise CommandError(f"invalid facts: {exc}", returncode=2) from exc
        except NoRuleSetError as exc:
            raise CommandError(f"submitted_on: {exc}", returncode=2) from exc
        self.stdout.write(json.dumps(evaluation.as_json(), ensure_ascii=False, indent=2))

    def stdin_text(self) -> str:
        import sys

        return sys.stdin.read()
