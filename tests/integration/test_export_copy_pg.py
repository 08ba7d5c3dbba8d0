"""On PostgreSQL a UTF-8 CSV export is written by COPY (workbench/export_plan.py): the same
rows and cells as Python writes them (WORKBENCH_EXPORT_COPY off), formulas quoted, Japanese
intact, JSON the same JSON, the audit event's hash the file's."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import threading
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import override_settings

from backoffice.audit.models import AuditEvent
from backoffice.audit.services import audit_log
from backoffice.workbench.export_plan import copy_query, export_plan
from backoffice.workbench.models import ExportJob
from backoffice.workbench.registry import LIST_SPECS
from backoffice.workbench.tasks import by_copy, export_build, export_dir
from tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://evil.example")'


def _export(user: Any, list_key: str, **params: Any) -> tuple[list[list[str]], bytes, ExportJob]:
    job = ExportJob.objects.create(
        user=user, list_key=list_key, title=list_key, params=params, file_format="csv", encoding="utf-8-sig"
    )
    name = export_build(job.pk)
    data = (export_dir() / name).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    job.refresh_from_db()
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")))), data, job


def _same_cells(ours: list[list[str]], theirs: list[list[str]], json_columns: set[int]) -> None:
    assert len(ours) == len(theirs) and ours[0] == theirs[0], "the same headers"
    for by_copy_row, by_python_row in zip(ours[1:], theirs[1:], strict=True):
        for i, (a, b) in enumerate(zip(by_copy_row, by_python_row, strict=True)):
            if i in json_columns and a and b:
                assert json.loads(a) == json.loads(b)  # PostgreSQL's key order, Japanese unescaped
            else:
                assert a == b, (i, a, b)


def test_audit_events_and_institutions_are_written_by_copy_as_python_writes_them(
    cast: dict[str, Any],
) -> None:
    auditor = cast["users"]["auditor"]
    institution = InstitutionFactory(name=FORMULA, name_kana="ヤマダショウジ")
    audit_log(
        actor=auditor,
        action="test.hostile",
        target=institution,
        institution_id=institution.pk,
        data={"氏名": "山田 太郎", "note": "-1+1", "nested": {"a": [1, 2.5, None, True]}},
    )
    audit_log(actor=None, action="@import", target=institution, institution_id=None, data={})
    for list_key in ("audit_events", "institutions"):
        spec = LIST_SPECS[list_key]
        plan = export_plan(spec.export_resource(), spec.model)  # type: ignore[misc]
        assert plan is not None and plan.copyable, list_key
        assert by_copy(spec.model.objects.all(), "csv", "utf-8-sig")
        copied, data, job = _export(auditor, list_key)
        with override_settings(WORKBENCH_EXPORT_COPY=False):
            written, _, _ = _export(auditor, list_key)
        json_columns = {i for i, c in enumerate(plan.columns) if c.header.lower() == "data"}
        # Each export adds its own audit event, which the next export of the log holds.
        copied = [row for row in copied if "export.completed" not in row]
        written = [row for row in written if "export.completed" not in row]
        _same_cells(copied, written, json_columns)
        assert len(copied) > 2 and job.done >= len(copied) - 1
        assert job.sha256 == hashlib.sha256(data).hexdigest()
        event = AuditEvent.objects.filter(action="export.completed").order_by("-global_seq")[1]
        assert event.data["sha256"] == job.sha256 and event.data["rows"] == job.done
        cells = [cell for row in copied for cell in row]
        assert "'" + FORMULA in cells and FORMULA not in cells
        if list_key == "audit_events":
            assert "'@import" in cells
            hostile = next(row for row in copied if "test.hostile" in row)
            assert "山田 太郎" in hostile[json_columns.pop()], "Japanese as itself, not \\u escapes"


def test_the_copy_statement_keeps_the_lists_scope_and_order(cast: dict[str, Any]) -> None:
    spec = LIST_SPECS["audit_events"]
    plan = export_plan(spec.export_resource(), spec.model)  # type: ignore[misc]
    assert plan is not None
    sql, params = copy_query(plan, AuditEvent.objects.filter(action="x.y").order_by("-global_seq"))
    assert sql.startswith("COPY (SELECT") and "ORDER BY" in sql and params == ("x.y",)


@pytest.mark.django_db(transaction=True)
def test_a_long_copy_reports_progress_on_a_connection_of_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """Progress written on the COPY's own connection waits for the COPY, which waits to be
    read: the export hung for ever. It is written aside, and the export finishes."""
    from contextlib import contextmanager

    from backoffice.accounts.models import Role
    from backoffice.workbench import export_plan as plan_module
    from backoffice.workbench import tasks
    from tests.factories import UserFactory

    auditor = UserFactory(role=Role.AUDITOR)
    institution = InstitutionFactory()
    for n in range(40):
        with transaction.atomic():
            audit_log(
                actor=auditor, action=f"test.n{n}", target=institution, institution_id=None, data={"n": n}
            )
    monkeypatch.setattr(plan_module, "COPY_PROGRESS_EVERY", 5)
    monkeypatch.setattr(plan_module, "COPY_BLOCK_BYTES", 1)
    reported: list[int] = []
    original = tasks._progress_aside

    @contextmanager
    def spying(job_id: int) -> Any:
        with original(job_id) as report:

            def spy(done: int) -> None:
                report(done)
                reported.append(done)

            yield spy

    monkeypatch.setattr(tasks, "_progress_aside", spying)
    job = ExportJob.objects.create(
        user=auditor, list_key="audit_events", title="t", params={}, file_format="csv", encoding="utf-8-sig"
    )
    outcome: dict[str, Any] = {}

    def run() -> None:
        from django.db import connection as thread_connection

        try:
            outcome["name"] = export_build(job.pk)
        finally:
            thread_connection.close()

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(60)
    if worker.is_alive():
        with connection.cursor() as cursor:  # free the table for the teardown's flush
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE query LIKE 'COPY (%%' AND pid <> pg_backend_pid()"
            )
        pytest.fail("the export hung writing its progress")
    job.refresh_from_db()
    assert outcome["name"] and job.status == ExportJob.Status.DONE and job.done >= 40
    assert reported and reported == sorted(reported) and max(reported) <= job.done


@pytest.mark.parametrize(
    ("template", "value", "expected"),
    [
        ("_SAFE_NUMBER", "(-5)::bigint", "'-5"),
        ("_SAFE_NUMBER", "(7)::bigint", "7"),
        ("_SAFE_NUMBER", "NULL::bigint", None),
        ("_SAFE_TEXT", "''", ""),
        ("_SAFE_TEXT", "'+81 3'", "'+81 3"),
        ("_SAFE_TEXT", "E'\\tx'", "'\tx"),
        ("_SAFE_TEXT", "'山田=太郎'", "山田=太郎"),
        ("_SAFE_JSON", "'-5'::jsonb", "'-5"),
        ("_SAFE_JSON", "'5'::jsonb", "5"),
        ("_SAFE_JSON", "'{}'::jsonb", None),
        ("_SAFE_JSON", "'0'::jsonb", None),
        ("_SAFE_JSON", "'\"=x\"'::jsonb", '"=x"'),
    ],
)
def test_each_kind_of_cell_is_made_safe_as_python_makes_it(template: str, value: str, expected: Any) -> None:
    from backoffice.workbench import export_plan as plan_module
    from backoffice.workbench.exports import spreadsheet_safe

    sql = getattr(plan_module, template) % {"expressions": f"({value})"}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql}")
        (cell,) = cursor.fetchone()
    assert cell == expected
    if expected is not None:
        plain = expected[1:] if expected.startswith("'") else expected
        assert spreadsheet_safe(plain) == expected, "the same as the Python path writes"


def test_a_number_column_is_written_bare_only_while_its_table_has_no_negative_number(
    cast: dict[str, Any],
) -> None:
    from backoffice.workbench.export_plan import never_negative

    auditor = cast["users"]["auditor"]
    institution = InstitutionFactory()
    audit_log(
        actor=auditor, action="test.positive", target=institution, institution_id=institution.pk, data={}
    )
    spec = LIST_SPECS["audit_events"]
    plan = export_plan(spec.export_resource(), spec.model)  # type: ignore[misc]
    assert plan is not None
    column = next(i for i, c in enumerate(plan.columns) if c.unsigned == "institution_id")
    assert column in never_negative(plan, AuditEvent.objects.all())
    audit_log(actor=auditor, action="test.negative", target=institution, institution_id=-7, data={})
    assert column not in never_negative(plan, AuditEvent.objects.all())
    rows, _data, _job = _export(auditor, "audit_events")
    negative = next(row for row in rows if "test.negative" in row)
    assert negative[column] == "'-7", "a negative number is quoted as Python quotes it"
    positive = next(row for row in rows if "test.positive" in row)
    assert positive[column] == str(institution.pk)


def _xlsx_cells(user: Any, list_key: str) -> list[list[Any]]:
    from openpyxl import load_workbook

    job = ExportJob.objects.create(
        user=user, list_key=list_key, title=list_key, params={}, file_format="xlsx", encoding="utf-8-sig"
    )
    book = load_workbook(export_dir() / export_build(job.pk), read_only=True)
    return [
        [cell if cell is not None else "" for cell in row]
        for row in book.worksheets[0].iter_rows(values_only=True)
    ]


def test_cells_postgresql_writes_are_the_cells_python_writes_in_every_list() -> None:
    """On PostgreSQL every export takes the cells SQL can write from SQL (ExportPlan.safe_rows):
    the same cells as Python renders, in XLSX, list by list."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    for command in ("seed_demo", "seed_usage_requests", "seed_applications"):
        call_command(command, verbosity=0)
    auditor = get_user_model().objects.filter(role="auditor").first()
    seen = {}
    for list_key, spec in LIST_SPECS.items():
        if spec.export_resource is None or export_plan(spec.export_resource(), spec.model) is None:
            continue
        plan = export_plan(spec.export_resource(), spec.model)
        assert plan is not None
        json_columns = {i for i, c in enumerate(plan.columns) if c.header.lower() == "data"}
        by_sql = _xlsx_cells(auditor, list_key)
        with override_settings(WORKBENCH_EXPORT_COPY=False):
            by_python = _xlsx_cells(auditor, list_key)
        if list_key == "audit_events":  # each export adds its own event to the log
            by_sql = [r for r in by_sql if "export.completed" not in r and "export.requested" not in r]
            by_python = [r for r in by_python if "export.completed" not in r and "export.requested" not in r]
        _same_cells(by_sql, by_python, json_columns)
        assert all(not str(cell).startswith("=") for row in by_sql for cell in row), list_key
        seen[list_key] = len(by_sql) - 1
    assert seen.get("applications", 0) > 0 and seen.get("usage_requests", 0) > 0, seen
