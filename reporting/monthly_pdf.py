"""The monthly statistics report (月次統計報告) as a PDF: the page's tables and charts, in
Japanese with English labels.

A pure renderer over plain values (:class:`MonthlyReportContent`, whose sections come from
``statistics_presentation.sections(..., bilingual=True)``): no ORM, no clock. Fonts are the
pledge's (IPAex Gothic and Mincho, embedded as subsets), paragraphs wrap with
``wordWrap='CJK'``, and each chart is the same :class:`~reporting.charts.BarChart` the page
draws as SVG, drawn here with reportlab.graphics.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.enums import TA_CENTER, TA_RIGHT  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from backoffice.periods import TOKYO, format_japanese_date
from reporting import charts
from reporting.pdf.common import FRAME_WIDTH, INK, MUTED, RULE, SHADE, Frame, build, style
from reporting.statistics_presentation import Section
from usage_requests.pledge import GOTHIC, MINCHO


@dataclass(frozen=True, slots=True)
class MonthlyReportContent:
    number: str  # the issued document's number, printed in the header and footer
    verify_url: str  # absolute: what the QR code on every page opens (/verify/<number>/)
    month: date  # first day
    bureau_ja: str  # 東京出入国在留管理局, or 全地方局
    bureau_en: str
    as_of: date
    built_at: datetime  # aware
    sections: tuple[Section, ...]


_FRAME_WIDTH = FRAME_WIDTH


def _style(name: str, **overrides: Any) -> Any:
    """The documents' paragraph style (pdf/common.style), in Gothic 9 pt: a report of tables."""
    return style(name, **{"fontName": GOTHIC, "fontSize": 9, "leading": 12, **overrides})


def _styles() -> dict[str, Any]:
    return {
        "title": _style("title", fontSize=17, leading=23, alignment=TA_CENTER),
        "subtitle": _style("subtitle", fontSize=10.5, leading=15, alignment=TA_CENTER, textColor=MUTED),
        "heading": _style("heading", fontSize=11.5, leading=16, spaceBefore=4),
        "cell": _style("cell", fontName=MINCHO),
        "cell_total": _style("cell_total"),
        "head": _style("head", fontSize=8, leading=10.5, textColor=MUTED),
        "number": _style("number", fontName=MINCHO, alignment=TA_RIGHT),
        "number_total": _style("number_total", alignment=TA_RIGHT),
        "head_number": _style("head_number", fontSize=8, leading=10.5, textColor=MUTED, alignment=TA_RIGHT),
        "note": _style("note", fontSize=7.5, leading=10.5, textColor=MUTED),
    }


def _p(text: str, style: Any) -> Any:
    return Paragraph(escape(text), style)


def _month_label(month: date) -> str:
    era = format_japanese_date(month)  # 令和8年10月1日
    return f"{month.year}年{month.month}月（{era[: era.index('月') + 1]}） / {month:%B %Y}"


def _header(c: MonthlyReportContent, styles: dict[str, Any]) -> list[Any]:
    built = c.built_at.astimezone(TOKYO)
    meta = [
        [_p("対象月 / Month", styles["head"]), _p(_month_label(c.month), styles["cell"])],
        [_p("対象 / Bureau", styles["head"]), _p(f"{c.bureau_ja} / {c.bureau_en}", styles["cell"])],
        [
            _p("認証IDの基準日 / IDs as of", styles["head"]),
            _p(f"{c.as_of.isoformat()}（{format_japanese_date(c.as_of)}）", styles["cell"]),
        ],
        [_p("作成日時 / Built", styles["head"]), _p(f"{built:%Y-%m-%d %H:%M} JST", styles["cell"])],
        [_p("文書番号 / Document number", styles["head"]), _p(c.number, styles["cell"])],
    ]
    table = Table(
        meta,
        colWidths=[48 * mm, _FRAME_WIDTH - 48 * mm],
        hAlign="LEFT",
        style=TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), GOTHIC),
                ("BOX", (0, 0), (-1, -1), 0.6, INK),
                ("INNERGRID", (0, 0), (-1, -1), 0.3, RULE),
                ("BACKGROUND", (0, 0), (0, -1), SHADE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        ),
    )
    return [
        _p("月次統計報告", styles["title"]),
        _p("Monthly statistics report — 在留申請オンラインシステム", styles["subtitle"]),
        Spacer(1, 4 * mm),
        table,
        Spacer(1, 2 * mm),
        _p(
            "数値は当月の受付・処理・申請に基づく。審査期間は（再）提出日から決定日までの営業日数"
            "（土日・祝日・12/29〜1/3を除く）で、目標は5営業日以内。"
            " / Figures count what was received, decided and filed in the month. Lead time is the "
            "business days from the (last) submission to the decision (weekends, public holidays "
            "and 12/29–1/3 excluded); the target is 5 business days.",
            styles["note"],
        ),
    ]


def _section(section: Section, styles: dict[str, Any]) -> Any:
    label_width = 92 * mm
    value_width = (_FRAME_WIDTH - label_width) / max(1, len(section.columns))
    data: list[list[Any]] = [
        [_p("", styles["head"]), *(_p(column, styles["head_number"]) for column in section.columns)]
    ]
    style: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), GOTHIC),
        ("LINEABOVE", (0, 0), (-1, 0), 0.6, INK),
        ("LINEBELOW", (0, 0), (-1, 0), 0.4, RULE),
        ("LINEBELOW", (0, -1), (-1, -1), 0.6, INK),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, SHADE]),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    for index, row in enumerate(section.rows, start=1):
        cell, number = ("cell_total", "number_total") if row.is_total else ("cell", "number")
        data.append([_p(row.label, styles[cell]), *(_p(text, styles[number]) for text in row.display)])
        if row.is_total:
            style.append(("LINEABOVE", (0, index), (-1, index), 0.4, RULE))
    table = Table(
        data,
        colWidths=[label_width, *([value_width] * len(section.columns))],
        hAlign="LEFT",
        repeatRows=1,
        style=TableStyle(style),
    )
    flow: list[Any] = [_p(section.title, styles["heading"]), Spacer(1, 1 * mm), table]
    if section.chart is not None and section.chart.bars:
        flow += [
            Spacer(1, 2 * mm),
            charts.drawing(
                section.chart,
                font_name=GOTHIC,
                width=_FRAME_WIDTH,
                label_width=88 * mm,
                value_width=20 * mm,
                bar_height=9,
                gap=4,
                font_size=8,
                show_title=False,
            ),
        ]
    flow.append(Spacer(1, 4 * mm))
    return KeepTogether(flow)


def monthly_report_pdf(content: MonthlyReportContent) -> bytes:
    """The report as a PDF (A4, IPAex fonts embedded) with the issued documents' page
    furniture (pdf/common.py): the number, the issue time and the QR code of its
    verification page on every page, "page / pages" in the footer."""
    frame = Frame(
        number=content.number,
        verify_url=content.verify_url,
        issued_at=content.built_at,
        language="en",  # Japanese with English labels
        title_ja=f"月次統計報告 {content.month:%Y-%m} {content.bureau_ja}",
        title_en=f"Monthly statistics report {content.month:%Y-%m}",
    )

    def story() -> list[Any]:
        styles = _styles()
        return (
            _header(content, styles) + [Spacer(1, 3 * mm)] + [_section(s, styles) for s in content.sections]
        )

    return build(
        frame, story, short_ja="月次統計報告", short_en=f"Monthly report {content.month:%Y-%m}",
        author="Zairyu Back Office",
    )  # fmt: skip
