"""The pledge (誓約書) rendered for signature: a real PDF with embedded IPAex fonts, its text,
its look (rendered with poppler), and who may download it."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from PIL import Image
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]

from usage_requests import pledge
from usage_requests.pledge import (
    NO_CORPORATE_NUMBER,
    PledgeFontsMissing,
    PledgeParticulars,
    pledge_pdf,
    request_kind_label,
)

PARTICULARS = PledgeParticulars(
    institution_name="みどり食品株式会社",
    corporate_number="1234567890123",
    address="〒100-0013 東京都千代田区霞が関1-1-1",
    representative_title="代表取締役",
    representative_name="緑川 誠",
    filer_name="山田 花子",
    filer_role="人事部 課長",
    request_number="UR-000012",
    request_kind_label=request_kind_label("new", "ja"),
    ruleset="R2026",
    issued_on=date(2026, 1, 15),
    language="ja",
    bureau_name_ja="東京出入国在留管理局",
    bureau_name_en="the Tokyo Regional Immigration Services Bureau",
)


def _write(tmp_path: Path, data: bytes, name: str = "pledge.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def _fonts(path: Path) -> list[tuple[str, str]]:
    """(name, emb) for every font pdffonts lists, on every page."""
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines()[2:]:
        parts = line.split()
        # name type [type…] encoding emb sub uni object-id generation
        rows.append((parts[0], parts[-5]))
    return rows


def _pages(path: Path) -> int:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in out.splitlines() if line.startswith("Pages:")))


@pytest.fixture(scope="module")
def ja_pdf() -> bytes:
    return pledge_pdf(PARTICULARS)


@pytest.fixture(scope="module")
def en_pdf() -> bytes:
    return pledge_pdf(replace(PARTICULARS, language="en", request_kind_label=request_kind_label("new", "en")))


def test_it_is_a_pdf(ja_pdf: bytes) -> None:
    assert ja_pdf.startswith(b"%PDF")


def test_only_ipaex_fonts_all_embedded(ja_pdf: bytes, en_pdf: bytes, tmp_path: Path) -> None:
    for name, data in (("ja.pdf", ja_pdf), ("en.pdf", en_pdf)):
        fonts = _fonts(_write(tmp_path, data, name))
        assert {font.split("+")[-1] for font, _emb in fonts} == {"IPAexGothic", "IPAexMincho"}
        assert all(emb == "yes" for _font, emb in fonts), fonts


def test_the_text_names_the_institution_the_request_and_the_document(ja_pdf: bytes, tmp_path: Path) -> None:
    text = _text(_write(tmp_path, ja_pdf))
    for expected in [
        "誓約書", "みどり食品株式会社", "UR-000012", "東京出入国在留管理局長", "1234567890123",
        "代表取締役", "緑川 誠", "山田 花子", "新規利用申出", "R2026", "署名又は記名押印",
        "令和8年1月15日", "2026-01-15", "抹消", "外国人雇用状況届出", "5年", "利用者別誓約機関一覧表",
    ]:  # fmt: skip
        assert expected in text, expected
    assert "Pledge" not in text
    assert "1 / 1" in text  # fits on one page, numbered


def test_english_mode_adds_the_translation(en_pdf: bytes, tmp_path: Path) -> None:
    text = _text(_write(tmp_path, en_pdf))
    assert "Pledge" in text and "誓約書" in text
    assert "To the Director-General of the Tokyo Regional Immigration Services Bureau" in text
    assert "authentication ID" in text and "page 1 / " in text


def test_the_pledge_list_line_is_only_in_r2026(tmp_path: Path) -> None:
    text = _text(_write(tmp_path, pledge_pdf(replace(PARTICULARS, ruleset="R2022"))))
    assert "利用者別誓約機関一覧表" not in text
    assert "外国人雇用状況届出" in text


def test_markup_in_values_is_printed_not_interpreted(tmp_path: Path) -> None:
    tricky = replace(
        PARTICULARS, institution_name="A&B <株式会社> テスト", corporate_number=NO_CORPORATE_NUMBER
    )
    text = _text(_write(tmp_path, pledge_pdf(tricky)))
    assert "A&B <株式会社> テスト" in text and NO_CORPORATE_NUMBER in text


def test_long_particulars_flow_onto_a_second_page_with_the_count(tmp_path: Path) -> None:
    long = replace(
        PARTICULARS, language="en", address="大阪府大阪市北区梅田一丁目二番三号 大阪駅前第一ビル" * 3,
        acting_for_name="グローバル人材サポート協同組合", representative_title="", representative_name="",
    )  # fmt: skip
    path = _write(tmp_path, pledge_pdf(long))
    pages = _pages(path)
    assert pages >= 2
    assert f"page {pages} / {pages}" in _text(path)


def test_it_renders_to_a_page_with_ink(ja_pdf: bytes, tmp_path: Path) -> None:
    path = _write(tmp_path, ja_pdf)
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")], check=True
    )
    png = next(tmp_path.glob("page*.png"))
    image = Image.open(png).convert("L")
    width, height = image.size
    assert (width, height) == (414, 585)  # A4 at 50 dpi
    histogram = image.histogram()
    assert sum(histogram[:250]) > 0.05 * width * height  # text, rules and boxes: not a blank page
    assert sum(histogram[:128]) > 1000  # and some of it solid ink, not just a grey haze
    # the seal box: a dark frame in the lower right quarter
    box = image.crop((width // 2, height // 2, width, height))
    assert sum(box.histogram()[:128]) > 200


def test_bad_particulars_are_refused() -> None:
    with pytest.raises(ValueError, match="language"):
        replace(PARTICULARS, language="fr")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="ruleset"):
        replace(PARTICULARS, ruleset="R2030")  # type: ignore[arg-type]


def test_missing_fonts_name_the_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(pdfmetrics, "getRegisteredFontNames", lambda: [])
    monkeypatch.setitem(pledge.FONT_FILES, pledge.GOTHIC, tmp_path / "missing.ttf")
    with pytest.raises(PledgeFontsMissing, match="fonts-ipaexfont"):
        pledge.register_fonts()


# --- the download ------------------------------------------------------------------------------


@pytest.fixture
def draft(cast_ur: dict[str, Any]) -> Any:
    from usage_requests.services import usage_request_create

    return usage_request_create(
        actor=cast_ur["users"]["hr"], institution=cast_ur["company"], acting_for=None, kind="new",
        declared_facts={},
    )  # fmt: skip


@pytest.mark.django_db
def test_staff_download_their_pledge_in_japanese(client_for: Any, draft: Any, tmp_path: Path) -> None:
    response = client_for("hr").get(reverse("usage_requests:pledge", args=[draft.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    number = f"UR-{draft.pk:06d}"
    assert f'attachment; filename="pledge-{number}.pdf"' == response["Content-Disposition"]
    data = response.content
    assert data.startswith(b"%PDF")
    text = _text(_write(tmp_path, data))
    for expected in [
        "誓約書",
        "みどり食品株式会社",
        number,
        "東京出入国在留管理局長",
        "代表取締役",
        "緑川 誠",
    ]:
        assert expected in text, expected
    assert "Pledge" not in text


@pytest.mark.django_db
def test_the_pledge_follows_the_chosen_language(client_for: Any, draft: Any, tmp_path: Path) -> None:
    client = client_for("hr")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("usage_requests:pledge", args=[draft.pk]))
    text = _text(_write(tmp_path, response.content))
    assert "Pledge" in text and "みどり食品株式会社" in text


@pytest.mark.django_db
def test_staff_of_another_institution_get_404(client_for: Any, draft: Any) -> None:
    assert client_for("hr_other").get(reverse("usage_requests:pledge", args=[draft.pk])).status_code == 404
    assert client_for("hr").get(reverse("usage_requests:pledge", args=[draft.pk + 999])).status_code == 404
