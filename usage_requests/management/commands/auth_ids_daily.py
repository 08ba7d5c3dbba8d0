from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from usage_requests.id_daily import auth_ids_daily


class Command(BaseCommand):
    help = "Send renewal reminders and suspend expired authentication IDs (what beat runs daily)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--on", help="run as of this date (YYYY-MM-DD); default today in Japan")

    def handle(self, *args: Any, **options: Any) -> None:
        today = date.fromisoformat(options["on"]) if options["on"] else timezone.localdate()
        self.stdout.write(str(auth_ids_daily(today=today)))
