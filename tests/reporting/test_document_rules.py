"""The pure parts of issued documents: numbers, the hash check, what the verification page says
about an ID, and the renderers themselves (reproducible, page x / y, long tables)."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reporting.pdf.audit_trail import AuditTrail, TrailEvent, audit_trail_pdf
from reporting.pdf.common import Frame
from reporting.pdf.notices import RevocationNotice, revocation_notice_pdf
from reporting.verification import (
    NUMBER_ALPHABET,
    id_status,
    is_genuine,
    mask_id,
    new_document_number,
    normalise_document_number,
    sha256_of,
)

FRAME = Frame(
    number="K7QD-2M9X-HT4C-8RWN",
    verify_url="https://zairyu.example.jp/verify/K7QD-2M9X-HT4C-8RWN/",
    issued_at=datetime(2026, 1, 15, 1, 30, tzinfo=UTC),
    language="ja",
    title_ja="認証ID抹消通知書",
    title_en="Notice of Revocation of an Authentication ID",
    bureau_ja="東京出入国在留管理局",
    bureau_en="Tokyo Regional Immigration Services Bureau",
)
REVOCATION = RevocationNotice(
    frame=FRAME,
    auth_id="ABCD-EFGH-JKLM",
    holder_name="山田 花子",
    institution_name="みどり食品株式会社",
    request_number="UR-000012",
    revoked_on=date(2026, 1, 14),
    reason="sanction",
    note="利用規約に反する代理入力が確認されたため。",
    cooldown_until=date(2027, 1, 14),
)


def _text(data: bytes, *args: str) -> str:
    return subprocess.run(
        ["pdftotext", *args, "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


def test_numbers_are_four_groups_of_the_id_alphabet_and_differ() -> None:
    numbers = {new_document_number() for _ in range(200)}
    assert len(numbers) == 200
    for number in numbers:
        groups = number.split("-")
        assert [len(g) for g in groups] == [4, 4, 4, 4]
        assert set("".join(groups)) <= set(NUMBER_ALPHABET)


@given(st.text(alphabet=NUMBER_ALPHABET, min_size=16, max_size=16))
def test_any_number_survives_how_people_type_it(symbols: str) -> None:
    canonical = "-".join(symbols[i : i + 4] for i in range(0, 16, 4))
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in symbols.lower())
    for typed in (canonical, symbols, symbols.lower(), f" {canonical.replace('-', ' ')} ", fullwidth,
                  canonical.replace("-", "ー")):  # fmt: skip
        assert normalise_document_number(typed) == canonical


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "ABCD-EFGH-JKLM",
        "ABCD-EFGH-JKLM-NPQR-S",
        "ABCD-EFGH-JKLM-NPQ0",
        "ABCD-EFGH-JKLM-NPQI",
        "../../etc",
    ],
)
def test_what_cannot_be_a_number(raw: str) -> None:
    assert normalise_document_number(raw) is None


def test_hash_and_genuineness() -> None:
    digest, size = sha256_of([b"%PDF-1.4\n", b"body"])
    assert size == 13 and len(digest) == 64
    assert is_genuine(issued_sha256=digest, uploaded_sha256=digest.upper())
    assert not is_genuine(issued_sha256=digest, uploaded_sha256=sha256_of([b"%PDF-1.4\nbodz"])[0])


TODAY = date(2026, 6, 1)


@pytest.mark.parametrize(
    "state,valid_until,revoked_on,verdict",
    [
        ("active", date(2026, 6, 1), None, "valid"),  # the last valid day
        ("active", date(2026, 5, 31), None, "expired"),  # before the nightly run suspends it
        ("active", None, None, "expired"),
        ("awaiting_password", None, None, "awaiting_password"),
        ("suspended", date(2026, 5, 31), None, "suspended"),
        ("revoked", date(2027, 1, 1), date(2026, 3, 1), "revoked"),
    ],
)
def test_id_status(state: str, valid_until: date | None, revoked_on: date | None, verdict: str) -> None:
    status = id_status(
        code="ABCDEFGHJKLM", state=state, valid_until=valid_until, revoked_on=revoked_on, today=TODAY
    )
    assert status.verdict == verdict
    assert status.masked == "ABCD-••••-••LM"
    if verdict == "revoked":
        assert status.revoked_on == revoked_on


def test_the_mask_hides_the_middle_and_refuses_odd_codes() -> None:
    assert mask_id("ABCD-EFGH-JKLM") == "ABCD-••••-••LM"
    assert "EFGH" not in mask_id("ABCD-EFGH-JKLM")
    assert mask_id("short") == "••••-••••-••••"


def test_a_renderer_is_reproducible_and_prints_its_issue_date() -> None:
    first, second = revocation_notice_pdf(REVOCATION), revocation_notice_pdf(REVOCATION)
    assert first == second
    other = revocation_notice_pdf(replace(REVOCATION, note="別の内容"))
    assert other != first
    text = _text(first)
    assert "令和8年1月15日" in text  # 2026-01-15 10:30 in Japan
    assert "K7QD-2M9X-HT4C-8RWN" in text and "1 / 1" in text
    info = subprocess.run(["pdfinfo", "-"], input=first, capture_output=True, check=True).stdout.decode()
    assert "2026" in next(line for line in info.splitlines() if line.startswith("CreationDate"))


def test_frame_refuses_what_it_cannot_print() -> None:
    with pytest.raises(ValueError):
        replace(FRAME, language="fr")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        replace(FRAME, issued_at=datetime(2026, 1, 15, 10, 0))
    with pytest.raises(ValueError):
        replace(FRAME, number="")
    with pytest.raises(ValueError):
        replace(REVOCATION, reason="whim")


def test_a_long_audit_trail_runs_over_pages_with_the_header_repeated() -> None:
    start = datetime(2026, 1, 5, 0, 0, tzinfo=UTC)
    events = tuple(
        TrailEvent(
            seq=1000 + i,
            occurred_at=start + timedelta(hours=i),
            actor="reviewer_tokyo",
            action="usage_request.requirement_settled",
            label_ja="利用申出 要件の判断",
            label_en="Usage request requirement settled",
            details=(
                ("REQ-CATEGORY3-STABILITY: pass", "REQ-CATEGORY3-STABILITY: pass"),
                (
                    "理由: 決算書を確認した結果、純資産は正で、直近2期の営業利益も黒字のため安定と判断した。"
                    * 2,
                    "",
                ),
            ),
            hash=f"{i:064x}",
        )
        for i in range(60)
    )
    trail = AuditTrail(
        frame=replace(FRAME, title_ja="監査証跡", title_en="Audit Trail", language="en"),
        record_kind_ja="利用申出",
        record_kind_en="Usage request",
        record_label="UR-000012",
        record_ref="usage_requests.usagerequest:12",
        institution_name="みどり食品株式会社",
        as_of_seq=1059,
        events=events,
    )
    data = audit_trail_pdf(trail)
    info = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True).stdout.decode()
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages >= 3
    last_page = _text(data, "-f", str(pages), "-l", str(pages))
    assert "操作・内容" in last_page  # the header row repeats
    assert f"{pages} / {pages}" in last_page
    assert "1059" in last_page and "60件" in _text(data, "-l", "1")
