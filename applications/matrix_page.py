"""The permission matrix as the leaflet's table, built from the same data that decides cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from applications.rules.catalogue import (
    ACCOMPANYING,
    NOTICES,
    PROCEDURE_BY_CODE,
    PROCEDURES,
    STATUSES,
    Procedure,
    Scope,
    notice_label,
)
from applications.rules.matrix import (
    FILER_NAMES,
    FOOTNOTE_TEXT,
    INSTITUTION_FILERS,
    LEAFLET_ROWS,
    VERSIONS,
    Filer,
    Mark,
    MatrixVersion,
    version_on,
)


@dataclass(frozen=True)
class TableRow:
    label: str
    cells: list[tuple[str, str]]  # (mark, footnote)
    condition: str = ""


@dataclass(frozen=True)
class MatrixTable:
    version: MatrixVersion
    columns: list[str]
    rows: list[TableRow]
    institution_rows: list[TableRow]
    footnotes: list[tuple[str, str]]
    relative_statuses: list[tuple[str, str, bool]]  # (status name, note, added in this version)
    statuses: list[tuple[str, str, str, str]]  # (code, name, table part, scope)


_LAWYER_ROW = {"ja": "弁護士・行政書士", "en": "Lawyers and gyoseishoshi"}
_LEGAL_REP_DETAIL = {
    "ja": "（親権者、未成年後見人、成年後見人）",
    "en": " (parent, guardian of a minor, adult guardian)",
}
_INSTITUTION_CONDITIONS = {
    Filer.INSTITUTION_STAFF: {
        "ja": "所属する外国人に限る",
        "en": "Only for foreign nationals affiliated with the institution",
    },
    Filer.SUPPORT_ORG_STAFF: {
        "ja": "依頼した特定技能所属機関に所属する外国人に限る（依頼が有効な間）",
        "en": "Only for employees of institutions whose request is active",
    },
    Filer.PUBLIC_INTEREST_STAFF: {
        "ja": "依頼した所属機関に所属する外国人に限る（依頼が有効な間）",
        "en": "Only for employees of institutions whose request is active",
    },
}
_SCOPE = {
    Scope.ONLINE: {"ja": "対象", "en": "Online"},
    Scope.EXCLUDED: {"ja": "対象外", "en": "Excluded"},
    Scope.NO_PROCEDURE: {
        "ja": "対象手続なし（永住許可はオンライン対象外）",
        "en": "No online procedure (permanent residence is not online)",
    },
}


def matrix_table(*, version_code: str | None, today: date, language: str) -> MatrixTable:
    lang = "ja" if language.startswith("ja") else "en"
    version = next((v for v in VERSIONS if v.code == version_code), None) or version_on(today) or VERSIONS[0]
    columns = [(p.short_ja if lang == "ja" else p.short_en) for p in PROCEDURES]

    def row(filer: Filer, label: str, condition: str = "") -> TableRow:
        cells = [
            (cell.mark.value, cell.footnote.value if cell.footnote else "")
            for cell in (version.cell(filer, p.code) for p in PROCEDURES)
        ]
        return TableRow(label, cells, condition)

    rows = []
    for filer in LEAFLET_ROWS:
        if filer is Filer.LAWYER:
            label = _LAWYER_ROW[lang]
        else:
            label = (
                FILER_NAMES[filer][0]
                if lang == "ja"
                else FILER_NAMES[filer][1].removeprefix("a ").removeprefix("the ")
            )
            label = label[0].upper() + label[1:]
            if filer is Filer.LEGAL_REPRESENTATIVE:
                label += _LEGAL_REP_DETAIL[lang]
        rows.append(row(filer, label))
    institution_rows = []
    for filer in sorted(INSTITUTION_FILERS, key=list(Filer).index):
        name = FILER_NAMES[filer][0] if lang == "ja" else FILER_NAMES[filer][1]
        institution_rows.append(row(filer, name[0].upper() + name[1:], _INSTITUTION_CONDITIONS[filer][lang]))
    footnotes = [(f.value, text[0] if lang == "ja" else text[1]) for f, text in FOOTNOTE_TEXT.items()]

    relative_statuses = []
    for status in STATUSES:
        if status.code == "designated_activities":
            for notice in NOTICES:
                if notice.code in version.relative_notices:
                    relative_statuses.append(
                        (status.ja if lang == "ja" else status.en, notice_label(notice.code, lang),
                         notice.code in version.added_notices)
                    )  # fmt: skip
        elif status.code in version.relative_statuses:
            relative_statuses.append(
                (status.ja if lang == "ja" else status.en, "", status.code in version.added_statuses)
            )
    statuses = [(s.code, s.ja if lang == "ja" else s.en, s.table, _SCOPE[s.scope][lang]) for s in STATUSES]
    return MatrixTable(version, columns, rows, institution_rows, footnotes, relative_statuses, statuses)


def closed_procedures(kind: Filer, today: date, language: str) -> list[tuple[str, str]]:
    """For the filing form: the procedures this kind of filer cannot file, or only under a
    footnote's condition, with the reason — from the same data that decides the filing."""
    english = not language.startswith("ja")
    version = version_on(today)
    out = []
    if version is not None:
        for entry in PROCEDURES:
            if entry.code in ACCOMPANYING:
                continue
            cell = version.cell(kind, entry.code)
            name = entry.en if english else entry.ja
            if cell.mark is Mark.CLOSED:
                out.append((name, _CLOSED[english]))
            elif cell.footnote is not None:
                text = FOOTNOTE_TEXT[cell.footnote][1 if english else 0]
                out.append((name, f"{cell.mark.value}{cell.footnote.value} {text}"))
    for code in (Procedure.REENTRY, Procedure.EXTRA_ACTIVITY):
        entry = PROCEDURE_BY_CODE[code]
        out.append((entry.en if english else entry.ja, _ONLY_WITH[english]))
    return out


_CLOSED = {False: "オンラインでは申請できません（表の×）。", True: "Not open to you online (× in the table)."}
_ONLY_WITH = {
    False: "変更・更新・取得の申請と同時の場合に限ります。",
    True: "Only together with a change, an extension or an acquisition.",
}
