"""The bulk importer (一括): reading, every row checked, the matrix applied, all-or-nothing commit."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from applications.bulk.errors import ImportRefused
from applications.bulk.importer import read_and_check
from applications.bulk.reading import is_formula
from applications.bulk.services import (
    BulkCommitRefused,
    bulk_import_commit,
    bulk_import_create,
    bulk_import_validate,
)
from applications.bulk_models import BulkImport
from applications.models import Application, ApplicationState, Filing
from backoffice.audit.models import AuditEvent
from institutions.models import ForeignEmployee
from tests.applications.bulk_support import (
    csv_bytes,
    employees,
    make_bulk_cast,
    row_for,
    xlsx_bytes,
    xlsx_row,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def bulk_cast(cast: dict[str, Any]) -> dict[str, Any]:
    return make_bulk_cast(cast)


def upload(user: Any, content: bytes, name: str = "staff.csv", procedure: str = "extension") -> BulkImport:
    bulk = bulk_import_create(actor=user, procedure=procedure, file_name=name, content=content, enqueue=False)
    return bulk_import_validate(import_id=bulk.pk)


def errors_of(bulk: BulkImport) -> list[dict[str, Any]]:
    return list(BulkImport.objects.get(pk=bulk.pk).errors)


def test_a_valid_file_is_committed_as_one_filing_of_drafts(bulk_cast: dict[str, Any]) -> None:
    hr = bulk_cast["users"]["hr"]
    staff = bulk_cast["employees"]
    rows = [row_for(e) for e in staff[:3]]
    rows[1].update(with_reentry="1", reentry_multiple="1", with_extra_activity="1")
    rows[2].update(employee_id="", residence_card_number=staff[2].residence_card_number.lower())  # by card
    bulk = upload(hr, csv_bytes(rows))
    assert bulk.status == "valid", errors_of(bulk)
    assert bulk.total_rows == 3 and bulk.processed_rows == 3 and bulk.encoding == "utf-8-sig"
    events_before = AuditEvent.objects.count()

    filing = bulk_import_commit(actor=hr, import_id=bulk.pk)

    assert (
        Filing.objects.count() == 1 and filing.mode == "bulk" and filing.institution == bulk_cast["company"]
    )
    apps = list(Application.objects.filter(filing=filing).order_by("pk"))
    assert len(apps) == 5, "three principals, then a re-entry and an extra activity linked to the second"
    assert all(a.state == ApplicationState.DRAFT for a in apps)
    principals = [a for a in apps if a.principal_id is None]
    assert [a.employee_id for a in principals] == [e.pk for e in staff[:3]]
    assert principals[0].subject_name == staff[0].name, "the registry fills what the row leaves empty"
    assert principals[2].residence_card_number == staff[2].residence_card_number
    linked = [a for a in apps if a.principal_id is not None]
    assert {a.procedure for a in linked} == {"reentry", "extra_activity"}
    assert {a.principal_id for a in linked} == {principals[1].pk}
    assert linked[0].details == {"reentry_multiple": True}
    assert principals[0].permission["decision"] == "allowed" and principals[0].permission["version"]
    assert principals[0].prefecture_id == "13" and principals[0].institution == bulk_cast["company"]

    new_events = list(AuditEvent.objects.order_by("pk")[events_before:])
    assert len(new_events) == 1, "one audit event for the import, not one per row"
    event = new_events[0]
    assert event.action == "application.bulk_imported" and event.target_id == str(filing.pk)
    assert event.data["import"] == bulk.pk and event.data["rows"] == 3 and event.data["applications"] == 5
    assert event.data["sha256"] == bulk.sha256 and event.data["filing"] == filing.pk
    bulk = BulkImport.objects.get(pk=bulk.pk)
    assert bulk.status == "committed" and bulk.filing == filing and bulk.finished_at is not None
    assert bulk_import_commit(actor=hr, import_id=bulk.pk) == filing, "committing again changes nothing"
    assert Application.objects.count() == 5


def test_ids_are_read_back_where_bulk_create_returns_none(bulk_cast: dict[str, Any]) -> None:
    hr = bulk_cast["users"]["hr"]
    rows = [row_for(e, with_reentry="1") for e in bulk_cast["employees"][:2]]
    bulk = upload(hr, csv_bytes(rows))
    with mock.patch.object(type(connection.features), "can_return_rows_from_bulk_insert", False):
        filing = bulk_import_commit(actor=hr, import_id=bulk.pk)
    principals = list(Application.objects.filter(filing=filing, principal__isnull=True).order_by("pk"))
    reentries = list(Application.objects.filter(filing=filing, procedure="reentry").order_by("pk"))
    assert [r.principal_id for r in reentries] == [p.pk for p in principals]
    assert [r.employee_id for r in reentries] == [p.employee_id for p in principals]


def test_the_check_is_queued_after_commit(
    bulk_cast: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    with (
        mock.patch("applications.bulk.tasks.bulk_validate.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        bulk = bulk_import_create(
            actor=bulk_cast["users"]["hr"], procedure="extension", file_name="a.csv",
            content=csv_bytes([row_for(bulk_cast["employees"][0])]),
        )  # fmt: skip
    delay.assert_called_once_with(bulk.pk)
    assert BulkImport.objects.get(pk=bulk.pk).status == "queued"


def test_the_task_is_idempotent(bulk_cast: dict[str, Any]) -> None:
    from applications.bulk.tasks import bulk_validate

    hr = bulk_cast["users"]["hr"]
    bulk = bulk_import_create(
        actor=hr, procedure="extension", file_name="a.csv", content=csv_bytes([row_for(bulk_cast["employees"][0])]),
        enqueue=False,
    )  # fmt: skip
    assert bulk_validate(bulk.pk)["status"] == "valid"
    BulkImport.objects.filter(pk=bulk.pk).update(errors=[{"marker": True}])
    assert bulk_validate(bulk.pk)["status"] == "valid"
    assert BulkImport.objects.get(pk=bulk.pk).errors == [{"marker": True}], "a checked import is left alone"
    BulkImport.objects.filter(pk=bulk.pk).update(status="validating", processed_rows=0)
    assert bulk_validate(bulk.pk)["status"] == "valid", "a half-checked import is checked again"


def test_wrong_headers_are_refused_before_any_row(bulk_cast: dict[str, Any]) -> None:
    from applications.bulk.templates import columns_for

    header = [k for k in columns_for("extension") if k != "sex"] + ["gender"]
    bulk = upload(bulk_cast["users"]["hr"], csv_bytes([{"gender": "x"}], header=header))
    errors = errors_of(bulk)
    assert bulk.status == "invalid" and bulk.total_rows == 0
    assert {(e["row"], e["column"], e["code"]) for e in errors} == {
        (1, "gender", "BULK-HEADER-UNKNOWN"),
        (1, "sex", "BULK-HEADER-MISSING"),
    }
    missing = next(e for e in errors if e["code"] == "BULK-HEADER-MISSING")
    assert "employee_id, residence_card_number, subject_name" in missing["en"], "the expected list is given"
    assert "在留期間更新許可申請" in missing["ja"]


def test_the_coe_template_has_no_accompanying_columns(bulk_cast: dict[str, Any]) -> None:
    bulk = upload(
        bulk_cast["users"]["hr"],
        csv_bytes([row_for(bulk_cast["employees"][0])], procedure="coe"),
        procedure="coe",
    )
    assert errors_of(bulk) == [] and bulk.status == "valid"
    bulk = upload(
        bulk_cast["users"]["hr"],
        csv_bytes([row_for(bulk_cast["employees"][0])], procedure="extension"),
        procedure="coe",
    )
    assert {e["code"] for e in errors_of(bulk)} == {"BULK-HEADER-UNKNOWN"}
    assert {e["column"] for e in errors_of(bulk)} == {
        "with_reentry",
        "reentry_multiple",
        "with_extra_activity",
    }


def test_shift_jis_is_read_and_said(bulk_cast: dict[str, Any]) -> None:
    hr = bulk_cast["users"]["hr"]
    row = row_for(
        bulk_cast["employees"][0], subject_name="グエン・ヴァン・アン", address="東京都新宿区西新宿２－８－１"
    )
    bulk = upload(hr, csv_bytes([row], encoding="cp932"))
    assert bulk.status == "valid" and bulk.encoding == "cp932", errors_of(bulk)
    filing = bulk_import_commit(actor=hr, import_id=bulk.pk)
    application = Application.objects.get(filing=filing)
    assert application.subject_name == "グエン・ヴァン・アン"
    assert application.address == "東京都新宿区西新宿2-8-1", "full-width digits are normalised (NFKC)"
    plain = upload(hr, csv_bytes([row_for(bulk_cast["employees"][1])], encoding="utf-8"))
    assert plain.encoding == "utf-8"


def test_a_file_neither_utf8_nor_shift_jis_is_refused(bulk_cast: dict[str, Any]) -> None:
    content = csv_bytes([row_for(bulk_cast["employees"][0])], encoding="utf-8") + b"\xfd\xfe\xff\r\n"
    bulk = upload(bulk_cast["users"]["hr"], content)
    [error] = errors_of(bulk)
    assert bulk.status == "invalid" and error["code"] == "BULK-ENCODING" and error["row"] == 0
    assert "UTF-8" in error["en"] and "Shift_JIS" in error["en"] and "Shift_JIS" in error["ja"]
    utf16 = upload(bulk_cast["users"]["hr"], "employee_id\r\n".encode("utf-16"))
    assert errors_of(utf16)[0]["code"] == "BULK-ENCODING-UTF16"


@pytest.mark.parametrize(
    "value,formula",
    [("=1+1", True), ("+81 3 1234", True), ("@SUM(A1)", True), ("-cmd", True), ("-1", False), ("-", False),
     ("東京", False), ("", False), ("a=b", False)],
)  # fmt: skip
def test_what_counts_as_a_formula(value: str, formula: bool) -> None:
    assert is_formula(value) is formula


def test_formulas_in_csv_cells_are_refused_naming_row_and_column(bulk_cast: dict[str, Any]) -> None:
    staff = bulk_cast["employees"]
    rows = [
        row_for(staff[0]),
        row_for(staff[1], address='=HYPERLINK("http://x","y")'),
        row_for(staff[2], nationality="-2+3"),
    ]
    rows[2]["nationality"] = "@cmd"
    bulk = upload(bulk_cast["users"]["hr"], csv_bytes(rows, help_row=True))
    found = {(e["row"], e["column"], e["code"]) for e in errors_of(bulk)}
    # Row 1 is the header, row 2 the help row (skipped), so the rows are 3, 4 and 5.
    assert found == {(4, "address", "BULK-FORMULA"), (5, "nationality", "BULK-FORMULA")}
    assert Application.objects.count() == 0


def test_formulas_in_xlsx_cells_are_refused_naming_row_and_column(bulk_cast: dict[str, Any]) -> None:
    staff = bulk_cast["employees"]
    good = xlsx_row(row_for(staff[0]))
    bad = xlsx_row(row_for(staff[1], address="=CONCAT(A1,B1)"))
    bulk = upload(bulk_cast["users"]["hr"], xlsx_bytes([good, bad]), name="staff.xlsx")
    assert [(e["row"], e["column"], e["code"]) for e in errors_of(bulk)] == [(3, "address", "BULK-FORMULA")]
    assert bulk.file_format == "xlsx" and bulk.encoding == ""


def test_xlsx_numbers_and_dates_are_read(bulk_cast: dict[str, Any]) -> None:
    from datetime import date

    staff = bulk_cast["employees"]
    row = xlsx_row(row_for(staff[0], prefecture=1, date_of_birth=date(1991, 5, 6), with_reentry=True))
    row[0] = float(staff[0].pk)  # Excel stores numbers as floats
    bulk = upload(bulk_cast["users"]["hr"], xlsx_bytes([row]), name="staff.xlsx")
    assert bulk.status == "valid", errors_of(bulk)
    filing = bulk_import_commit(actor=bulk_cast["users"]["hr"], import_id=bulk.pk)
    principal = Application.objects.get(filing=filing, principal__isnull=True)
    assert principal.prefecture_id == "01" and principal.date_of_birth == date(1991, 5, 6)
    assert Application.objects.filter(filing=filing, procedure="reentry").count() == 1


def test_every_row_error_names_row_and_column_and_says_what_is_expected(bulk_cast: dict[str, Any]) -> None:
    staff = bulk_cast["employees"]
    rows = [
        row_for(staff[0], date_of_birth="1990-02-30"),
        row_for(staff[1], sex="X", prefecture="48"),
        row_for(staff[2], status="engineer", notice="7"),
        row_for(staff[3], notification_email="not-an-address", reentry_multiple="1"),
        row_for(staff[4], with_reentry="maybe", residence_card_number="12345"),
        row_for(staff[0]),
    ]
    bulk = upload(bulk_cast["users"]["hr"], csv_bytes(rows))
    found = {(e["row"], e["column"], e["code"]) for e in errors_of(bulk)}
    assert found == {
        (2, "date_of_birth", "BULK-DATE"),
        (3, "sex", "BULK-SEX"),
        (3, "prefecture", "BULK-PREFECTURE"),
        (4, "status", "BULK-STATUS"),
        (5, "notification_email", "BULK-EMAIL"),
        (5, "reentry_multiple", "BULK-REENTRY-MULTIPLE"),
        (6, "with_reentry", "BULK-BOOLEAN"),
        (6, "residence_card_number", "BULK-CARD"),
        (7, "employee_id", "BULK-DUPLICATE"),
    }
    by_code = {e["code"]: e for e in errors_of(bulk)}
    assert "YYYY-MM-DD" in by_code["BULK-DATE"]["en"] and "1990-02-30" in by_code["BULK-DATE"]["ja"]
    assert "01–47" in by_code["BULK-PREFECTURE"]["en"] and "01〜47" in by_code["BULK-PREFECTURE"]["ja"]
    assert "engineer_humanities_international" in by_code["BULK-STATUS"]["en"]
    assert "row 2" in by_code["BULK-DUPLICATE"]["en"]
    assert bulk.status == "invalid" and bulk.error_count == 9


def test_required_values_and_my_number(bulk_cast: dict[str, Any]) -> None:
    rows = [
        {"sex": "F", "status": "student", "prefecture": "13", "address": ""},
        row_for(bulk_cast["employees"][0], address="東京都 1234 5678 9018"),
    ]
    bulk = upload(bulk_cast["users"]["hr"], csv_bytes(rows))
    found = {(e["row"], e["column"], e["code"]) for e in errors_of(bulk)}
    assert (2, "employee_id", "BULK-EMPLOYEE-REQUIRED") in found
    assert {
        (2, k, "BULK-REQUIRED") for k in ("subject_name", "nationality", "date_of_birth", "address")
    } <= found
    assert (3, "address", "BULK-MY-NUMBER") in found


def test_denied_rows_carry_the_matrix_reasons(bulk_cast: dict[str, Any]) -> None:
    today = timezone.localdate()
    staff = bulk_cast["employees"]
    rows = [
        row_for(bulk_cast["stranger"]),  # an employee of another institution
        row_for(bulk_cast["former"]),  # left the company
        row_for(staff[0], status="permanent_resident"),
        row_for(staff[1], period_of_stay_until=today.isoformat()),
        row_for(staff[2]),
    ]
    bulk = upload(bulk_cast["users"]["hr"], csv_bytes(rows))
    errors = errors_of(bulk)
    found = {(e["row"], e["column"], e["code"]) for e in errors}
    assert found == {
        (2, "employee_id", "PERM-NOT-AFFILIATED"),
        (3, "employee_id", "PERM-NOT-AFFILIATED"),
        (4, "status", "PERM-STATUS-NO-PROCEDURE"),
        (5, "period_of_stay_until", "PERM-LAST-DAY-OF-STAY"),
    }
    stranger = next(e for e in errors if e["row"] == 2)
    assert "affiliated with the institution" in stranger["en"] and "所属する外国人" in stranger["ja"]
    assert "not in the registry" in stranger["en"], "the other company's employee is not named as such"
    staged = BulkImport.objects.get(pk=bulk.pk).staged
    assert [r[-1] for r in staged] == ["denied", "denied", "denied", "denied", "allowed"]


def test_a_lawyer_files_for_clients_without_a_registry(bulk_cast: dict[str, Any]) -> None:
    from individuals.models import AgentRegistration
    from tests.individuals.factories import register_entry, seed_code_table

    seed_code_table()
    lawyer = bulk_cast["users"]["lawyer"]
    AgentRegistration.objects.create(user=lawyer, entry=register_entry(), auth_code="L00000000001")
    row = row_for(
        None, subject_name="TRAN THI B", nationality="ベトナム", date_of_birth="1995-03-04",
        residence_card_number="CD87654321EF", period_of_stay_until=(timezone.localdate() + timedelta(days=30)).isoformat(),
    )  # fmt: skip
    bulk = upload(lawyer, csv_bytes([row, {**row, "employee_id": "12"}]))
    found = {(e["row"], e["column"], e["code"]) for e in errors_of(bulk)}
    assert found == {
        (3, "employee_id", "BULK-EMPLOYEE-NOT-FILER"),
        (3, "residence_card_number", "BULK-DUPLICATE"),
    }
    bulk = upload(lawyer, csv_bytes([row]))
    filing = bulk_import_commit(actor=lawyer, import_id=bulk.pk)
    application = Application.objects.get(filing=filing)
    assert filing.filer_kind == "lawyer" and filing.institution is None
    assert application.employee is None and application.residence_card_number == "CD87654321EF"


def test_an_individual_without_an_active_registration_is_refused(bulk_cast: dict[str, Any]) -> None:
    bulk = upload(bulk_cast["users"]["lawyer"], csv_bytes([row_for(None)]))
    [error] = errors_of(bulk)
    assert error["code"] == "BULK-PROFILE" and "filing agent" in error["en"] and "申請等取次者" in error["ja"]


def test_ten_thousand_rows_with_a_bad_row_9999_save_nothing(bulk_cast: dict[str, Any]) -> None:
    hr = bulk_cast["users"]["hr"]
    staff = employees(bulk_cast["company"], 10_000, start=10_000)
    rows = [row_for(e) for e in staff]
    rows[9_997]["date_of_birth"] = "1990-13-01"  # data rows start at row 2: this is row 9,999
    bulk = upload(hr, csv_bytes(rows))
    assert bulk.total_rows == 10_000 and bulk.processed_rows == 10_000
    [error] = errors_of(bulk)
    assert (error["row"], error["column"], error["code"]) == (9_999, "date_of_birth", "BULK-DATE")
    assert bulk.status == "invalid"
    with translation.override("en"), pytest.raises(ValidationError, match="checked file without errors"):
        bulk_import_commit(actor=hr, import_id=bulk.pk)
    assert Application.objects.count() == 0 and Filing.objects.count() == 0


def _validation_queries(user: Any, content: bytes) -> int:
    with CaptureQueriesContext(connection) as queries:
        result = read_and_check(
            binary=io.BytesIO(content), file_format="csv", procedure="extension", user=user,
            today=timezone.localdate(),
        )  # fmt: skip
    assert result.valid, result.errors[:3]
    return len(queries)


def test_validation_queries_do_not_grow_with_the_rows(bulk_cast: dict[str, Any]) -> None:
    hr = bulk_cast["users"]["hr"]
    staff = employees(bulk_cast["company"], 1_000, start=20_000)
    few = _validation_queries(hr, csv_bytes([row_for(e) for e in staff[:10]]))
    many = _validation_queries(hr, csv_bytes([row_for(e) for e in staff]))
    assert few == many <= 4


def test_progress_is_written_every_500_rows(bulk_cast: dict[str, Any]) -> None:
    hr = bulk_cast["users"]["hr"]
    staff = employees(bulk_cast["company"], 1_200, start=30_000)
    bulk = bulk_import_create(
        actor=hr, procedure="extension", file_name="a.csv", content=csv_bytes([row_for(e) for e in staff]),
        enqueue=False,
    )  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        bulk = bulk_import_validate(import_id=bulk.pk)
    progress = [q["sql"] for q in queries if "processed_rows" in q["sql"] and q["sql"].startswith("UPDATE")]
    assert len(progress) == 4, "claim, after 500, after 1,000, and the end"
    assert bulk.status == "valid" and bulk.total_rows == bulk.processed_rows == 1_200


def test_the_commit_checks_again_and_saves_nothing_if_something_changed(bulk_cast: dict[str, Any]) -> None:
    hr = bulk_cast["users"]["hr"]
    staff = bulk_cast["employees"]
    bulk = upload(hr, csv_bytes([row_for(e) for e in staff[:3]]))
    assert bulk.status == "valid"
    ForeignEmployee.objects.filter(pk=staff[1].pk).update(
        employed_until=timezone.localdate() - timedelta(days=1)
    )
    with pytest.raises(BulkCommitRefused) as refused:
        bulk_import_commit(actor=hr, import_id=bulk.pk)
    assert [(e.row, e.column, e.code) for e in refused.value.errors] == [
        (3, "employee_id", "PERM-NOT-AFFILIATED")
    ]
    assert Application.objects.count() == 0 and Filing.objects.count() == 0
    bulk = BulkImport.objects.get(pk=bulk.pk)
    assert bulk.status == "invalid" and bulk.errors[0]["row"] == 3


def test_only_the_filer_commits(bulk_cast: dict[str, Any]) -> None:
    from django.core.exceptions import PermissionDenied

    bulk = upload(bulk_cast["users"]["hr"], csv_bytes([row_for(bulk_cast["employees"][0])]))
    with pytest.raises(PermissionDenied):
        bulk_import_commit(actor=bulk_cast["users"]["hr_other"], import_id=bulk.pk)
    with pytest.raises(PermissionDenied):
        bulk_import_commit(actor=bulk_cast["users"]["reviewer_tokyo"], import_id=bulk.pk)


def test_what_is_not_a_bulk_file_is_refused_at_upload(bulk_cast: dict[str, Any]) -> None:
    with pytest.raises(ImportRefused) as refused:
        bulk_import_create(
            actor=bulk_cast["users"]["hr"], procedure="extension", file_name="a.pdf", content=b"%PDF"
        )
    assert refused.value.errors[0].code == "BULK-FILE-TYPE"
    bulk = upload(bulk_cast["users"]["hr"], b"PK\x03\x04 not a workbook", name="broken.xlsx")
    assert errors_of(bulk)[0]["code"] == "BULK-XLSX-UNREADABLE"
    empty = upload(bulk_cast["users"]["hr"], b"")
    assert errors_of(empty)[0]["code"] == "BULK-EMPTY"
