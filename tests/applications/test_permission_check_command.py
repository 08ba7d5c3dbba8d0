"""`python manage.py permission_check CASE.json`: JSON in, the matrix's decision as JSON out; exit 2
with a JSON error naming the field for anything invalid.

A few cases run the real command in a subprocess (each costs seconds); the rest go through
call_command in-process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

PROJECT_ROOT = Path(__file__).resolve().parents[2]
assert (PROJECT_ROOT / "manage.py").is_file()

# The example from the issue.
ISSUE_CASE = {
    "on": "2024-05-01",
    "filer": "relative",
    "procedure": "change",
    "with": ["reentry"],
    "status": "student",
    "subject_age": 12,
}
ADVISORY_CASE = {"on": "2024-05-01", "filer": "foreign_national", "procedure": "coe", "status": "professor",
                 "filer_age": 34}  # fmt: skip
DENIED_CASE = {"on": "2024-05-01", "filer": "relative", "procedure": "coe", "status": "professor",
               "family_in_japan": False, "last_day_of_stay": True}  # fmt: skip


def assert_decision_shape(payload: Any) -> None:
    assert isinstance(payload, dict)
    assert set(payload) == {"decision", "reasons"}
    assert payload["decision"] in ("allowed", "advisory", "denied")
    assert isinstance(payload["reasons"], list) and payload["reasons"]
    for reason in payload["reasons"]:
        assert set(reason) == {"code", "ja", "en"}
        assert all(isinstance(reason[k], str) and reason[k].strip() for k in ("code", "ja", "en"))
        assert reason["code"].startswith("PERM-")


def assert_error_names(stderr: str, field: str) -> dict[str, Any]:
    error = json.loads(stderr.strip().splitlines()[-1])
    assert error["field"] == field, error
    assert error["ja"] and error["en"]
    return error


# --- Subprocess: the real command line (8 invocations) --------------------------------------------------


@pytest.fixture
def run(tmp_path: Path) -> Any:
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    env = {**os.environ, "ZAIRYU_VAR_DIR": str(var_dir)}

    def invoke(arg: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "manage.py", "permission_check", arg],
            cwd=PROJECT_ROOT,
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    return invoke


def write_case(tmp_path: Path, data: Any, name: str = "case.json") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("case", "decision", "codes"),
    [
        (ISSUE_CASE, "allowed", ["PERM-NOTE3-MET"]),
        (ADVISORY_CASE, "advisory", ["PERM-NOTE1-ASK-BUREAU"]),
        (
            DENIED_CASE,
            "denied",
            ["PERM-NOTE2-STATUS-NOT-LISTED", "PERM-NOTE2-FAMILY-ABROAD", "PERM-LAST-DAY-OF-STAY"],
        ),
    ],
    ids=["issue-example", "advisory", "denied"],
)
def test_subprocess_decisions(
    run: Any, tmp_path: Path, case: dict[str, Any], decision: str, codes: list[str]
) -> None:
    result = run(write_case(tmp_path, case))
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert_decision_shape(payload)
    assert payload["decision"] == decision
    assert sorted(r["code"] for r in payload["reasons"]) == sorted(codes)


def test_subprocess_issue_example_exact_output(run: Any, tmp_path: Path) -> None:
    result = run("-", stdin=json.dumps(ISSUE_CASE))
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert_decision_shape(payload)
    assert payload["decision"] == "allowed"
    assert [r["code"] for r in payload["reasons"]] == ["PERM-NOTE3-MET"]
    assert "16" in payload["reasons"][0]["ja"] and "16" in payload["reasons"][0]["en"]


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ({**ISSUE_CASE, "filer": "uncle"}, "filer"),
        ({**ISSUE_CASE, "on": "2024-13-01"}, "on"),
        ("this is not json {", "case"),
    ],
    ids=["unknown-filer", "bad-date", "not-json"],
)
def test_subprocess_invalid(run: Any, tmp_path: Path, content: Any, field: str) -> None:
    result = run(write_case(tmp_path, content))
    assert result.returncode == 2
    assert result.stdout.strip() == ""
    assert_error_names(result.stderr, field)


def test_subprocess_missing_file(run: Any, tmp_path: Path) -> None:
    result = run(str(tmp_path / "nowhere.json"))
    assert result.returncode == 2
    assert_error_names(result.stderr, "case")


# --- In-process ------------------------------------------------------------------------------------------


def call(arg: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    out = StringIO()
    try:
        call_command("permission_check", arg, stdout=out)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, out.getvalue() + captured.out, captured.err


@pytest.mark.parametrize(
    ("case", "decision", "codes"),
    [
        (ISSUE_CASE, "allowed", {"PERM-NOTE3-MET"}),
        ({**ISSUE_CASE, "subject_age": 16}, "denied", {"PERM-NOTE3-NOT-MET"}),
        ({**ISSUE_CASE, "subject_age": 16, "subject_unable": True}, "allowed", {"PERM-NOTE3-MET"}),
        ({**ISSUE_CASE, "with": ["extra_activity"]}, "denied", {"PERM-CELL-CLOSED", "PERM-NOTE3-MET"}),
        ({**ISSUE_CASE, "procedure": "reentry", "with": []}, "denied", {"PERM-ACCOMPANYING-ALONE", "PERM-NOTE3-MET"}),
        ({**ISSUE_CASE, "filer": "lawyer", "procedure": "coe"}, "denied", {"PERM-ACCOMPANYING-PRINCIPAL", "PERM-OPEN"}),
        ({**ISSUE_CASE, "with": None}, "allowed", {"PERM-NOTE3-MET"}),
        (ADVISORY_CASE, "advisory", {"PERM-NOTE1-ASK-BUREAU"}),
        ({**ADVISORY_CASE, "filer_age": 14}, "denied", {"PERM-FILER-UNDER-15"}),
        ({"on": "2023-03-31", "filer": "relative", "procedure": "coe", "status": "cultural_activities",
          "family_in_japan": True}, "denied", {"PERM-NOTE2-STATUS-NOT-LISTED"}),
        ({"on": "2023-04-01", "filer": "relative", "procedure": "coe", "status": "cultural_activities",
          "family_in_japan": True}, "allowed", {"PERM-NOTE2-MET"}),
        ({"on": "2023-04-01", "filer": "relative", "procedure": "coe", "status": "designated_activities",
          "notice": "52", "family_in_japan": True}, "allowed", {"PERM-NOTE2-MET"}),
        ({"on": "2024-05-01", "filer": "gyoseishoshi", "procedure": "change", "status": "designated_activities",
          "notice": "departure_preparation"}, "denied", {"PERM-STATUS-EXCLUDED", "PERM-OPEN"}),
        ({"on": "2024-05-01", "filer": "support_org_staff", "procedure": "extension",
          "status": "specified_skilled_worker", "affiliated": True, "delegation_active": False},
         "denied", {"PERM-NO-DELEGATION", "PERM-OPEN"}),
    ],
)  # fmt: skip
def test_call_command_decisions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: dict[str, Any], decision: str, codes: set[str]
) -> None:
    code, out, err = call(write_case(tmp_path, case), capsys)
    assert code == 0, err
    payload = json.loads(out)
    assert_decision_shape(payload)
    assert payload["decision"] == decision
    # Denied decisions must carry every denial; passing notes (PERM-OPEN, ...-MET) may or may not be listed.
    got = {r["code"] for r in payload["reasons"]}
    passing = {"PERM-OPEN", "PERM-NOTE2-MET", "PERM-NOTE3-MET"}
    assert got - passing == codes - passing
    if decision != "denied":
        assert got == codes


def test_call_command_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", StringIO(json.dumps(ADVISORY_CASE)))
    code, out, err = call("-", capsys)
    assert code == 0, err
    assert json.loads(out)["decision"] == "advisory"


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ({**ISSUE_CASE, "filer": "uncle"}, "filer"),
        ({**ISSUE_CASE, "on": "01/05/2024"}, "on"),
        ({**ISSUE_CASE, "on": "2024-02-30"}, "on"),
        ({**ISSUE_CASE, "on": "2022-02-28"}, "on"),
        ({k: v for k, v in ISSUE_CASE.items() if k != "on"}, "on"),
        ({**ISSUE_CASE, "with": ["change"]}, "with"),
        ({**ISSUE_CASE, "with": ["reentry", "reentry"]}, "with"),
        ({**ISSUE_CASE, "notice": "7"}, "notice"),
        ({**ISSUE_CASE, "status": "designated_activities", "notice": "not a notice"}, "notice"),
        ({**ISSUE_CASE, "status": "designated_activities", "notice": 7}, "notice"),
        ({**ISSUE_CASE, "subject_age": "12"}, "subject_age"),
        ({**ISSUE_CASE, "subject_age": None}, "subject_age"),
        ({**ISSUE_CASE, "subject_unable": "no"}, "subject_unable"),
        ({"on": "2024-05-01", "filer": "relative", "procedure": "coe", "status": "student"}, "family_in_japan"),
        ({**ADVISORY_CASE, "filer_age": None}, "filer_age"),
        ({"on": "2024-05-01", "filer": "institution_staff", "procedure": "change", "status": "professor"}, "affiliated"),
        ({"on": "2024-05-01", "filer": "public_interest_staff", "procedure": "change", "status": "professor",
          "affiliated": True}, "delegation_active"),
        ({**ISSUE_CASE, "nationality": "VN"}, "nationality"),
        ({**ISSUE_CASE, "status": "tourist"}, "status"),
        ({**ISSUE_CASE, "procedure": "permanent_residence"}, "procedure"),
        ("this is not json {", "case"),
        ("[1, 2, 3]", "case"),
    ],
)  # fmt: skip
def test_call_command_invalid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: Any, field: str
) -> None:
    code, out, err = call(write_case(tmp_path, content), capsys)
    assert code == 2
    assert out.strip() == ""
    error = assert_error_names(err, field)
    assert set(error) >= {"field", "ja", "en"}


def test_call_command_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = call(str(tmp_path / "missing.json"), capsys)
    assert code == 2
    assert_error_names(err, "case")
