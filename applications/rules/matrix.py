"""The permission matrix (§3.2, §3.3, §13 D7): who may file which procedure online, as versioned
data, and the one function that decides a case from it.

The same data renders the leaflet's table (○ △ ×, footnotes, the relatives' status list), so what
the page shows is what the product enforces. Pure: no ORM, no clock — the date is part of the case.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, NamedTuple

from applications.rules.catalogue import (
    ACCOMPANYING,
    DEPARTURE_PREPARATION,
    DESIGNATED_ACTIVITIES,
    PRINCIPALS_FOR_ACCOMPANYING,
    PROCEDURE_BY_CODE,
    STATUS_BY_CODE,
    Procedure,
    Scope,
    notice_label,
)


class Filer(StrEnum):
    """Who files: the leaflet's four individual rows and the three institution-side user types."""

    FOREIGN_NATIONAL = "foreign_national"
    LEGAL_REPRESENTATIVE = "legal_representative"
    RELATIVE = "relative"
    LAWYER = "lawyer"
    GYOSEISHOSHI = "gyoseishoshi"
    INSTITUTION_STAFF = "institution_staff"
    SUPPORT_ORG_STAFF = "support_org_staff"
    PUBLIC_INTEREST_STAFF = "public_interest_staff"


FILER_NAMES: dict[Filer, tuple[str, str]] = {
    Filer.FOREIGN_NATIONAL: ("外国人本人", "the foreign national"),
    Filer.LEGAL_REPRESENTATIVE: ("法定代理人", "a legal representative"),
    Filer.RELATIVE: ("親族（配偶者・子・父又は母）", "a relative (spouse, child, father or mother)"),
    Filer.LAWYER: ("弁護士", "a lawyer"),
    Filer.GYOSEISHOSHI: ("行政書士", "a gyoseishoshi"),
    Filer.INSTITUTION_STAFF: ("所属機関の職員", "institution staff"),
    Filer.SUPPORT_ORG_STAFF: ("登録支援機関の職員", "registered support organisation staff"),
    Filer.PUBLIC_INTEREST_STAFF: ("公益法人の職員", "public-interest corporation staff"),
}
INSTITUTION_FILERS = frozenset(
    {Filer.INSTITUTION_STAFF, Filer.SUPPORT_ORG_STAFF, Filer.PUBLIC_INTEREST_STAFF}
)
DELEGATED_FILERS = frozenset({Filer.SUPPORT_ORG_STAFF, Filer.PUBLIC_INTEREST_STAFF})


class Mark(StrEnum):
    OPEN = "○"
    CONDITIONAL = "△"
    CLOSED = "×"


class Footnote(StrEnum):
    ASK_BUREAU = "※1"  # ask the regional bureau first: advice, not a bar
    FAMILY_IN_JAPAN = "※2"  # a relative files a COE: the status is listed and the relative lives in Japan
    UNDER_16_OR_UNABLE = "※3"  # a relative files: the person is under 16 or cannot apply personally


FOOTNOTE_TEXT: dict[Footnote, tuple[str, str]] = {
    Footnote.ASK_BUREAU: (
        "申請を希望される方は、事前に地方出入国在留管理官署にお問い合わせください。",
        "If you wish to file this, ask the regional immigration services bureau first.",
    ),
    Footnote.FAMILY_IN_JAPAN: (
        "以下の在留資格を希望する方の配偶者・子・父又は母が本邦に居住している場合に限り申請できます。",
        "Only when the spouse, child, father or mother of the person seeking one of the statuses below lives in Japan.",
    ),
    Footnote.UNDER_16_OR_UNABLE: (
        "手続の対象となる方が、16歳未満の場合又は疾病その他の事由により自ら申請できない場合に限り、申請できます。",
        "Only when the person the procedure is for is under 16, or cannot apply personally because of illness or "
        "another reason.",
    ),
}


class Cell(NamedTuple):
    mark: Mark
    footnote: Footnote | None = None


_O = Cell(Mark.OPEN)
_LEAFLET_COLUMNS = (
    Procedure.COE,
    Procedure.CHANGE,
    Procedure.EXTENSION,
    Procedure.ACQUISITION,
    Procedure.WORK_CERTIFICATE,
    Procedure.EXTRA_ACTIVITY,
    Procedure.REENTRY,
)
LEAFLET_ROWS = (Filer.FOREIGN_NATIONAL, Filer.LEGAL_REPRESENTATIVE, Filer.RELATIVE, Filer.LAWYER)


