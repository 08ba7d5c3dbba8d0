"""What every issued document shares: the embedded fonts, the styles, the page furniture
(the issuing system, the document number, the issue date and the QR code that opens
``/verify/<number>/`` on every page; "page x / y" in the footer) and the two-pass build.

Pure: a :class:`Frame` of plain values and a list of flowables in, bytes out. The PDF is
reproducible — the same input gives the same bytes (reportlab's invariant mode, with the
document's own issue time as its creation date) — so a test can compare two renderings.

Fonts are embedded, never the viewer's: IPAex Mincho (body) and IPAex Gothic (headings,
labels) from Debian's ``fonts-ipaexfont``, registered by ``usage_requests.pledge``.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.graphics import renderPDF  # type: ignore[import-untyped]
from reportlab.graphics.barcode.qr import QrCodeWidget  # type: ignore[import-untyped]
from reportlab.graphics.shapes import Drawing  # type: ignore[import-untyped]
from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.lib.utils import TimeStamp  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from backoffice.periods import format_japanese_date
from usage_requests.pledge import GOTHIC, MINCHO, register_fonts

Language = Literal["ja", "en"]
LANGUAGES: tuple[Language, ...] = ("ja", "en")
JAPAN = ZoneInfo("Asia/Tokyo")
SYSTEM_JA = "在留申請オンラインシステム"
SYSTEM_EN = "Online Residence Application System"

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Frame:
    """What every page of one document prints around its body."""

    number: str  # the document number, e.g. "K7QD-2M9X-HT4C-8RWN"
    verify_url: str  # absolute: what the QR code opens
    issued_at: datetime  # aware
    language: Language
    title_ja: str
    title_en: str
    bureau_ja: str = ""  # 東京出入国在留管理局; empty: the generic 地方出入国在留管理局
    bureau_en: str = ""  # Tokyo Regional Immigration Services Bureau

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise ValueError(f"language must be 'ja' or 'en', not {self.language!r}")
        if self.issued_at.tzinfo is None:
            raise ValueError("issued_at must be an aware datetime")
        if not self.number or not self.verify_url:
            raise ValueError("a document needs its number and its verification URL")

    @property
    def english(self) -> bool:
        return self.language == "en"

    @property
    def issued_on(self) -> date:
        """The issue date in Japan."""
        return self.issued_at.astimezone(JAPAN).date()

    @property
    def issuer_ja(self) -> str:
        return f"{self.bureau_ja or '地方出入国在留管理局'}長"

    @property
    def issuer_en(self) -> str:
        bureau = self.bureau_en or "Regional Immigration Services Bureau"
        return f"Director-General, {bureau}"


# --- dates ---------------------------------------------------------------------------------------


def date_en(day: date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def date_text(day: date | None, language: Language) -> str:
    """令和8年1月15日; in English mode with the Gregorian date after it. None: an em dash."""
    if day is None:
        return "—"
    japanese = format_japanese_date(day)
    return f"{japanese}（{date_en(day)}）" if language == "en" else japanese


# --- styles --------------------------------------------------------------------------------------

INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#4d4d4d")
RULE = colors.HexColor("#808080")
SHADE = colors.HexColor("#f2f2f2")
ALERT = colors.HexColor("#9b1c1c")

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 20 * mm
QR_SIZE = 24 * mm
HEADER_TOP = 10 * mm  # from the top edge to the top of the QR code
MARGIN_TOP = HEADER_TOP + QR_SIZE + 5 * mm
MARGIN_BOTTOM = 22 * mm
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN_X
LABEL_WIDTH = 34 * mm


def style(name: str, **overrides: Any) -> Any:
    base: dict[str, Any] = {
        "fontName": MINCHO,
        "fontSize": 10,
        "leading": 15,
        "textColor": INK,
        "wordWrap": "CJK",
        "bulletFontName": MINCHO,
        "alignment": TA_LEFT,
    }
    base.update(overrides)
    return ParagraphStyle(name, **base)


def styles() -> dict[str, Any]:
    return {
        "title": style("title", fontName=GOTHIC, fontSize=17, leading=23, alignment=TA_CENTER),
        "subtitle": style("subtitle", fontName=GOTHIC, fontSize=10.5, leading=14, alignment=TA_CENTER),
        "addressee": style("addressee", fontSize=12, leading=18),
        "issuer": style("issuer", fontSize=11, leading=16, alignment=TA_RIGHT),
        "issuer_en": style(
            "issuer_en", fontName=GOTHIC, fontSize=8, leading=11, textColor=MUTED, alignment=TA_RIGHT
        ),
        "body": style("body"),
        "en": style("en", fontName=GOTHIC, fontSize=8.5, leading=12, textColor=MUTED),
        "heading": style("heading", fontName=GOTHIC, fontSize=11, leading=16, spaceBefore=4),
        "heading_en": style("heading_en", fontName=GOTHIC, fontSize=8, leading=11, textColor=MUTED),
        "note": style("note", fontName=GOTHIC, fontSize=8, leading=11.5, textColor=MUTED),
        "ki": style("ki", fontSize=11, alignment=TA_CENTER),
        "ijou": style("ijou", alignment=TA_RIGHT),
        "label": style("label", fontName=GOTHIC, fontSize=9, leading=13),
        "label_en": style("label_en", fontName=GOTHIC, fontSize=7, leading=9, textColor=MUTED),
        "value": style("value", fontSize=10, leading=14),
        "value_en": style("value_en", fontName=GOTHIC, fontSize=8, leading=11, textColor=MUTED),
        "key": style("key", fontName=GOTHIC, fontSize=15, leading=20),
        "cell": style("cell", fontSize=8.5, leading=12),
        "cell_en": style("cell_en", fontName=GOTHIC, fontSize=7.5, leading=10.5, textColor=MUTED),
        "cell_head": style("cell_head", fontName=GOTHIC, fontSize=8.5, leading=12),
        "mono": style("mono", fontName=GOTHIC, fontSize=7, leading=9, textColor=MUTED),
        "alert": style("alert", fontName=GOTHIC, fontSize=10, leading=15, textColor=ALERT),
    }


# --- flowables -----------------------------------------------------------------------------------


def p(text: str, paragraph_style: Any) -> Any:
    """A paragraph of plain text (escaped; line breaks kept)."""
    return Paragraph(escape(text).replace("\n", "<br/>"), paragraph_style)


def both(ja: str, en: str, language: Language, ja_style: Any, en_style: Any) -> list[Any]:
    """The Japanese text, and in English mode the English under it (unless it says the same)."""
    flow = [p(ja, ja_style)]
    if language == "en" and en and en != ja:
        flow.append(p(en, en_style))
    return flow


def table(
    data: list[list[Any]], col_widths: Sequence[float], commands: list[tuple[Any, ...]], **kwargs: Any
) -> Any:
    """A table whose string cells (even empty ones) use our font, not the default Helvetica."""
    return Table(
        data,
        colWidths=list(col_widths),
        style=TableStyle([("FONTNAME", (0, 0), (-1, -1), MINCHO), *commands]),
        hAlign="LEFT",
        **kwargs,
    )


@dataclass(frozen=True, slots=True)
class Row:
    """One row of a particulars table: a bilingual label and its value(s)."""

    label_ja: str
    label_en: str
    value: str
    value_en: str = ""  # printed under the value in English mode
    key: bool = False  # the document's key fact (an ID, a receipt number): printed large


def particulars(rows: Sequence[Row], language: Language, st: dict[str, Any]) -> Any:
    data = []
    for row in rows:
        label = both(row.label_ja, row.label_en, language, st["label"], st["label_en"])
        value = [p(row.value or "—", st["key"] if row.key else st["value"])]
        if language == "en" and row.value_en and row.value_en != row.value:
            value.append(p(row.value_en, st["value_en"]))
        data.append([label, value])
    return table(
        data,
        [LABEL_WIDTH, FRAME_WIDTH - LABEL_WIDTH],
        [
            ("BOX", (0, 0), (-1, -1), 0.8, INK),
            ("INNERGRID", (0, 0), (-1, -1), 0.4, RULE),
            ("BACKGROUND", (0, 0), (0, -1), SHADE),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ("LEFTPADDING", (0, 0), (-1, -1), 4),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ],
    )


def grid(
    header: Sequence[tuple[str, str]],
    rows: Sequence[Sequence[list[Any]]],
    col_widths: Sequence[float],
    language: Language,
    st: dict[str, Any],
) -> Any:
    """A list table with a bilingual header row that repeats on every page."""
    head = [both(ja, en, language, st["cell_head"], st["label_en"]) for ja, en in header]
    return table(
        [head, *[list(row) for row in rows]],
        col_widths,
        [
            ("BOX", (0, 0), (-1, -1), 0.8, INK),
            ("INNERGRID", (0, 0), (-1, -1), 0.4, RULE),
            ("BACKGROUND", (0, 0), (-1, 0), SHADE),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ],
        repeatRows=1,
    )


def opening(frame: Frame, st: dict[str, Any], addressee: Sequence[str]) -> list[Any]:
    """Title, addressee (lines, the last one gets 様) and the issuer, right-aligned."""
    flow: list[Any] = [p(frame.title_ja, st["title"])]
    if frame.english:
        flow.append(p(frame.title_en, st["subtitle"]))
    flow.append(Spacer(1, 3 * mm))
    lines = [line for line in addressee if line]
    for index, line in enumerate(lines):
        flow.append(p(f"{line}　様" if index == len(lines) - 1 else line, st["addressee"]))
    flow.append(Spacer(1, 2 * mm))
    flow.append(p(frame.issuer_ja, st["issuer"]))
    if frame.english:
        flow.append(p(frame.issuer_en, st["issuer_en"]))
    flow.append(Spacer(1, 4 * mm))
    return flow


def notes(items: Sequence[tuple[str, str]], language: Language, st: dict[str, Any]) -> list[Any]:
    """A numbered list of notes (注意事項), each in Japanese and, in English mode, English."""
    if not items:
        return []
    flow: list[Any] = [Spacer(1, 3 * mm)]
    heading = both("注意事項", "Notes", language, st["heading"], st["heading_en"])
    for number, (ja, en) in enumerate(items, start=1):
        text = both(ja, en, language, st["note"], st["note"])
        item = table(
            [[p(f"{number}.", st["note"]), text]],
            [6 * mm, FRAME_WIDTH - 6 * mm],
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ],
        )
        # The heading stays with the first note, never alone at the foot of a page.
        flow.append(KeepTogether([*heading, item]) if number == 1 else item)
    return flow


# --- page furniture ------------------------------------------------------------------------------


def _qr(canvas: Any, url: str, x: float, y: float, size: float) -> None:
    widget = QrCodeWidget(url, barLevel="M")
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0])
    drawing.initialFontName = GOTHIC  # else the renderer's state names Helvetica, unembedded
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, x, y)


class _IssueStamp(TimeStamp):  # type: ignore[misc]
    """reportlab's time stamp, fixed to the document's issue time (for CreationDate/ModDate)."""

    def __init__(self, when: datetime) -> None:
        super().__init__(invariant=True)
        utc = when.astimezone(ZoneInfo("UTC"))
        self.t = utc.timestamp()
        self.lt = utc.timetuple()
        self.YMDhms = tuple(self.lt)[:6]
        self.dhh = self.dmm = 0
        self.tzname = "UTC"


def _furniture(frame: Frame, short_ja: str, short_en: str, total_pages: int | None) -> Callable[..., None]:
    def draw(canvas: Any, doc: Any) -> None:
        page = int(canvas.getPageNumber())
        if page == 1:
            canvas._doc._timeStamp = _IssueStamp(frame.issued_at)
        total = total_pages or page
        top = PAGE_HEIGHT - HEADER_TOP
        right = PAGE_WIDTH - MARGIN_X
        canvas.saveState()
        # The issuing system, top left.
        canvas.setFillColor(MUTED)
        canvas.setFont(GOTHIC, 8)
        canvas.drawString(MARGIN_X, top - 8, SYSTEM_JA)
        if frame.english:
            canvas.setFont(GOTHIC, 7)
            canvas.drawString(MARGIN_X, top - 17, SYSTEM_EN)
        # The QR code, top right, with the number, the issue date and the address beside it.
        _qr(canvas, frame.verify_url, right - QR_SIZE, top - QR_SIZE, QR_SIZE)
        text_right = right - QR_SIZE - 3 * mm
        canvas.setFillColor(INK)
        canvas.setFont(GOTHIC, 9)
        number = f"文書番号　{frame.number}" if not frame.english else f"文書番号 / No.　{frame.number}"
        canvas.drawRightString(text_right, top - 10, number)
        canvas.setFont(GOTHIC, 8)
        issued = f"発行日　{date_text(frame.issued_on, 'ja')}"
        if frame.english:
            issued = f"発行日 / Issued　{date_text(frame.issued_on, 'en')}"
        canvas.drawRightString(text_right, top - 22, issued)
        canvas.setFillColor(MUTED)
        canvas.setFont(GOTHIC, 6.5)
        canvas.drawRightString(
            text_right, top - 38, "この文書の真正性は、QRコード又は次のアドレスで確認できます。"
        )
        if frame.english:
            canvas.drawRightString(
                text_right, top - 47, "Check that this document is genuine with the QR code or at:"
            )
        canvas.setFillColor(INK)
        canvas.drawRightString(text_right, top - QR_SIZE + 2, frame.verify_url)
        # The footer: what and which document, and the page.
        y = MARGIN_BOTTOM - 10 * mm
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.4)
        canvas.line(MARGIN_X, y + 4 * mm, right, y + 4 * mm)
        canvas.setFont(GOTHIC, 8)
        canvas.setFillColor(MUTED)
        left = (
            f"{short_ja}　{frame.number}"
            if not frame.english
            else f"{short_ja} / {short_en} — {frame.number}"
        )
        canvas.drawString(MARGIN_X, y, left)
        pages = f"{page} / {total} ページ" if not frame.english else f"{page} / {total} ページ (page)"
        canvas.drawRightString(right, y, pages)
        canvas.restoreState()

    return draw


def build(
    frame: Frame,
    story: Callable[[], list[Any]],
    *,
    short_ja: str,
    short_en: str,
    author: str = "",
) -> bytes:
    """The PDF (A4, fonts embedded): ``story`` is called once per pass (flowables are used up
    by a build); a first pass counts the pages for "page x / y"."""
    register_fonts()

    def render(total_pages: int | None) -> tuple[bytes, int]:
        buffer = io.BytesIO()
        title = f"{frame.title_ja} {frame.number}"
        if frame.english:
            title = f"{frame.title_ja} / {frame.title_en} {frame.number}"
        doc = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=MARGIN_X,
            rightMargin=MARGIN_X,
            topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM,
            title=title,
            author=author or frame.issuer_ja,
            subject=frame.number,
            creator="Zairyu Back Office",
            lang=frame.language,
            initialFontName=MINCHO,  # the canvas preamble would otherwise name Helvetica
            invariant=True,  # reproducible bytes: no random file ID, the issue time as creation date
        )
        furniture = _furniture(frame, short_ja, short_en, total_pages)
        doc.build(story(), onFirstPage=furniture, onLaterPages=furniture)
        return buffer.getvalue(), int(doc.page)

    _, pages = render(None)
    data, _ = render(pages)
    return data
