"""``python manage.py certno "（東）弁 10 第 50 号"`` prints the 12-digit certificate number.

Takes an old-style number (converted with the code table in the database) or a 12-digit number
(normalised: full-width digits, spaces and hyphens allowed). Prints just the 12 digits. Exit 2
with the reason on standard error for malformed input or a symbol the code table lacks."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from individuals import certno
from individuals.selectors import code_table


class Command(BaseCommand):
    help = "Convert a filing-agent certificate number (old style or 12 digits) to its 12 digits."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("number", help='e.g. "（東）弁 10 第 50 号" or 132010700050')

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            number = certno.to_number(options["number"], code_table())
        except certno.CertificateNumberError as exc:
            raise CommandError(f"{exc.code}: {exc.message_en}\n{exc.message_ja}", returncode=2) from exc
        self.stdout.write(number)
