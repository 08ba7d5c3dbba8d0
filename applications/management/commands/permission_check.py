"""`python manage.py permission_check CASE.json`: the permission matrix's decision as JSON.

Exit 0 with {"decision", "reasons": [{"code", "ja", "en"}]}; exit 2 naming the field when the case is
invalid or lacks a fact the rules need. `-` reads the case from standard input.
"""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandParser

from applications.rules.cases import case_from_json
from applications.rules.matrix import CaseIncomplete, permission_check


class Command(BaseCommand):
    help = "Decide a permission-matrix case (JSON file) and print the decision as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("case", help="path to the case JSON, or - for standard input")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["case"]
        try:
            text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()  # noqa: SIM115
        except OSError as exc:
            self._invalid("case", f"ファイルを読めません: {exc}", f"cannot read the case file: {exc}")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            self._invalid("case", f"JSONとして読めません: {exc}", f"not valid JSON: {exc}")
        try:
            decision = permission_check(case_from_json(data))
        except CaseIncomplete as exc:
            self._invalid(exc.field_name, exc.ja, exc.en)
        self.stdout.write(json.dumps(decision.as_json(), ensure_ascii=False))

    def _invalid(self, field_name: str, ja: str, en: str) -> NoReturn:
        sys.stderr.write(
            json.dumps({"error": "invalid", "field": field_name, "ja": ja, "en": en}, ensure_ascii=False)
            + "\n"
        )
        sys.exit(2)
