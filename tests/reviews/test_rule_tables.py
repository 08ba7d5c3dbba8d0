"""The boundary tables in tests/reviews/cases/: each case runs through the engine and
through `manage.py rules_evaluate`, and both must give the expected answer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from reviews.rules import RULESETS, evaluate, parse_facts
from tests.reviews.cases_loader import all_cases

CASES = all_cases()
ERRORS = all_cases("errors")


def _check(case: dict[str, Any], answer: dict[str, Any]) -> None:
    expect = case["expect"]
    if "ruleset" in expect:
        assert answer["ruleset"] == expect["ruleset"]
    if "outcome" in expect:
        assert answer["outcome"] == expect["outcome"], json.dumps(answer, ensure_ascii=False, indent=1)
    by_code = {r["code"]: r for r in answer["results"]}
    for code, wanted in expect.get("results", {}).items():
        got = by_code[code]
        assert got["outcome"] == wanted["outcome"], (code, got)
        if "earliest_eligible" in wanted:
            assert got["earliest_eligible"] == wanted["earliest_eligible"], (code, got)
        if "contains_en" in wanted:
            assert wanted["contains_en"] in got["explanation"]["en"], got
        if "contains_ja" in wanted:
            assert wanted["contains_ja"] in got["explanation"]["ja"], got
    for code in expect.get("absent", []):
        assert code not in by_code
    for result in answer["results"]:
        assert result["explanation"]["ja"] and result["explanation"]["en"]
        if result["outcome"] == "fail" and result["earliest_eligible"]:
            assert result["earliest_eligible"] in result["explanation"]["en"]


@pytest.mark.parametrize("case", [c for _n, c in CASES], ids=[n for n, _c in CASES])
def test_engine(case: dict[str, Any]) -> None:
    facts = parse_facts(case["facts"])
    ruleset = RULESETS[case["ruleset"]] if case.get("ruleset") else None
    _check(case, evaluate(facts, on=date.fromisoformat(case["on"]), ruleset=ruleset).as_json())


@pytest.mark.parametrize("case", [c for _n, c in CASES], ids=[n for n, _c in CASES])
def test_command(case: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(case["facts"], ensure_ascii=False), encoding="utf-8")
    out = StringIO()
    extra = ["--ruleset", case["ruleset"]] if case.get("ruleset") else []
    call_command("rules_evaluate", str(path), "--on", case["on"], *extra, stdout=out)
    _check(case, json.loads(out.getvalue()))


@pytest.mark.parametrize("case", [c for _n, c in ERRORS], ids=[n for n, _c in ERRORS])
def test_invalid_facts_name_the_field(case: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(case["facts"]), encoding="utf-8")
    with pytest.raises(CommandError) as raised:
        call_command("rules_evaluate", str(path), "--on", "2025-01-01", stdout=StringIO())
    assert raised.value.returncode == 2
    assert case["field"] in str(raised.value)


def test_exit_status_is_2_for_a_real_process(tmp_path: Path) -> None:
    path = tmp_path / "facts.json"
    path.write_text(json.dumps({"submitted_on": "2022-05-01", "institution": {"kind": "x", "category": 1}}))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "backoffice.settings"}
    done = subprocess.run(
        [sys.executable, "manage.py", "rules_evaluate", str(path)], capture_output=True, text=True, env=env
    )
    assert done.returncode == 2
    assert "institution.kind" in done.stderr
    ok = subprocess.run(
        [sys.executable, "manage.py", "rules_evaluate", "tests/reviews/cases/base_accepting.json", "--on", "2022-05-01"],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert set(json.loads(ok.stdout)) == {"ruleset", "outcome", "results"}
