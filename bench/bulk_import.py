"""Bulk input (一括) on PostgreSQL: our importer vs django-import-export vs bare bulk_create.

Run by ``make bench`` (scripts/bench.sh starts a throwaway PostgreSQL and migrates it). By hand,
against a migrated PostgreSQL::

    DATABASE_URL=postgresql://app:app@127.0.0.1:54339/app .venv/bin/python -m bench.bulk_import --rows 10000

Generates an extension CSV of ``--rows`` rows (every column filled, as a filer's file would be)
for the foreign employees of a bench institution whose HR officer holds a live authentication ID,
then times in the same run:

  a. ours   upload + background check (read, every row checked, matrix) + commit (check again on
            the day, one filing, bulk_create, one audit event)
  b. stock  django-import-export's own ``import_data`` (dry_run=False, use_transactions=True) of
            the same file through a ModelResource with the same columns (our
            BulkApplicationResource, with the filing and filer set per row)
  c. bare   ``Application.objects.bulk_create`` of the same rows, objects built beforehand

and prints rows per second and the ratios ours/stock and bare/ours. Targets (issue): ours at least
10× stock, and within 3× of bare bulk_create. Figures are printed, never asserted.
"""

# ruff: noqa: E402  (django.setup() must run before the project's imports)
from __future__ import annotations

import argparse
import csv
import io
import os
import time
from datetime import date, timedelta
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings")

import django

django.setup()

from django.db import connection, transaction
from django.utils import timezone

from applications.bulk.reading import max_rows
from applications.bulk.services import (
    BATCH_SIZE,
    bulk_import_commit,
    bulk_import_create,
    bulk_import_validate,
)
from applications.bulk.templates import BulkApplicationResource, columns_for
from applications.models import Application, Filing, FilingMode
from applications.rules.catalogue import Procedure
from applications.rules.matrix import Filer, PermissionCase, permission_check
from backoffice.access.roles import Role
from backoffice.accounts.models import User
from bench.pgload import say
from institutions.models import ForeignEmployee, Institution, StaffMembership
from usage_requests import auth_ids
from usage_requests.models import AuthenticationId, AuthIdState, UsageRequest

PROCEDURE = "extension"
USERNAME = "bench_bulk_hr"


def world(rows: int) -> tuple[User, Institution, list[ForeignEmployee]]:
    """The bench filer (institution staff with a live ID) and ``rows`` employees, made once."""
    today = timezone.localdate()
    institution = Institution.objects.filter(name="一括ベンチ株式会社").first()
    if institution is None:
        from backoffice.accounts.models import Prefecture
        from institutions.rules import corporate_number_check_digit

        base = "987654321098"
        institution = Institution.objects.create(
            kind="accepting", name="一括ベンチ株式会社", corporate_number=f"{corporate_number_check_digit(base)}{base}",
            prefecture=Prefecture.objects.get(code="13"), address="東京都千代田区丸の内1-1-1",
            statutory_report_filed=True, withholding_tax_yen=20_000_000, category=2, category_reason="CAT2-TAX",
        )  # fmt: skip
    user, _ = User.objects.get_or_create(
        username=USERNAME, defaults={"role": Role.INSTITUTION_STAFF, "email": "bench@example.test"}
    )
    StaffMembership.objects.get_or_create(
        user=user, institution=institution, defaults={"valid_from": date(2024, 1, 1)}
    )
    if not AuthenticationId.objects.filter(
        holder=user, institution=institution, state=AuthIdState.ACTIVE
    ).exists():
        request = UsageRequest.objects.create(institution=institution, filer=user)
        AuthenticationId.objects.create(
            code=auth_ids.generate(), holder=user, institution=institution, usage_request=request,
            state=AuthIdState.ACTIVE, validity_years=1, password_set_on=today, valid_until=today + timedelta(days=365),
        )  # fmt: skip
    have = ForeignEmployee.objects.filter(institution=institution).count()
    if have < rows:
        ForeignEmployee.objects.bulk_create(
            [
                ForeignEmployee(
                    institution=institution,
                    name=f"BENCH WORKER {i:06d}",
                    nationality="ベトナム",
                    date_of_birth=date(1985, 1, 1) + timedelta(days=i % 7000),
                    status_of_residence="engineer_humanities_international",
                    period_of_stay_until=today + timedelta(days=30 + i % 300),
                    residence_card_number=f"BK{i:08d}ZZ",
                    employed_from=date(2023, 4, 1),
                )
                for i in range(have, rows)
            ],
            batch_size=5000,
        )
    staff = list(ForeignEmployee.objects.filter(institution=institution).order_by("pk")[:rows])
    return user, institution, staff


def extension_csv(staff: list[ForeignEmployee]) -> bytes:
    """Every column filled, as a filer who exported the registry would send it."""
    keys = columns_for(PROCEDURE)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(keys)
    for i, e in enumerate(staff):
        assert e.date_of_birth is not None and e.period_of_stay_until is not None
        values = {
            "employee_id": e.pk, "residence_card_number": e.residence_card_number, "subject_name": e.name,
            "nationality": e.nationality, "date_of_birth": e.date_of_birth.isoformat(), "sex": "MF"[i % 2],
            "status": "engineer_humanities_international", "notice": "", "current_status": e.status_of_residence,
            "period_of_stay_until": e.period_of_stay_until.isoformat(), "prefecture": f"{1 + i % 47:02d}",
            "address": f"東京都千代田区丸の内1-{i % 9 + 1}-{i % 30 + 1}", "notification_email": f"w{i}@example.test",
            "with_reentry": "0", "reentry_multiple": "0", "with_extra_activity": "0", "subject_unable": "0",
            "family_in_japan": "",
        }  # fmt: skip
        writer.writerow([values[k] for k in keys])
    return out.getvalue().encode("utf-8-sig")