def _row(*cells: Cell) -> dict[Procedure, Cell]:
    return dict(zip(_LEAFLET_COLUMNS, cells, strict=True))


_CELLS_2022: dict[Filer, dict[Procedure, Cell]] = {
    Filer.FOREIGN_NATIONAL: _row(
        Cell(Mark.OPEN, Footnote.ASK_BUREAU), _O, _O, Cell(Mark.OPEN, Footnote.ASK_BUREAU), _O, _O, _O
    ),
    Filer.LEGAL_REPRESENTATIVE: _row(_O, _O, _O, _O, _O, _O, _O),
    Filer.RELATIVE: _row(
        Cell(Mark.CONDITIONAL, Footnote.FAMILY_IN_JAPAN),
        Cell(Mark.CONDITIONAL, Footnote.UNDER_16_OR_UNABLE),
        Cell(Mark.CONDITIONAL, Footnote.UNDER_16_OR_UNABLE),
        Cell(Mark.CONDITIONAL, Footnote.UNDER_16_OR_UNABLE),
        Cell(Mark.CLOSED),
        Cell(Mark.CLOSED),
        Cell(Mark.CONDITIONAL, Footnote.UNDER_16_OR_UNABLE),
    ),
    Filer.LAWYER: _row(_O, _O, _O, _O, _O, _O, _O),
    Filer.GYOSEISHOSHI: _row(_O, _O, _O, _O, _O, _O, _O),
    # Not in the leaflet's table: procedures ①–⑥ for their affiliated foreign nationals (§3.2).
    Filer.INSTITUTION_STAFF: _row(_O, _O, _O, _O, _O, _O, _O),
    Filer.SUPPORT_ORG_STAFF: _row(_O, _O, _O, _O, _O, _O, _O),
    Filer.PUBLIC_INTEREST_STAFF: _row(_O, _O, _O, _O, _O, _O, _O),
}

# The ※2 list (§3.3): statuses, and for 特定活動 the 告示 numbers.
_RELATIVE_STATUSES_2022 = frozenset(
    {"student", "dependent", DESIGNATED_ACTIVITIES, "spouse_of_japanese", "spouse_of_permanent_resident",
     "long_term_resident"}
)  # fmt: skip
_RELATIVE_NOTICES_2022 = frozenset({"7", "18", "19", "23", "24", "30", "31", "33", "34", "38", "39", "47"})


@dataclass(frozen=True, slots=True)
class MatrixVersion:
    code: str
    effective: date
    cells: dict[Filer, dict[Procedure, Cell]]
    relative_statuses: frozenset[str]
    relative_notices: frozenset[str]
    source_ja: str
    source_en: str
    added_statuses: frozenset[str] = field(default_factory=frozenset)
    added_notices: frozenset[str] = field(default_factory=frozenset)

    def cell(self, filer: Filer, procedure: Procedure) -> Cell:
        return self.cells[filer][procedure]


VERSIONS: tuple[MatrixVersion, ...] = (
    MatrixVersion(
        code="2022-03",
        effective=date(2022, 3, 1),
        cells=_CELLS_2022,
        relative_statuses=_RELATIVE_STATUSES_2022,
        relative_notices=_RELATIVE_NOTICES_2022,
        source_ja="令和4年3月以降のオンラインによる在留手続について（令和4年1月）",
        source_en="ISA leaflet on online residence procedures from March 2022 (January 2022)",
    ),
    # §13 D7: the same table, with 文化活動, 告示33号の2 and 告示52号 added to the ※2 list.
    MatrixVersion(
        code="2023-04",
        effective=date(2023, 4, 1),
        cells=_CELLS_2022,
        relative_statuses=_RELATIVE_STATUSES_2022 | {"cultural_activities"},
        relative_notices=_RELATIVE_NOTICES_2022 | {"33-2", "52"},
        source_ja="利用可能な申請種別（親族が申請できる在留資格に文化活動、告示33号の2・52号を追加）",
        source_en="ISA scope table (Cultural Activities, Notices 33-2 and 52 added to the relatives' list)",
        added_statuses=frozenset({"cultural_activities"}),
        added_notices=frozenset({"33-2", "52"}),
    ),
)
FIRST_EFFECTIVE = VERSIONS[0].effective


