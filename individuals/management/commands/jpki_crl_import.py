"""``manage.py jpki_crl_import FILE_OR_DIR...``: import CRLs for the My Number Card by hand."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from individuals.card_trust import crls_import_from


class Command(BaseCommand):
    help = "Import CRLs (DER or PEM) signed by a loaded J-LIS root; already imported ones are skipped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", help="CRL files or directories of them")

    def handle(self, *args: Any, **options: Any) -> None:
        totals = {"imported": 0, "skipped": 0, "refused": 0}
        for raw in options["paths"]:
            path = Path(raw)
            if path.is_dir():
                counts = crls_import_from(directory=path)
            elif path.is_file():
                with tempfile.TemporaryDirectory() as scratch:
                    (Path(scratch) / f"one{path.suffix or '.crl'}").write_bytes(path.read_bytes())
                    counts = crls_import_from(directory=Path(scratch))
            else:
                raise CommandError(f"{raw}: no such file or directory")
            for key, value in counts.items():
                totals[key] += value
        self.stdout.write(str(totals))
        if totals["refused"]:
            raise CommandError(
                f"{totals['refused']} file(s) refused: not a CRL, or not signed by a loaded root"
            )
