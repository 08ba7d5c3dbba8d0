"""`python manage.py import_applications FILE --filer USERNAME --procedure extension [--commit]`

The bulk input (一括) from the command line, through the same importer and services as the page:
the file is stored as an import of that user, every row is checked (in this process, no worker),
a summary and every error are printed (Japanese and English), and with ``--commit`` a file
without errors becomes one filing of draft applications. Exit 1 when the file has errors or the
commit is refused; nothing is saved then."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from applications.bulk.errors import ImportRefused
from applications.bulk.reading import MAX_BYTES
from applications.bulk.services import (
    BulkCommitRefused,
    bulk_import_commit,
    bulk_import_create,
    bulk_import_validate,
)
from applications.bulk_models import BulkProcedure, BulkStatus
from applications.models import Application


class Command(BaseCommand):
    help = "Check (and with --commit, save) a bulk file of residence applications for one filer."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the CSV or XLSX file, filled in from a bulk template")
        parser.add_argument("--filer", required=True, help="username of the filer the applications are for")
        parser.add_argument("--procedure", required=True, choices=BulkProcedure.values)
        parser.add_argument(
            "--commit", action="store_true", help="save the applications when no row has errors"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            content = path.read_bytes()[: MAX_BYTES + 1]
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        user = get_user_model().objects.filter(username=options["filer"]).first()
        if user is None:
            raise CommandError(f"no user {options['filer']!r}")
        try:
            # No worker here: the check runs in this process right after the upload is stored.
            created = bulk_import_create(
                actor=user,
                procedure=options["procedure"],
                file_name=path.name,
                content=content,
                enqueue=False,
            )
        except ImportRefused as exc:
            self._print_errors([e.as_json() for e in exc.errors])
            sys.exit(1)
        except (PermissionDenied, ValidationError) as exc:
            raise CommandError(f"{options['filer']} cannot file applications: {exc}") from exc
        bulk = bulk_import_validate(import_id=created.pk)
        errors = list(type(bulk).objects.values_list("errors", flat=True).get(pk=bulk.pk))
        self.stdout.write(
            f"import {bulk.pk}: {bulk.original_name} ({bulk.file_format}"
            f"{', ' + bulk.encoding if bulk.encoding else ''}), procedure {bulk.procedure}, "
            f"rows {bulk.total_rows or 0}, errors {bulk.error_count}, status {bulk.status}"
        )
        if bulk.status != BulkStatus.VALID:
            self._print_errors(errors)
            if bulk.error_count > len(errors):
                self.stdout.write(f"… {bulk.error_count - len(errors)} more errors not kept")
            sys.exit(1)
        if not options["commit"]:
            self.stdout.write(_("No errors. Run again with --commit to save the applications as drafts."))
            return
        try:
            filing = bulk_import_commit(actor=user, import_id=bulk.pk)
        except BulkCommitRefused as exc:
            self._print_errors([e.as_json() for e in exc.errors])
            sys.exit(1)
        count = Application.objects.filter(filing=filing).count()
        self.stdout.write(
            f"committed: filing {filing} (id {filing.pk}) with {count} draft applications; attach the "
            "documents and submit the filing on the application pages"
        )

    def _print_errors(self, errors: list[dict[str, Any]]) -> None:
        for item in errors:
            where = f"row {item['row']}" if item.get("row") else "file"
            column = f", {item['column']}" if item.get("column") else ""
            self.stdout.write(f"{where}{column} [{item['code']}]: {item['en']}")
            self.stdout.write(f"    {item['ja']}")