def version_on(on: date) -> MatrixVersion | None:
    current = None
    for version in VERSIONS:
        if version.effective <= on:
            current = version
    return current


def version_by_code(code: str) -> MatrixVersion:
    for version in VERSIONS:
        if version.code == code:
            return version
    raise KeyError(code)


class Decision(StrEnum):
    ALLOWED = "allowed"
    ADVISORY = "advisory"
    DENIED = "denied"


class Reason(NamedTuple):
    code: str
    ja: str
    en: str

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "ja": self.ja, "en": self.en}


@dataclass(frozen=True, slots=True)
class PermissionCase:
    """The facts a decision needs. None means "not given": a rule that needs it says which field."""

    on: date
    filer: Filer
    procedure: Procedure
    status: str
    with_: tuple[Procedure, ...] = ()
    notice: str | None = None
    subject_age: int | None = None
    subject_unable: bool = False
    family_in_japan: bool | None = None
    filer_age: int | None = None
    affiliated: bool | None = None
    delegation_active: bool | None = None
    last_day_of_stay: bool = False


@dataclass(frozen=True, slots=True)
class PermissionDecision:
    decision: Decision
    reasons: tuple[Reason, ...]
    version: str

    def as_json(self) -> dict[str, Any]:
        return {"decision": self.decision.value, "reasons": [r.as_json() for r in self.reasons]}

    @property
    def allowed(self) -> bool:
        return self.decision is not Decision.DENIED


class CaseIncomplete(ValueError):
    """A fact the rules need for this case was not given."""

    def __init__(self, field_name: str, ja: str, en: str) -> None:
        super().__init__(f"{field_name}: {en}")
        self.field_name = field_name
        self.ja = ja
        self.en = en


_EN_OBJECT = {
    Procedure.COE: "a Certificate of Eligibility",
    Procedure.CHANGE: "a change of status of residence",
    Procedure.EXTENSION: "an extension of the period of stay",
    Procedure.ACQUISITION: "an acquisition of status of residence",
    Procedure.WORK_CERTIFICATE: "a certificate of authorised employment",
    Procedure.EXTRA_ACTIVITY: "permission for activity outside the status",
    Procedure.REENTRY: "a re-entry permit",
}


def _proc(p: Procedure) -> tuple[str, str]:
    return PROCEDURE_BY_CODE[p].ja, _EN_OBJECT[p]


def status_name(code: str, notice: str | None, language: str) -> str:
    entry = STATUS_BY_CODE[code]
    name = entry.ja if language == "ja" else entry.en
    if notice:
        name += (
            f"（{notice_label(notice, 'ja')}）" if language == "ja" else f" ({notice_label(notice, 'en')})"
        )
    return name


def relative_status_listed(version: MatrixVersion, status: str, notice: str | None) -> bool:
    if status == DESIGNATED_ACTIVITIES:
        return notice is not None and notice in version.relative_notices
    return status in version.relative_statuses


