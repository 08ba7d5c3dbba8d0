"""CSV/XLSX import into the register: every row or none, row errors named, the export reads back."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from backoffice.accounts.models import RegionalBureau
from backoffice.audit.models import AuditEvent
from individuals import services
from individuals.models import AgentRegisterEntry, RegisterImport

HEADER = ["certificate_number", "kind", "name", "name_latin", "date_of_birth", "association", "bureau",
          "notified_on", "valid_from", "valid_until"]  # fmt: skip
ROWS = [
    ["132019800001", "gyoseishoshi", "佐藤 花子", "SATO HANAKO", "1980-02-29", "東京都行政書士会", "tokyo",
     "2019-04-01", "2025-04-01", "2028-03-31"],
    ["（東）弁 21 第 2 号", "弁護士", "鈴木 一郎", "", "1970-01-15", "東京弁護士会", "東京出入国在留管理局",
     "2021-06-01", "2024-06-01", ""],
]  # fmt: skip


def csv_bytes(rows: list[list[Any]], header: list[str] = HEADER, encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[Any]], header: list[str] = HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rejected(actor: Any, content: bytes, file_name: str = "register.csv") -> list[services.RowError]:
    with pytest.raises(services.RegisterImportRejected) as caught:
        services.register_import(actor=actor, file_name=file_name, content=content)
    assert not AgentRegisterEntry.objects.filter(pk__gt=0).exclude(certificate_number="132010700050").exists()
    assert not RegisterImport.objects.exists()
    return caught.value.errors


def test_a_good_csv_imports_every_row(cast: dict[str, Any], code_table: None) -> None:
    reviewer = cast["users"]["reviewer_tokyo"]
    result = services.register_import(actor=reviewer, file_name="register.csv", content=csv_bytes(ROWS))
    assert (result.created, result.updated) == (2, 0)
    sato = AgentRegisterEntry.objects.get(certificate_number="132019800001")
    assert sato.kind == "gyoseishoshi" and sato.bureau.code == "tokyo" and sato.status == "active"
    suzuki = AgentRegisterEntry.objects.get(certificate_number="132021700002")  # converted from the old style
    assert suzuki.kind == "lawyer" and suzuki.valid_until is None
    assert (
        AuditEvent.objects.filter(
            action="agent_register_entry.created", data__import=result.record.pk
        ).count()
        == 2
    )
    summary = AuditEvent.objects.get(action="register_import.created")
    assert summary.data["created"] == 2 and summary.data["file"] == "register.csv"


def test_a_good_xlsx_imports_every_row_with_date_cells_and_numeric_numbers(
    cast: dict[str, Any], code_table: None
) -> None:
    from datetime import date

    rows = [list(ROWS[0]), list(ROWS[1])]
    rows[0][0] = 132019800001  # a spreadsheet turned the number into a number
    rows[0][4] = date(1980, 2, 29)
    result = services.register_import(
        actor=cast["users"]["admin"], file_name="register.xlsx", content=xlsx_bytes(rows)
    )
    assert result.created == 2
    assert AgentRegisterEntry.objects.get(certificate_number="132019800001").date_of_birth == date(
        1980, 2, 29
    )


def test_shift_jis_csv_from_excel(cast: dict[str, Any], code_table: None) -> None:
    result = services.register_import(
        actor=cast["users"]["admin"], file_name="名簿.csv", content=csv_bytes(ROWS, encoding="cp932")
    )
    assert result.created == 2


@pytest.mark.usefixtures("english")
def test_one_bad_row_imports_nothing_and_every_problem_is_named(cast: dict[str, Any], entry: Any) -> None:
    bad = [
        ROWS[0],
        ["1234", "判事", "", "", "1970-13-01", "東京弁護士会", "tokyo", "2021-06-01", "2024-06-01", ""],
        ["（大）弁 21 第 2 号", "lawyer", "山本 三郎", "", "1970-01-01", "大阪弁護士会", "osaka", "2021-06-01",
         "2024-06-01", ""],
        ["132019800001", "gyoseishoshi", "佐藤 花子", "", "1980-02-29", "東京都行政書士会 123456789018", "tokyo",
         "2019-04-01", "2025-04-01", "2028-03-31"],
    ]  # fmt: skip
    errors = rejected(cast["users"]["reviewer_tokyo"], csv_bytes(bad))
    by_row: dict[int, list[str]] = {}
    for error in errors:
        by_row.setdefault(error.row, []).append(f"{error.column}|{error.message}")
    assert set(by_row) == {3, 4, 5}
    row3 = " ".join(by_row[3])
    assert "12" in row3  # the certificate number has 12 digits
    assert len(by_row[3]) >= 4  # number, profession, name, date of birth
    row4 = " ".join(by_row[4])
    assert "「大」" in row4 or "“大”" in row4  # unknown office symbol, pointing to the printed number
    assert "bureau" in row4 or "own bureau" in row4  # Tokyo's reviewer cannot add for Osaka
    row5 = " ".join(by_row[5])
    assert "row 2" in row5  # the same number as row 2
    assert any("個人番号" in m or "My Number" in m for m in by_row[5])
    assert all(str(e).startswith(("Row", "行")) for e in errors)


@pytest.mark.usefixtures("english")
def test_unknown_and_missing_columns(cast: dict[str, Any], code_table: None) -> None:
    errors = rejected(cast["users"]["admin"], csv_bytes([["x"]], header=["number", "birthday"]))
    messages = " ".join(str(e) for e in errors)
    assert "birthday" in messages and "number" in messages
    assert "Column missing" in messages
    new_row_without_columns = rejected(
        cast["users"]["admin"], csv_bytes([["132019800001", "lawyer"]], header=["certificate_number", "kind"])
    )
    assert {e.row for e in new_row_without_columns} == {2}
    assert len(new_row_without_columns) >= 5  # name, date of birth, association, bureau, dates: each named


@pytest.mark.parametrize(
    "file_name,content",
    [("register.txt", b"hello"), ("register.xlsx", b"not a zip"), ("register.csv", b"\xff\xfe\x00bad" * 3),
     ("register.csv", b"certificate_number\n")],
)  # fmt: skip
def test_unreadable_or_empty_files(
    cast: dict[str, Any], code_table: None, file_name: str, content: bytes
) -> None:
    errors = rejected(cast["users"]["admin"], content, file_name=file_name)
    assert len(errors) == 1 and errors[0].row == 0


def test_a_row_with_a_known_number_updates_the_entry_and_keeps_columns_not_in_the_file(
    cast: dict[str, Any], entry: Any
) -> None:
    header = ["certificate_number", "association"]
    result = services.register_import(
        actor=cast["users"]["reviewer_tokyo"], file_name="update.csv",
        content=csv_bytes([["132010700050", "第二東京弁護士会"]], header=header),
    )  # fmt: skip
    assert (result.created, result.updated) == (0, 1)
    entry.refresh_from_db()
    assert (
        entry.association == "第二東京弁護士会"
        and entry.name == "山田 太郎"
        and entry.office_name == "山田法律事務所"
    )
    changes = AuditEvent.objects.get(action="agent_register_entry.updated").data["changes"]
    assert set(changes) == {"association"}


@pytest.mark.usefixtures("english")
def test_another_bureaus_entry_cannot_be_changed_by_import(cast: dict[str, Any], entry: Any) -> None:
    header = ["certificate_number", "association"]
    errors = rejected(
        cast["users"]["reviewer_osaka"], csv_bytes([["132010700050", "大阪弁護士会"]], header=header)
    )
    assert [e.row for e in errors] == [2]
    assert "only its reviewers may change it" in errors[0].message
    assert AgentRegisterEntry.objects.get().association == "東京弁護士会"


def test_the_export_file_imports_back(cast: dict[str, Any], entry: Any, settings: Any) -> None:
    """Headers in the reader's language and choice labels, as the workbench export writes them."""
    from django.utils import translation

    from backoffice.workbench.exports import export_columns, write_rows
    from individuals.resources import AgentRegisterResource

    target = Path(settings.MEDIA_ROOT) / "register-export.xlsx"
    target.parent.mkdir(parents=True, exist_ok=True)
    for language in ("ja", "en"):
        with translation.override(language):
            headers, getters = export_columns(AgentRegisterResource(), AgentRegisterEntry)
            write_rows(path=target, file_format="xlsx", headers=headers, rows=[[g(entry) for g in getters]],
                       progress=lambda n: None)  # fmt: skip
        result = services.register_import(
            actor=cast["users"]["admin"], file_name="register-export.xlsx", content=target.read_bytes()
        )
        assert (result.created, result.updated) == (0, 1)
    changed = AuditEvent.objects.filter(action="agent_register_entry.updated")
    assert not changed.exists(), [e.data for e in changed]  # nothing changed


def test_the_import_page(cast: dict[str, Any], client_for: Any, code_table: None) -> None:
    client = client_for("reviewer_tokyo")
    page = client.get(reverse("individuals:register_import"))
    assert page.status_code == 200 and "certificate_number" in page.content.decode()
    bad = client.post(
        reverse("individuals:register_import"),
        {"file": SimpleUploadedFile("bad.csv", csv_bytes([["1", "lawyer"]]), content_type="text/csv")},
    )
    assert bad.status_code == 400
    assert bad.context["errors"] and not AgentRegisterEntry.objects.exists()
    good = client.post(
        reverse("individuals:register_import"),
        {"file": SimpleUploadedFile("good.csv", csv_bytes(ROWS), content_type="text/csv")},
    )
    assert good.status_code == 302
    assert AgentRegisterEntry.objects.count() == 2
    assert RegionalBureau.objects.get(code="tokyo").agent_register_entries.count() == 2
