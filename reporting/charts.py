"""Horizontal bar charts drawn on the server: one chart description, two renderers.

:class:`BarChart` says what to draw (a title, a description for screen readers, labelled
bars); :func:`layout` turns it into geometry once; :func:`svg` writes that geometry as an SVG
element for the page (``role="img"`` with ``<title>`` and ``<desc>``, every text escaped) and
:func:`drawing` as a reportlab ``Drawing`` for the PDF. Pure: no I/O, no Django.

Japanese labels: the widths of texts are estimated (a wide character as one em, any other as
0.6 em) to fit labels into their column; a label that does not fit is shortened with "…" and
kept whole in the bar's tooltip and in the chart's description.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any, Literal
from xml.sax.saxutils import escape, quoteattr

Tone = Literal["normal", "ok", "warn"]

COLOURS: dict[str, str] = {
    "normal": "#0b4f8a",
    "ok": "#1a7f37",
    "warn": "#9a6700",
    "ink": "#1f2328",
    "muted": "#57606a",
    "line": "#d0d7de",
}
FONT_FAMILY = "IPAexGothic, 'Noto Sans JP', 'Hiragino Sans', Meiryo, sans-serif"


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: float
    display: str  # the value as printed beside the bar ("12", "45.0 %")
    tone: Tone = "normal"


@dataclass(frozen=True, slots=True)
class BarChart:
    key: str  # unique on a page: the SVG's element ids derive from it
    title: str
    description: str
    bars: tuple[Bar, ...]


@dataclass(frozen=True, slots=True)
class BarBox:
    label: str  # as drawn (perhaps shortened)
    full_label: str
    display: str
    tone: Tone
    label_x: float  # right edge of the label
    text_y: float  # baseline of the label and the value
    x: float
    y: float
    width: float
    height: float
    value_x: float


@dataclass(frozen=True, slots=True)
class Layout:
    """Geometry with the origin at the top left (SVG's convention); y grows downwards."""

    width: float
    height: float
    font_size: float
    title_y: float
    axis_x: float
    axis_top: float
    axis_bottom: float
    bars: tuple[BarBox, ...]


def text_width(text: str, font_size: float) -> float:
    """An estimate of the drawn width of ``text``: wide (CJK) characters one em, others 0.6 em."""
    ems = sum(1.0 if unicodedata.east_asian_width(c) in ("W", "F") else 0.6 for c in text)
    return ems * font_size


def fit(text: str, width: float, font_size: float) -> str:
    """``text``, or as much of it as fits in ``width`` followed by "…"."""
    if text_width(text, font_size) <= width:
        return text
    ellipsis_width = text_width("…", font_size)
    kept = ""
    for character in text:
        if text_width(kept + character, font_size) + ellipsis_width > width:
            break
        kept += character
    return kept + "…"


def layout(
    chart: BarChart,
    *,
    width: float = 460,
    label_width: float = 190,
    value_width: float = 64,
    bar_height: float = 16,
    gap: float = 7,
    font_size: float = 11,
    show_title: bool = True,
) -> Layout:
    """The geometry of ``chart``. ``show_title=False`` leaves the visible title out (where a
    heading above already says it); the SVG keeps it in ``<title>`` for screen readers."""
    title_height = font_size * 2 if show_title else 0.0
    axis_x = label_width + 8
    plot_width = max(10.0, width - axis_x - value_width)
    largest = max((bar.value for bar in chart.bars), default=0.0)
    boxes = []
    y = title_height + gap / 2
    for bar in chart.bars:
        length = plot_width * bar.value / largest if largest > 0 else 0.0
        boxes.append(
            BarBox(
                label=fit(bar.label, label_width, font_size),
                full_label=bar.label,
                display=bar.display,
                tone=bar.tone,
                label_x=label_width,
                text_y=y + bar_height / 2 + font_size * 0.36,
                x=axis_x,
                y=y,
                width=max(0.0, length),
                height=bar_height,
                value_x=axis_x + max(0.0, length) + 4,
            )
        )
        y += bar_height + gap
    return Layout(
        width=width,
        height=y + gap / 2,
        font_size=font_size,
        title_y=font_size * 1.3 if show_title else 0.0,
        axis_x=axis_x,
        axis_top=title_height,
        axis_bottom=y,
        bars=tuple(boxes),
    )


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def svg(chart: BarChart, **sizes: Any) -> str:
    """The chart as an inline ``<svg>`` element (well-formed XML, every text escaped)."""
    geometry = layout(chart, **sizes)
    title_id, desc_id = f"chart-{chart.key}-title", f"chart-{chart.key}-desc"
    font = geometry.font_size
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" width="{_n(geometry.width)}" height="{_n(geometry.height)}" '
        f'viewBox="0 0 {_n(geometry.width)} {_n(geometry.height)}" font-family={quoteattr(FONT_FAMILY)} '
        f'font-size="{_n(font)}">',
        f'<title id="{title_id}">{escape(chart.title)}</title>',
        f'<desc id="{desc_id}">{escape(chart.description)}</desc>',
        (
            f'<text x="0" y="{_n(geometry.title_y)}" font-weight="bold" fill="{COLOURS["ink"]}">'
            f"{escape(chart.title)}</text>"
            if geometry.title_y
            else ""
        ),
        f'<line x1="{_n(geometry.axis_x)}" y1="{_n(geometry.axis_top)}" x2="{_n(geometry.axis_x)}" '
        f'y2="{_n(geometry.axis_bottom)}" stroke="{COLOURS["line"]}" stroke-width="1"/>',
    ]
    for box in geometry.bars:
        parts.append(
            "<g>"
            f'<text x="{_n(box.label_x)}" y="{_n(box.text_y)}" text-anchor="end" fill="{COLOURS["ink"]}">'
            f"{escape(box.label)}</text>"
            f'<rect x="{_n(box.x)}" y="{_n(box.y)}" width="{_n(box.width)}" height="{_n(box.height)}" '
            f'fill="{COLOURS[box.tone]}"><title>{escape(box.full_label)}: {escape(box.display)}</title></rect>'
            f'<text x="{_n(box.value_x)}" y="{_n(box.text_y)}" fill="{COLOURS["muted"]}">'
            f"{escape(box.display)}</text>"
            "</g>"
        )
    parts.append("</svg>")
    return "".join(parts)


