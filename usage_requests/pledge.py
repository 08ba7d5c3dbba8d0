"""The pledge (誓約書) for a usage request, rendered as a PDF for the institution to sign.

A pure rendering module: it takes a :class:`PledgeParticulars` of plain values and returns the
PDF's bytes. No ORM, no clock; the only I/O is reading the two font files.

Wording: the official form (様式) for the 誓約書 was not reachable (domain.md §5.2: the 様式
numbers and the itemised document list are UNCERTAIN). The text below is ours, written in the
style of ISA forms from the approval requirements we know (domain.md §5.3, §5.6, §5.2 for the
R2026 利用者別誓約機関一覧表). Replace ``PLEDGE_ITEMS`` with the official wording once the form
is in hand. The Japanese text is the pledge; in English mode a translation for reference is
printed under each item.

Fonts are always embedded, never left to the viewer: IPAex Mincho (body) and IPAex Gothic
(headings and labels) from Debian's ``fonts-ipaexfont`` (installed by scripts/install_deps.sh).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal
from xml.sax.saxutils import escape

from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.ttfonts import TTFont  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from backoffice.periods import format_both

Language = Literal["ja", "en"]
RuleSetCode = Literal["R2019", "R2022", "R2026"]

FONT_PACKAGE = "fonts-ipaexfont"
GOTHIC = "IPAexGothic"
MINCHO = "IPAexMincho"
FONT_FILES: dict[str, Path] = {
    GOTHIC: Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"),
    MINCHO: Path("/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf"),
}

NO_CORPORATE_NUMBER = "—"
RULESET_CODES: tuple[RuleSetCode, ...] = ("R2019", "R2022", "R2026")


class PledgeFontsMissing(RuntimeError):
    """The IPAex font files are not installed."""


@dataclass(frozen=True, slots=True)
class PledgeParticulars:
    """Everything printed on one pledge. Empty representative fields leave a line to fill in by hand."""

    institution_name: str
    corporate_number: str  # 13 digits, or NO_CORPORATE_NUMBER ("—") for a sole proprietor
    address: str
    representative_title: str
    representative_name: str
    filer_name: str
    filer_role: str
    request_number: str  # UR-000012
    request_kind_label: str
    ruleset: RuleSetCode
    issued_on: date
    language: Language = "ja"
    bureau_name_ja: str = ""  # 東京出入国在留管理局; empty: the generic 地方出入国在留管理局
    bureau_name_en: str = ""
    acting_for_name: str = ""  # the support organisation / public-interest corporation filing, if any

    def __post_init__(self) -> None:
        if self.language not in ("ja", "en"):
            raise ValueError(f"language must be 'ja' or 'en', not {self.language!r}")
        if self.ruleset not in RULESET_CODES:
            raise ValueError(f"ruleset must be one of {', '.join(RULESET_CODES)}, not {self.ruleset!r}")


@dataclass(frozen=True, slots=True)
class PledgeItem:
    ja: str
    en: str
    sub: tuple[tuple[str, str], ...] = ()
    rulesets: tuple[RuleSetCode, ...] = RULESET_CODES


PLEDGE_ITEMS: tuple[PledgeItem, ...] = (
    PledgeItem(
        ja="当機関は、在留申請オンラインシステム（以下「本システム」という。）を、当機関が受け入れ、"
        "又は支援する外国人に係る在留申請等の手続のためにのみ利用し、その他の目的には利用しません。",
        en="We will use the online residence-application system (the 'System') only for the "
        "applications of foreign nationals whom we accept or support, and for no other purpose.",
    ),
    PledgeItem(
        ja="本システムの認証ID及びパスワードは、当機関の責任において適切に管理し、承認を受けた"
        "利用者本人以外の者に使用させ、又は知らせることはしません。",
        en="We will keep the System's authentication IDs and passwords under our control and will not "
        "let anyone other than the approved user use them or learn them.",
    ),
    PledgeItem(
        ja="当機関の役員、名称、所在地その他の申出事項に変更が生じたとき、又は利用者が離職等により"
        "本システムを利用しなくなったときは、直ちに地方出入国在留管理局に届け出るとともに、"
        "当該利用者の認証IDの抹消を申し出ます。",
        en="When our officers, name, address or other declared particulars change, or when a user stops "
        "using the System because they leave us or for another reason, we will tell the regional "
        "immigration services bureau at once and ask for that user's authentication ID to be revoked "
        "(抹消).",
    ),
    PledgeItem(
        ja="出入国管理及び難民認定法に基づく外国人の受入れの開始・終了等の届出、及び届出義務がある"
        "場合には外国人雇用状況届出を、期限までに適正に行います。",
        en="We will file on time the notifications we owe: those on starting and ending the acceptance "
        "of foreign nationals under the Immigration Control Act and, where we are obliged to, the "
        "report on the employment of foreign workers (外国人雇用状況届出).",
    ),
    PledgeItem(
        ja="当機関及び当機関の役員は、次のいずれにも該当しません。",
        en="Neither we nor any of our officers fall under any of the following.",
        sub=(
            (
                "出入国又は労働に関する法令に違反し、罰金以上の刑に処せられ、その執行を終わり、"
                "又は執行を受けることがなくなった日から5年を経過しない者",
                "A person sentenced to a fine or heavier under the immigration or labour laws, for whom "
                "five years have not passed since the sentence was served or ceased to be enforceable.",
            ),
            (
                "禁錮以上の刑に処せられ、その執行を終わり、又は執行を受けることがなくなった日から"
                "5年を経過しない者",
                "A person sentenced to imprisonment or heavier, for whom five years have not passed "
                "since the sentence was served or ceased to be enforceable.",
            ),
        ),
    ),
    PledgeItem(
        ja="本システムの利用規約を遵守します。これに違反し、又は不適正な利用があった場合には、"
        "認証IDの抹消その他の措置を受けることに異議を述べません。",
        en="We will comply with the System's terms of use. If we break them or use the System "
        "improperly, we accept without objection that the authentication IDs may be revoked and "
        "other measures taken.",
    ),
    PledgeItem(
        ja="本申出及び定期報告の内容について、地方出入国在留管理局から資料の提出又は説明を求められた"
        "ときは、これに協力します。",
        en="When the regional immigration services bureau asks for documents or explanations about "
        "this request or a periodic report, we will cooperate.",
    ),
    PledgeItem(
        ja="登録支援機関又は公益法人の職員が当機関の依頼に基づき本システムを利用する場合には、"
        "必要に応じ、当該職員ごとの「利用者別誓約機関一覧表」を添付します。",
        en="Where staff of a registered support organisation or public-interest corporation use the "
        "System at our request, we will attach, where required, the list of institutions each such "
        "user has pledged for (利用者別誓約機関一覧表).",
        rulesets=("R2026",),
    ),
)

# The request kinds, for the caller to label the request in the document's language.
REQUEST_KIND_LABELS: dict[str, dict[Language, str]] = {
    "new": {"ja": "新規利用申出", "en": "New usage request"},
    "additional": {"ja": "追加利用申出", "en": "Additional user"},
    "periodic_report": {"ja": "定期報告", "en": "Periodic report"},
}


def request_kind_label(kind: str, language: Language) -> str:
    labels = REQUEST_KIND_LABELS.get(kind)
    if labels is None:
        return kind
    return labels["ja"] if language == "ja" else f"{labels['ja']} / {labels['en']}"


def items_for(ruleset: RuleSetCode) -> tuple[PledgeItem, ...]:
    return tuple(item for item in PLEDGE_ITEMS if ruleset in item.rulesets)


# --- fonts ---------------------------------------------------------------------------------------


def register_fonts() -> None:
    """Register (once) the IPAex fonts; reportlab embeds a subset of each in every PDF."""
    registered = set(pdfmetrics.getRegisteredFontNames())
    for name, path in FONT_FILES.items():
        if name in registered:
            continue
        if not path.is_file():
            raise PledgeFontsMissing(
                f"Font file {path} is missing: install the Debian package {FONT_PACKAGE} "
                f"(apt-get install {FONT_PACKAGE}, done by scripts/install_deps.sh)."
            )
        pdfmetrics.registerFont(TTFont(name, str(path)))
    # <b>/<i> in markup must map to our fonts, never to a Type 1 font the viewer supplies.
    pdfmetrics.registerFontFamily(MINCHO, normal=MINCHO, bold=GOTHIC, italic=MINCHO, boldItalic=GOTHIC)
    pdfmetrics.registerFontFamily(GOTHIC, normal=GOTHIC, bold=GOTHIC, italic=GOTHIC, boldItalic=GOTHIC)


# --- styles --------------------------------------------------------------------------------------

_INK = colors.HexColor("#1a1a1a")
_MUTED = colors.HexColor("#4d4d4d")
_RULE = colors.HexColor("#808080")
_SHADE = colors.HexColor("#f2f2f2")


def _style(name: str, **overrides: Any) -> Any:
    base: dict[str, Any] = {
        "fontName": MINCHO,
        "fontSize": 10,
        "leading": 15,
        "textColor": _INK,
        "wordWrap": "CJK",
        "bulletFontName": MINCHO,
        "alignment": TA_LEFT,
    }
    base.update(overrides)
    return ParagraphStyle(name, **base)


def _styles() -> dict[str, Any]:
    return {
        "title": _style("title", fontName=GOTHIC, fontSize=20, leading=26, alignment=TA_CENTER),
        "subtitle": _style("subtitle", fontName=GOTHIC, fontSize=12, leading=16, alignment=TA_CENTER),
        "addressee": _style("addressee", fontSize=12, leading=18),
        "addressee_en": _style("addressee_en", fontName=GOTHIC, fontSize=8.5, leading=12, textColor=_MUTED),
        "body": _style("body"),
        "body_en": _style("body_en", fontName=GOTHIC, fontSize=8.5, leading=12, textColor=_MUTED),
        "note": _style("note", fontName=GOTHIC, fontSize=8, leading=11, textColor=_MUTED),
        "ki": _style("ki", fontSize=11, alignment=TA_CENTER),
        "ijou": _style("ijou", alignment=TA_RIGHT),
        "label": _style("label", fontName=GOTHIC, fontSize=9, leading=13),
        "label_en": _style("label_en", fontName=GOTHIC, fontSize=7, leading=9, textColor=_MUTED),
        "value": _style("value", fontSize=10, leading=14),
        "number": _style("number", alignment=TA_RIGHT),
        "item": _style("item"),
        "item_en": _style(
            "item_en", fontName=GOTHIC, fontSize=8.5, leading=12, textColor=_MUTED, spaceBefore=1
        ),
        "sub": _style("sub"),
        "sub_en": _style("sub_en", fontName=GOTHIC, fontSize=8.5, leading=12, textColor=_MUTED),
        "seal": _style("seal", fontName=GOTHIC, fontSize=8, leading=11, alignment=TA_CENTER),
    }


def _table(
    data: list[list[Any]], col_widths: list[float], style: list[tuple[Any, ...]], **kwargs: Any
) -> Any:
    """A table whose string cells (even empty ones) use our font, not the default Helvetica."""
    return Table(
        data,
        colWidths=col_widths,
        style=TableStyle([("FONTNAME", (0, 0), (-1, -1), MINCHO), *style]),
        hAlign="LEFT",
        **kwargs,
    )


def _p(text: str, style: Any) -> Any:
    return Paragraph(escape(text), style)


def _value(text: str, style: Any, *, blank_height: float) -> Any:
    """A value, or when it is empty, room to write it by hand."""
    return _p(text, style) if text.strip() else Spacer(1, blank_height)


def _label(ja: str, en: str, language: Language, styles: dict[str, Any]) -> list[Any]:
    cell = [_p(ja, styles["label"])]
    if language == "en":
        cell.append(_p(en, styles["label_en"]))
    return cell


# --- the document --------------------------------------------------------------------------------

_PAGE_WIDTH, _PAGE_HEIGHT = A4
_MARGIN_X = 20 * mm
_MARGIN_TOP = 16 * mm
_MARGIN_BOTTOM = 22 * mm
_FRAME_WIDTH = _PAGE_WIDTH - 2 * _MARGIN_X
_CIRCLED = "①②③④⑤⑥⑦⑧⑨"


def _addressee(p: PledgeParticulars, styles: dict[str, Any]) -> list[Any]:
    bureau_ja = p.bureau_name_ja or "地方出入国在留管理局"
    flow = [_p(f"{bureau_ja}長　殿", styles["addressee"])]
    if p.language == "en":
        bureau_en = p.bureau_name_en or "the Regional Immigration Services Bureau"
        flow.append(_p(f"To the Director-General of {bureau_en}", styles["addressee_en"]))
    return flow


def _particulars_table(p: PledgeParticulars, styles: dict[str, Any]) -> Any:
    filer: list[Any] = [
        _p(f"{p.filer_name}（{p.filer_role}）" if p.filer_role else p.filer_name, styles["value"])
    ]
    if p.acting_for_name:
        via = f"（{p.acting_for_name} 経由）" if p.language == "ja" else f"via {p.acting_for_name}"
        filer.append(_p(via, styles["value"]))
    representative = "　".join(part for part in (p.representative_title, p.representative_name) if part)

    def label(ja: str, en: str) -> list[Any]:
        return _label(ja, en, p.language, styles)

    def value(text: str) -> Any:
        return _value(text, styles["value"], blank_height=6 * mm)

    data = [
        [label("機関の名称", "Institution"), value(p.institution_name), "", ""],
        [label("所在地", "Address"), value(p.address), "", ""],
        [
            label("代表者", "Representative"),
            value(representative),
            label("法人番号", "Corporate number"),
            value(p.corporate_number or NO_CORPORATE_NUMBER),
        ],
        [
            label("利用申出人", "Person filing"),
            filer,
            label("申出の種別", "Kind of request"),
            value(p.request_kind_label),
        ],
        [
            label("申出番号", "Request number"),
            value(p.request_number),
            label("適用基準", "Rule set"),
            value(p.ruleset),
        ],
    ]
    label_width = 26 * mm
    value_width = (_FRAME_WIDTH - 2 * label_width) / 2
    return _table(
        data,
        [label_width, value_width, label_width, value_width],
        [
            ("SPAN", (1, 0), (3, 0)),
            ("SPAN", (1, 1), (3, 1)),
            ("BOX", (0, 0), (-1, -1), 0.8, _INK),
            ("INNERGRID", (0, 0), (-1, -1), 0.4, _RULE),
            ("BACKGROUND", (0, 0), (0, -1), _SHADE),
            ("BACKGROUND", (2, 2), (2, -1), _SHADE),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ("LEFTPADDING", (0, 0), (-1, -1), 4),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ],
    )


def _items(p: PledgeParticulars, styles: dict[str, Any]) -> list[Any]:
    english = p.language == "en"
    flow: list[Any] = []
    for number, item in enumerate(items_for(p.ruleset), start=1):
        text: list[Any] = [_p(item.ja, styles["item"])]
        if english:
            text.append(_p(item.en, styles["item_en"]))
        for index, (sub_ja, sub_en) in enumerate(item.sub):
            mark = _CIRCLED[index]
            sub = [_p(sub_ja, styles["sub"])]
            if english:
                sub.append(_p(sub_en, styles["sub_en"]))
            text.append(
                _table(
                    [[_p(mark, styles["sub"]), sub]],
                    [7 * mm, _FRAME_WIDTH - 17 * mm],
                    [
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                        ("LEFTPADDING", (0, 0), (-1, -1), 0),
                        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                        ("TOPPADDING", (0, 0), (-1, -1), 2),
                        ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                    ],
                )
            )
        flow.append(
            _table(
                [[_p(f"{number}．", styles["number"]), text]],
                [9 * mm, _FRAME_WIDTH - 9 * mm],
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (0, 0), 0),
                    ("LEFTPADDING", (1, 0), (1, 0), 2),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ],
            )
        )
    return flow


def _signature_block(p: PledgeParticulars, styles: dict[str, Any]) -> Any:
    english = p.language == "en"
    representative = "　".join(part for part in (p.representative_title, p.representative_name) if part)
    lines = [
        (("日付", "Date"), format_both(p.issued_on)),
        (("所在地", "Address"), p.address),
        (("名称", "Name"), p.institution_name),
        (("代表者 役職・氏名", "Representative"), representative),
    ]
    left_width = _FRAME_WIDTH - 44 * mm
    rows = [
        [_label(ja, en, p.language, styles), _value(value, styles["value"], blank_height=8 * mm)]
        for (ja, en), value in lines
    ]
    details = _table(
        rows,
        [34 * mm, left_width - 34 * mm],
        [
            ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
            ("LINEBELOW", (1, 0), (1, -1), 0.5, _RULE),
            ("TOPPADDING", (0, 0), (-1, -1), 7),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ],
    )
    seal_label = [_p("署名又は記名押印", styles["seal"])]
    if english:
        seal_label.append(_p("Signature, or name and seal", styles["label_en"]))
    seal = _table(
        [[seal_label], [""]],
        [38 * mm],
        [
            ("BOX", (0, 0), (-1, -1), 0.8, _INK),
            ("LINEBELOW", (0, 0), (0, 0), 0.4, _RULE),
            ("ALIGN", (0, 0), (-1, -1), "CENTER"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (0, 0), 3),
            ("BOTTOMPADDING", (0, 0), (0, 0), 3),
        ],
        rowHeights=[None, 30 * mm],
    )
    seal.hAlign = "RIGHT"
    return _table(
        [[details, seal]],
        [left_width, 44 * mm],
        [
            ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
            ("ALIGN", (1, 0), (1, 0), "RIGHT"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ],
    )


def _story(p: PledgeParticulars, styles: dict[str, Any]) -> list[Any]:
    english = p.language == "en"
    story: list[Any] = [_p("誓　約　書", styles["title"])]
    if english:
        story.append(_p("Pledge", styles["subtitle"]))
        story.append(Spacer(1, 2 * mm))
        story.append(
            _p(
                "The Japanese text is the pledge; the English under each part is a translation for "
                "reference.",
                ParagraphStyle("centred_note", parent=styles["note"], alignment=TA_CENTER),
            )
        )
    story += [Spacer(1, 4 * mm), *_addressee(p, styles), Spacer(1, 3 * mm)]
    story.append(_particulars_table(p, styles))
    story.append(Spacer(1, 4 * mm))
    story.append(
        _p(
            "当機関は、在留申請オンラインシステムの利用申出を行うに当たり、下記の事項を誓約します。"
            "この誓約に反したことにより不利益を受けることとなっても、異議を申し立てません。",
            styles["body"],
        )
    )
    if english:
        story.append(
            _p(
                "In making this request to use the online residence-application system, we pledge the "
                "following. We will raise no objection to any disadvantage that follows from breaking "
                "this pledge.",
                styles["body_en"],
            )
        )
    story += [Spacer(1, 2 * mm), _p("記", styles["ki"]), Spacer(1, 2 * mm)]
    story += _items(p, styles)
    story.append(_p("以上", styles["ijou"]))
    story.append(Spacer(1, 4 * mm))
    story.append(KeepTogether([_signature_block(p, styles)]))
    return story


def _footer(p: PledgeParticulars, total_pages: int | None) -> Any:
    def draw(canvas: Any, doc: Any) -> None:
        page = int(canvas.getPageNumber())
        total = total_pages or page
        left = (
            f"誓約書　{p.request_number}" if p.language == "ja" else f"誓約書 / Pledge — {p.request_number}"
        )
        right = f"{page} / {total} ページ" if p.language == "ja" else f"page {page} / {total}"
        y = _MARGIN_BOTTOM - 10 * mm
        canvas.saveState()
        canvas.setStrokeColor(_RULE)
        canvas.setLineWidth(0.4)
        canvas.line(_MARGIN_X, y + 4 * mm, _PAGE_WIDTH - _MARGIN_X, y + 4 * mm)
        canvas.setFont(GOTHIC, 8)
        canvas.setFillColor(_MUTED)
        canvas.drawString(_MARGIN_X, y, left)
        canvas.drawRightString(_PAGE_WIDTH - _MARGIN_X, y, right)
        canvas.restoreState()

    return draw


def _render(p: PledgeParticulars, total_pages: int | None) -> tuple[bytes, int]:
    styles = _styles()
    buffer = io.BytesIO()
    title = f"誓約書 {p.request_number}" if p.language == "ja" else f"Pledge (誓約書) {p.request_number}"
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=_MARGIN_X,
        rightMargin=_MARGIN_X,
        topMargin=_MARGIN_TOP,
        bottomMargin=_MARGIN_BOTTOM,
        title=title,
        author=p.institution_name,
        subject=p.request_number,
        creator="Zairyu Back Office",
        lang=p.language,
        initialFontName=MINCHO,  # the canvas preamble would otherwise name Helvetica
    )
    footer = _footer(p, total_pages)
    doc.build(_story(p, styles), onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue(), int(doc.page)


def pledge_pdf(particulars: PledgeParticulars) -> bytes:
    """The pledge as a PDF (A4, fonts embedded), with "page x / y" in the footer."""
    register_fonts()
    _, pages = _render(particulars, None)  # a first pass counts the pages
    data, _ = _render(particulars, pages)
    return data
