"""The bulk templates: one per principal procedure, CSV and XLSX, with help in both languages."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from applications.bulk.templates import (
    ACCOMPANYING_COLUMNS,
    COLUMNS,
    BulkApplicationResource,
    columns_for,
    template_csv,
)

BASE = [
    "employee_id", "residence_card_number", "subject_name", "nationality", "date_of_birth", "sex", "status", "notice",
    "current_status", "period_of_stay_until", "prefecture", "address", "notification_email",
]  # fmt: skip
PROCEDURES = ["coe", "change", "extension", "acquisition", "work_certificate"]


def expected(procedure: str) -> list[str]:
    extra = list(ACCOMPANYING_COLUMNS) if procedure in ("change", "extension", "acquisition") else []
    return [*BASE, *extra, "subject_unable", "family_in_japan"]


@pytest.mark.parametrize("procedure", PROCEDURES)
def test_the_resource_declares_the_columns(procedure: str) -> None:
    assert columns_for(procedure) == expected(procedure)
    assert BulkApplicationResource(procedure).get_export_headers() == expected(procedure)


def test_there_is_no_template_for_an_accompanying_procedure() -> None:
    with pytest.raises(ValueError, match="re-entry and extra activity are columns"):
        columns_for("reentry")


def test_every_column_has_help_in_both_languages() -> None:
    for column in COLUMNS:
        assert column.help_ja and column.help_en and column.format_ja and column.format_en, column.key
        assert column.required in ("yes", "no", "depends")


@pytest.mark.django_db
@pytest.mark.parametrize("procedure", PROCEDURES)
def test_csv_template_download(client_for: Any, procedure: str) -> None:
    response = client_for("hr").get(reverse("applications:bulk_template", args=[procedure, "csv"]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert f"zairyu-bulk-{procedure}.csv" in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM for Excel"
    header, help_row = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header == expected(procedure)
    assert help_row[0].startswith("#"), "the help row is a comment row the importer skips"
    by_key = dict(zip(header, help_row, strict=True))
    assert "必須" in by_key["sex"] and "Required" in by_key["sex"] and "M, F" in by_key["sex"]
    assert "engineer_humanities_international" in by_key["status"]
    assert "01–47" in by_key["prefecture"] and "YYYY-MM-DD" in by_key["date_of_birth"]


@pytest.mark.django_db
@pytest.mark.parametrize("procedure", PROCEDURES)
def test_xlsx_template_download(client_for: Any, procedure: str) -> None:
    response = client_for("hr").get(reverse("applications:bulk_template", args=[procedure, "xlsx"]))
    assert response.status_code == 200 and "spreadsheetml" in response["Content-Type"]
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["applications", "help", "codes"]
    [header] = list(book["applications"].iter_rows(values_only=True))
    assert list(header) == expected(procedure)
    help_rows = list(book["help"].iter_rows(values_only=True))
    described = {row[0]: row for row in help_rows[2:] if row and row[0] in expected(procedure)}
    assert set(described) == set(expected(procedure)), "every column is described"
    _key, _field, required, fmt, _codes, ja, en = described["period_of_stay_until"]
    assert "条件付き" in required and "Depends" in required and "YYYY-MM-DD" in fmt
    assert "在留期間" in ja and "period of stay" in en
    codes_sheet = [row[0] for row in book["codes"].iter_rows(values_only=True)]
    assert (
        "engineer_humanities_international" in codes_sheet and "33-2" in codes_sheet and "47" in codes_sheet
    )


@pytest.mark.django_db
def test_unknown_template_is_404(client_for: Any) -> None:
    client = client_for("hr")
    assert client.get(reverse("applications:bulk_template", args=["reentry", "csv"])).status_code == 404
    assert client.get(reverse("applications:bulk_template", args=["extension", "pdf"])).status_code == 404


@pytest.mark.django_db
def test_the_template_as_downloaded_has_no_rows(cast: dict[str, Any]) -> None:
    from applications.bulk.services import bulk_import_create, bulk_import_validate
    from tests.applications.bulk_support import issue_auth_id

    issue_auth_id(cast)
    bulk = bulk_import_create(
        actor=cast["users"]["hr"],
        procedure="change",
        file_name="t.csv",
        content=template_csv("change"),
        enqueue=False,
    )
    bulk = bulk_import_validate(import_id=bulk.pk)
    assert bulk.status == "invalid" and type(bulk).objects.get(pk=bulk.pk).errors[0]["code"] == "BULK-NO-ROWS"