def drawing(chart: BarChart, *, font_name: str, **sizes: Any) -> Any:
    """The same chart as a reportlab ``Drawing`` (a flowable), in the PDF's embedded font."""
    from reportlab.graphics.shapes import Drawing, Line, Rect, String  # type: ignore[import-untyped]
    from reportlab.lib import colors  # type: ignore[import-untyped]

    geometry = layout(chart, **sizes)
    height = geometry.height

    def flip(y: float) -> float:  # reportlab's origin is at the bottom left
        return height - y

    font = geometry.font_size
    canvas = Drawing(geometry.width, height)
    canvas.initialFontName = font_name  # else the renderer's state starts in Helvetica
    if geometry.title_y:
        canvas.add(
            String(0, flip(geometry.title_y), chart.title, fontName=font_name, fontSize=font,
                   fillColor=colors.HexColor(COLOURS["ink"]))
        )  # fmt: skip
    canvas.add(
        Line(geometry.axis_x, flip(geometry.axis_top), geometry.axis_x, flip(geometry.axis_bottom),
             strokeColor=colors.HexColor(COLOURS["line"]), strokeWidth=0.8)
    )  # fmt: skip
    for box in geometry.bars:
        canvas.add(
            String(box.label_x, flip(box.text_y), box.label, fontName=font_name, fontSize=font,
                   textAnchor="end", fillColor=colors.HexColor(COLOURS["ink"]))
        )  # fmt: skip
        if box.width > 0:
            canvas.add(
                Rect(box.x, flip(box.y + box.height), box.width, box.height, strokeColor=None,
                     fillColor=colors.HexColor(COLOURS[box.tone]))
            )  # fmt: skip
        canvas.add(
            String(box.value_x, flip(box.text_y), box.display, fontName=font_name, fontSize=font,
                   fillColor=colors.HexColor(COLOURS["muted"]))
        )  # fmt: skip
    return canvas
