"""Bar charts: the SVG is well-formed XML, accessible, escapes its texts and works in Japanese;
the same chart draws in a PDF with the embedded font."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

from reporting import charts

SVG = "{http://www.w3.org/2000/svg}"


def chart(*bars: charts.Bar, key: str = "demo") -> charts.BarChart:
    return charts.BarChart(
        key=key,
        title="利用申出の受付（種別） <by kind>",
        description="; ".join(f"{b.label}: {b.display}" for b in bars),
        bars=bars,
    )


HOSTILE = '<script>alert("x")</script> & 株式会社"さくら"'
BARS = (
    charts.Bar("新規利用申出", 12, "12"),
    charts.Bar(HOSTILE, 3, "3"),
    charts.Bar("定期報告", 0, "0", tone="warn"),
)


def test_svg_is_well_formed_accessible_and_escapes_labels() -> None:
    text = charts.svg(chart(*BARS))
    root = ET.fromstring(text)  # raises if not well-formed
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "chart-demo-title chart-demo-desc"
    assert root.find(f"{SVG}title").text == "利用申出の受付（種別） <by kind>"
    assert root.find(f"{SVG}title").get("id") == "chart-demo-title"
    assert HOSTILE in root.find(f"{SVG}desc").text
    assert "<script>" not in text
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert "新規利用申出" in labels and "定期報告" in labels
    tooltips = [t.text for t in root.iter(f"{SVG}title")]
    assert f"{HOSTILE}: 3" in tooltips


def test_bars_are_proportional_and_a_zero_bar_has_no_length() -> None:
    root = ET.fromstring(charts.svg(chart(*BARS), width=460, label_width=190, value_width=64))
    widths = [float(rect.get("width")) for rect in root.iter(f"{SVG}rect")]
    assert widths[0] == 460 - 198 - 64
    assert abs(widths[1] - widths[0] * 3 / 12) < 0.1
    assert widths[2] == 0
    assert [rect.get("fill") for rect in root.iter(f"{SVG}rect")][2] == charts.COLOURS["warn"]


def test_an_empty_month_draws_without_dividing_by_zero() -> None:
    root = ET.fromstring(charts.svg(chart(charts.Bar("承認", 0, "0"), charts.Bar("不承認", 0, "0"))))
    assert all(float(rect.get("width")) == 0 for rect in root.iter(f"{SVG}rect"))
    ET.fromstring(charts.svg(chart()))  # no bars at all


def test_a_long_japanese_label_is_shortened_and_kept_whole_in_the_tooltip() -> None:
    long = "在留資格認定証明書交付申請（Certificate of Eligibility）の件数"
    root = ET.fromstring(charts.svg(chart(charts.Bar(long, 5, "5")), label_width=120))
    drawn = [t.text for t in root.iter(f"{SVG}text")][1]
    assert drawn.endswith("…") and long.startswith(drawn[:-1])
    assert charts.text_width(drawn, 11) <= 120
    assert f"{long}: 5" in [t.text for t in root.iter(f"{SVG}title")]


def test_width_estimate_counts_wide_characters_as_one_em() -> None:
    assert charts.text_width("承認", 10) == 20
    assert charts.text_width("ab", 10) == 12
    assert charts.fit("承認", 20, 10) == "承認"


def test_the_same_chart_draws_in_a_pdf_with_the_embedded_font(tmp_path: Path) -> None:
    from reportlab.graphics import renderPDF

    from usage_requests.pledge import GOTHIC, register_fonts

    register_fonts()
    drawing = charts.drawing(chart(*BARS), font_name=GOTHIC)
    layout = charts.layout(chart(*BARS))
    assert (drawing.width, drawing.height) == (layout.width, layout.height)
    strings = [node.text for node in drawing.contents if hasattr(node, "text")]
    assert "新規利用申出" in strings and "12" in strings
    path = tmp_path / "chart.pdf"
    renderPDF.drawToFile(drawing, str(path))
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    ipaex = [line for line in fonts.splitlines() if "IPAexGothic" in line]
    assert ipaex and ipaex[0].split()[-5:-2] == ["yes", "yes", "yes"]  # embedded, subset, Unicode map


def test_without_its_visible_title_the_chart_keeps_it_for_screen_readers() -> None:
    shown, hidden = charts.svg(chart(*BARS)), charts.svg(chart(*BARS), show_title=False)
    assert all("<by kind>" not in (t.text or "") for t in ET.fromstring(hidden).iter(f"{SVG}text"))
    assert any("<by kind>" in (t.text or "") for t in ET.fromstring(shown).iter(f"{SVG}text"))
    assert ET.fromstring(hidden).find(f"{SVG}title").text == "利用申出の受付（種別） <by kind>"
    assert float(ET.fromstring(hidden).get("height")) < float(ET.fromstring(shown).get("height"))
