"""``manage.py certno``: the 12 digits on standard output, exit 2 with the reason on standard error."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError

from individuals.models import CertificateCode


def run(*args: str) -> str:
    out = StringIO()
    call_command("certno", *args, stdout=out)
    return out.getvalue()


def test_the_leaflets_example(code_table: None) -> None:
    assert run("（東）弁 10 第 50 号") == "132010700050\n"


def test_a_twelve_digit_number_is_printed_normalised(code_table: None) -> None:
    assert run("１３２０ １０７０ ００５０") == "132010700050\n"


@pytest.mark.parametrize(
    "typed,code", [("（大）弁 10 第 50 号", "unknown_office"), ("（東）行 10 第 50 号", "unknown_category"),
                   ("1234", "length"), ("not a number", "malformed")]
)  # fmt: skip
def test_refusals_exit_2_with_the_reason(code_table: None, typed: str, code: str) -> None:
    with pytest.raises(CommandError) as caught:
        run(typed)
    assert caught.value.returncode == 2
    assert str(caught.value).startswith(f"{code}: ")
    assert "12" in str(caught.value)


def test_the_table_is_the_administrators_data(code_table: None) -> None:
    CertificateCode.objects.create(kind="category", symbol="行", code="8")
    assert run("（東）行 19 第 1234 号") == "132019801234\n"
    CertificateCode.objects.filter(symbol="行").update(active=False)
    with pytest.raises(CommandError):
        run("（東）行 19 第 1234 号")


def test_the_command_line(code_table: None, capsys: pytest.CaptureFixture[str]) -> None:
    """As manage.py runs it (argv parsing, stdout, stderr, exit status), in this process."""
    ManagementUtility(["manage.py", "certno", "（東）弁 10 第 50 号"]).execute()
    out, err = capsys.readouterr()
    assert (out, err) == ("132010700050\n", "")
    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", "certno", "（大）弁 10 第 50 号"]).execute()
    assert exited.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "unknown_office" in err and "「大」" in err and "top right" in err