def run_ours(user: User, content: bytes, rows: int) -> float:
    start = time.perf_counter()
    bulk = bulk_import_create(
        actor=user, procedure=PROCEDURE, file_name="bench.csv", content=content, enqueue=False
    )
    bulk = bulk_import_validate(import_id=bulk.pk)
    if bulk.status != "valid":
        raise SystemExit(f"our importer refused the bench file: {bulk.error_count} errors")
    filing = bulk_import_commit(actor=user, import_id=bulk.pk)
    elapsed = time.perf_counter() - start
    assert Application.objects.filter(filing=filing).count() == rows
    return elapsed


class StockResource(BulkApplicationResource):
    """import-export as it comes: per-row instance, FK widgets that look each value up, save()."""

    def __init__(self, filing: Filing, user: User) -> None:
        super().__init__(PROCEDURE)
        self.filing = filing
        self.user = user

    def get_instance(self, instance_loader: Any, row: Any) -> None:
        return None  # every row is a new application (no import id column)

    def before_save_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        instance.filing = self.filing
        instance.filer = self.user
        instance.institution_id = instance.employee.institution_id if instance.employee_id else None


def run_stock(user: User, institution: Institution, content: bytes, rows: int) -> float:
    from import_export.formats.base_formats import CSV

    start = time.perf_counter()
    dataset = CSV().create_dataset(content.decode("utf-8-sig"))
    filing = Filing.objects.create(
        filer=user, filer_kind="institution_staff", mode=FilingMode.BULK, institution=institution
    )
    result = StockResource(filing, user).import_data(
        dataset, dry_run=False, use_transactions=True, raise_errors=True
    )
    elapsed = time.perf_counter() - start
    if result.has_errors() or result.has_validation_errors():
        raise SystemExit("import-export reported errors on the bench file")
    assert Application.objects.filter(filing=filing).count() == rows
    return elapsed


def run_bare(user: User, institution: Institution, staff: list[ForeignEmployee]) -> float:
    filing = Filing.objects.create(
        filer=user, filer_kind="institution_staff", mode=FilingMode.BULK, institution=institution
    )
    # The same permission record ours writes: the matrix's decision for these rows, with its reason.
    decision = permission_check(
        PermissionCase(
            on=timezone.localdate(), filer=Filer.INSTITUTION_STAFF, procedure=Procedure.EXTENSION,
            status="engineer_humanities_international", subject_age=35, affiliated=True,
        )
    )  # fmt: skip
    permission = {**decision.as_json(), "version": decision.version}
    objects = []
    for i, e in enumerate(staff):
        objects.append(
            Application(
                filing=filing,
                procedure=PROCEDURE,
                filer=user,
                institution=institution,
                employee_id=e.pk,
                subject_name=e.name,
                nationality=e.nationality,
                date_of_birth=e.date_of_birth,
                sex="MF"[i % 2],
                residence_card_number=e.residence_card_number,
                prefecture_id=f"{1 + i % 47:02d}",
                address=f"東京都千代田区丸の内1-{i % 9 + 1}-{i % 30 + 1}",
                notification_email=f"w{i}@example.test",
                current_status=e.status_of_residence,
                period_of_stay_until=e.period_of_stay_until,
                status="engineer_humanities_international",
                notice="",
                details={},
                permission=permission,
            )
        )
    start = time.perf_counter()
    with transaction.atomic():
        Application.objects.bulk_create(objects, batch_size=BATCH_SIZE)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000, help=f"rows in the file (at most {max_rows():,})")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of ours and bare (median); stock runs once"
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        say(f"warning: measuring on {connection.vendor}, not PostgreSQL (set DATABASE_URL)")
    rows = args.rows
    say(f"preparing {rows:,} employees and the extension CSV …")
    user, institution, staff = world(rows)
    content = extension_csv(staff)
    say(f"file: {len(content) / 1024 / 1024:.1f} MB, {rows:,} rows, {len(columns_for(PROCEDURE))} columns")

    # Interleaved, best of --repeat for ours and bare (the least disturbed run on a shared machine);
    # stock once, between them, since one run of it takes a minute.
    ours_runs, bare_runs = [run_ours(user, content, rows)], [run_bare(user, institution, staff)]
    stock = run_stock(user, institution, content, rows)
    for _ in range(args.repeat - 1):
        ours_runs.append(run_ours(user, content, rows))
        bare_runs.append(run_bare(user, institution, staff))
    ours, bare = min(ours_runs), min(bare_runs)
    say(
        f"runs: ours {', '.join(f'{t:.2f}' for t in ours_runs)} s; bare {', '.join(f'{t:.2f}' for t in bare_runs)} s; "
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
    )

    def rate(seconds: float) -> str:
        return f"{rows / seconds:>10,.0f} rows/s  ({seconds:7.2f} s)"

    say(f"a. ours   (upload + check + commit)          {rate(ours)}")
    say(f"b. stock  (django-import-export import_data) {rate(stock)}")
    say(f"c. bare   (bulk_create of built objects)     {rate(bare)}")
    say(f"ours/stock = {stock / ours:.1f}× faster  (target ≥ 10×)")
    say(f"bare/ours  = {ours / bare:.2f}× slower than bare bulk_create  (target ≤ 3×)")


if __name__ == "__main__":
    main()