def permission_check(case: PermissionCase) -> PermissionDecision:
    """Allowed, allowed with advice (※1), or denied — with every reason, each citing its footnote."""
    version = version_on(case.on)
    if version is None:
        raise CaseIncomplete(
            "on",
            f"許可表は{FIRST_EFFECTIVE.isoformat()}から適用されます。それより前の日付は判定できません。",
            f"The permission matrix applies from {FIRST_EFFECTIVE.isoformat()}; earlier dates cannot be decided.",
        )
    denied: list[Reason] = []
    advice: list[Reason] = []
    met: list[Reason] = []
    filer_ja, filer_en = FILER_NAMES[case.filer]
    status_ja = status_name(case.status, case.notice, "ja")
    status_en = status_name(case.status, case.notice, "en")

    if case.procedure in ACCOMPANYING:
        pja, pen = _proc(case.procedure)
        denied.append(
            Reason(
                "PERM-ACCOMPANYING-ALONE",
                f"{pja}は、変更・更新・取得の申請と同時にのみオンラインで申請できます（単独では申請できません）。",
                f"{pen[0].upper()}{pen[1:]} can be filed online only together with a change, extension or "
                "acquisition, not alone.",
            )
        )
    elif case.with_ and case.procedure not in PRINCIPALS_FOR_ACCOMPANYING:
        pja, pen = _proc(case.procedure)
        denied.append(
            Reason(
                "PERM-ACCOMPANYING-PRINCIPAL",
                f"再入国許可・資格外活動許可は変更・更新・取得と同時にのみ申請でき、{pja}とは同時に申請できません。",
                f"Re-entry and extra-activity permission go only with a change, extension or acquisition, "
                f"not with {pen}.",
            )
        )

    scope = STATUS_BY_CODE[case.status].scope
    if scope is Scope.EXCLUDED or (
        case.status == DESIGNATED_ACTIVITIES and case.notice == DEPARTURE_PREPARATION
    ):
        denied.append(
            Reason(
                "PERM-STATUS-EXCLUDED",
                f"{status_ja}はオンライン申請の対象外です（外交・短期滞在・特定活動（出国準備期間））。",
                f"{status_en} is outside the online system (Diplomat, Temporary Visitor, Designated Activities "
                "for departure preparation).",
            )
        )
    elif scope is Scope.NO_PROCEDURE:
        denied.append(
            Reason(
                "PERM-STATUS-NO-PROCEDURE",
                f"{status_ja}についてオンラインで行える手続はありません（永住許可申請はオンライン対象外）。",
                f"No online procedure applies to {status_en} (permanent residence is not filed online).",
            )
        )

    if case.last_day_of_stay:
        denied.append(
            Reason(
                "PERM-LAST-DAY-OF-STAY",
                "在留期間満了日当日はオンラインで申請できません。窓口で申請してください。",
                "Nothing can be filed online on the last day of the period of stay; file at a counter.",
            )
        )

    if case.filer is Filer.FOREIGN_NATIONAL:
        age = case.filer_age if case.filer_age is not None else case.subject_age
        if age is None:
            raise CaseIncomplete(
                "filer_age",
                "外国人本人が申請する場合は年齢が必要です。",
                "The age of a foreign national filing personally is needed.",
            )
        if age < 15:
            denied.append(
                Reason(
                    "PERM-FILER-UNDER-15",
                    f"外国人本人が自ら申請できるのは15歳以上の方です（{age}歳）。法定代理人又は親族が申請してください。",
                    f"A foreign national files personally only from age 15 (age {age}); a legal representative or "
                    "relative may file instead.",
                )
            )
        if not STATUS_BY_CODE[case.status].mid_to_long_term and scope is Scope.ONLINE:
            denied.append(
                Reason(
                    "PERM-FILER-NOT-MID-LONG-TERM",
                    f"{status_ja}の方は中長期在留者ではないため、本人としては利用できません。",
                    f"A holder of {status_en} is not a mid- to long-term resident and cannot file personally.",
                )
            )

    if case.filer in INSTITUTION_FILERS:
        if case.affiliated is None:
            raise CaseIncomplete(
                "affiliated",
                "所属機関の職員等が申請する場合は、所属する外国人かどうかが必要です。",
                "Whether the foreign national is affiliated with the institution is needed for institution-side filers.",
            )
        if not case.affiliated:
            denied.append(
                Reason(
                    "PERM-NOT-AFFILIATED",
                    f"{filer_ja}が申請できるのは、その機関に所属する外国人の手続に限られます。",
                    f"{filer_en.capitalize()} may file only for foreign nationals affiliated with the institution.",
                )
            )
        if case.filer in DELEGATED_FILERS:
            if case.delegation_active is None:
                raise CaseIncomplete(
                    "delegation_active",
                    "登録支援機関・公益法人の職員が申請する場合は、所属機関からの依頼が有効かどうかが必要です。",
                    "Whether the institution's request (依頼) is active is needed for support-organisation and "
                    "public-interest staff.",
                )
            if not case.delegation_active:
                denied.append(
                    Reason(
                        "PERM-NO-DELEGATION",
                        f"{filer_ja}は、所属機関からの依頼が有効な間に限り申請できます。",
                        f"{filer_en.capitalize()} may file only while the institution's request (依頼) is active.",
                    )
                )

    seen: set[str] = set()
    for procedure in (case.procedure, *case.with_):
        cell = version.cell(case.filer, procedure)
        pja, pen = _proc(procedure)
        for reason, bucket in _cell_reasons(
            case, version, cell, filer_ja, filer_en, pja, pen, status_ja, status_en
        ):
            if reason.code not in seen:
                seen.add(reason.code)
                bucket_list = {"denied": denied, "advice": advice, "met": met}[bucket]
                bucket_list.append(reason)

    if denied:
        return PermissionDecision(Decision.DENIED, tuple(denied), version.code)
    if advice:
        return PermissionDecision(Decision.ADVISORY, tuple(advice + met), version.code)
    return PermissionDecision(Decision.ALLOWED, tuple(met), version.code)


