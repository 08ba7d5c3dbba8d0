from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backoffice.audit.verify import verify_chains


class Command(BaseCommand):
    help = "Verify every audit chain; report the first broken link of each and exit non-zero if any."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--chain", action="append", help="verify only this chain (repeatable)")

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chains(chains=options["chain"])
        for link in report.broken:
            self.stderr.write(
                f"BROKEN chain={link.chain} event_id={link.event_id} global_seq={link.global_seq} "
                f"chain_seq={link.chain_seq}: {link.reason}"
            )
        summary = f"{report.chains_checked} chains, {report.events_checked} links checked"
        if not report.ok:
            raise CommandError(f"audit chain broken ({summary}, {len(report.broken)} broken)")
        self.stdout.write(f"OK: {summary}")
