"""`manage.py import_applications FILE --filer USERNAME --procedure extension [--commit]`."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from applications.models import Application, Filing
from tests.applications.bulk_support import csv_bytes, make_bulk_cast, row_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def bulk_cast(cast: dict[str, Any]) -> dict[str, Any]:
    return make_bulk_cast(cast)


def run(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("import_applications", *args, stdout=out)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_check_then_commit(bulk_cast: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "staff.csv"
    path.write_bytes(csv_bytes([row_for(e) for e in bulk_cast["employees"][:3]]))
    code, out = run(str(path), "--filer", "hr", "--procedure", "extension")
    assert code == 0 and "rows 3, errors 0, status valid" in out and "--commit" in out
    assert not Filing.objects.exists()
    code, out = run(str(path), "--filer", "hr", "--procedure", "extension", "--commit")
    assert code == 0 and "committed: filing F-" in out and "3 draft applications" in out
    assert Application.objects.filter(state="draft").count() == 3


def test_an_invalid_file_prints_every_error_and_exits_1(bulk_cast: dict[str, Any], tmp_path: Path) -> None:
    staff = bulk_cast["employees"]
    path = tmp_path / "staff.csv"
    path.write_bytes(
        csv_bytes([row_for(staff[0], date_of_birth="1990/02/31"), row_for(staff[1], prefecture="99")])
    )
    code, out = run(str(path), "--filer", "hr", "--procedure", "extension", "--commit")
    assert code == 1 and "errors 2, status invalid" in out
    assert "row 2, date_of_birth [BULK-DATE]" in out and "row 3, prefecture [BULK-PREFECTURE]" in out
    assert "生年月日" in out, "each error is printed in Japanese too"
    assert not Filing.objects.exists()


def test_a_refused_header_exits_1(bulk_cast: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "staff.csv"
    path.write_bytes(b"name,birthday\r\nA,2000-01-01\r\n")
    code, out = run(str(path), "--filer", "hr", "--procedure", "extension")
    assert (
        code == 1 and "row 1, name [BULK-HEADER-UNKNOWN]" in out and "row 1, sex [BULK-HEADER-MISSING]" in out
    )