def _cell_reasons(
    case: PermissionCase,
    version: MatrixVersion,
    cell: Cell,
    filer_ja: str,
    filer_en: str,
    pja: str,
    pen: str,
    status_ja: str,
    status_en: str,
) -> list[tuple[Reason, str]]:
    if cell.mark is Mark.CLOSED:
        return [
            (
                Reason(
                    "PERM-CELL-CLOSED",
                    f"{filer_ja}は{pja}をオンラインで行うことができません（表の×）。",
                    f"{filer_en.capitalize()} cannot file {pen} online (× in the table).",
                ),
                "denied",
            )
        ]
    if cell.footnote is Footnote.ASK_BUREAU:
        return [
            (
                Reason(
                    "PERM-NOTE1-ASK-BUREAU",
                    f"※1 {pja}を行う場合は、事前に地方出入国在留管理官署にお問い合わせください。",
                    f"※1 Before filing {pen}, ask the regional immigration services bureau.",
                ),
                "advice",
            )
        ]
    if cell.footnote is Footnote.FAMILY_IN_JAPAN:
        out: list[tuple[Reason, str]] = []
        if not relative_status_listed(version, case.status, case.notice):
            out.append(
                (
                    Reason(
                        "PERM-NOTE2-STATUS-NOT-LISTED",
                        f"※2 親族が申請できる在留資格の一覧（{version.code}版）に{status_ja}はありません。",
                        f"※2 {status_en} is not on the list of statuses for which a relative may file "
                        f"{pen} (version {version.code}).",
                    ),
                    "denied",
                )
            )
        if case.family_in_japan is None:
            raise CaseIncomplete(
                "family_in_japan",
                "親族が認定証明書を申請する場合は、親族が本邦に居住しているかどうかが必要です（※2）。",
                "Whether the relative lives in Japan is needed when a relative files a COE (※2).",
            )
        if not case.family_in_japan:
            out.append(
                (
                    Reason(
                        "PERM-NOTE2-FAMILY-ABROAD",
                        "※2 親族が申請できるのは、申請人の配偶者・子・父又は母が本邦に居住している場合に限られます。",
                        "※2 A relative may file only when the spouse, child, father or mother lives in Japan.",
                    ),
                    "denied",
                )
            )
        if not out:
            out.append(
                (
                    Reason(
                        "PERM-NOTE2-MET",
                        f"※2 {status_ja}は一覧にあり、親族は本邦に居住しています。",
                        f"※2 {status_en} is on the list and the relative lives in Japan.",
                    ),
                    "met",
                )
            )
        return out
    if cell.footnote is Footnote.UNDER_16_OR_UNABLE:
        if case.subject_unable:
            return [
                (
                    Reason(
                        "PERM-NOTE3-MET",
                        "※3 対象となる方は疾病その他の事由により自ら申請できません。",
                        "※3 The person cannot apply personally because of illness or another reason.",
                    ),
                    "met",
                )
            ]
        if case.subject_age is None:
            raise CaseIncomplete(
                "subject_age",
                "親族が申請する場合は、対象となる方の年齢が必要です（※3）。",
                "The age of the person the procedure is for is needed when a relative files (※3).",
            )
        if case.subject_age < 16:
            return [
                (
                    Reason(
                        "PERM-NOTE3-MET",
                        f"※3 対象となる方は16歳未満です（{case.subject_age}歳）。",
                        f"※3 The person is under 16 (age {case.subject_age}).",
                    ),
                    "met",
                )
            ]
        return [
            (
                Reason(
                    "PERM-NOTE3-NOT-MET",
                    f"※3 親族が申請できるのは、対象となる方が16歳未満（{case.subject_age}歳）又は疾病等で自ら申請"
                    "できない場合に限られます。",
                    f"※3 A relative may file only when the person is under 16 (age {case.subject_age}) or cannot "
                    "apply personally because of illness or another reason.",
                ),
                "denied",
            )
        ]
    return [
        (
            Reason(
                "PERM-OPEN",
                f"{filer_ja}は{pja}を行うことができます（表の○）。",
                f"{filer_en.capitalize()} may file {pen} (○ in the table).",
            ),
            "met",
        )
    ]
