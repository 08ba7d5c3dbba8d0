"""(Re)build the monthly statistics report of a past month, and mail it if asked.

    manage.py reporting_monthly --month 2026-10 [--bureau tokyo] [--mail]

A rebuild keeps the earlier PDFs (still verifiable by their numbers) and points the month's
report at the new one. ``--mail`` sends the new PDF to the active auditors even if the month's
report was mailed before."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from backoffice.accounts.models import RegionalBureau
from reporting import statistics as st
from reporting.monthly import build_monthly_report, monthly_report_mail


class Command(BaseCommand):
    help = (
        "Build (or rebuild) the monthly statistics report of a past month; --mail sends it to the auditors."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", required=True, help="The month, as YYYY-MM.")
        parser.add_argument("--bureau", default="", help="A regional bureau's code; all bureaus if left out.")
        parser.add_argument("--mail", action="store_true", help="Mail the PDF to the active auditors.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            month = st.parse_month(options["month"])
        except ValueError as exc:
            raise CommandError(f"--month: {exc}") from exc
        bureau = None
        if options["bureau"]:
            bureau = RegionalBureau.objects.filter(code=options["bureau"]).first()
            if bureau is None:
                codes = ", ".join(RegionalBureau.objects.values_list("code", flat=True))
                raise CommandError(f"--bureau: no bureau {options['bureau']!r} (one of: {codes})")
        try:
            report = build_monthly_report(month=month, bureau=bureau)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        document = report.document
        self.stdout.write(
            f"Built {month:%Y-%m} {bureau.code if bureau else 'all'}: document {document.number}, "
            f"{document.size} bytes, SHA-256 {document.sha256}"
        )
        if options["mail"]:
            sent = monthly_report_mail(report_id=report.pk, force=True)
            self.stdout.write(f"Mailed to {sent} auditor(s).")
