"""The catalogues the permission matrix and the filing forms read: procedures (手続), statuses of
residence (在留資格, Immigration Control Act Tables 1 and 2) and the 特定活動 告示 numbers.

Plain data with both languages, so that the rules can explain themselves in Japanese and English
without Django. The codes are contracts (the `permission_check` command, bulk templates, the API).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class Procedure(StrEnum):
    """Residence procedures filed online (§3.1)."""

    COE = "coe"
    CHANGE = "change"
    EXTENSION = "extension"
    ACQUISITION = "acquisition"
    WORK_CERTIFICATE = "work_certificate"
    REENTRY = "reentry"
    EXTRA_ACTIVITY = "extra_activity"


# Re-entry and extra-activity permission are filed only together with one of these (§3.1 ⑥).
PRINCIPALS_FOR_ACCOMPANYING = frozenset({Procedure.CHANGE, Procedure.EXTENSION, Procedure.ACQUISITION})
ACCOMPANYING = frozenset({Procedure.REENTRY, Procedure.EXTRA_ACTIVITY})


@dataclass(frozen=True, slots=True)
class ProcedureEntry:
    code: Procedure
    ja: str
    en: str
    short_ja: str
    short_en: str


PROCEDURES: tuple[ProcedureEntry, ...] = (
    ProcedureEntry(
        Procedure.COE, "在留資格認定証明書交付申請", "Certificate of Eligibility", "認定証明書", "COE"
    ),
    ProcedureEntry(
        Procedure.CHANGE, "在留資格変更許可申請", "Change of status of residence", "変更", "Change"
    ),
    ProcedureEntry(
        Procedure.EXTENSION, "在留期間更新許可申請", "Extension of period of stay", "更新", "Extension"
    ),
    ProcedureEntry(
        Procedure.ACQUISITION,
        "在留資格取得許可申請",
        "Acquisition of status of residence",
        "取得",
        "Acquisition",
    ),
    ProcedureEntry(
        Procedure.WORK_CERTIFICATE,
        "就労資格証明書交付申請",
        "Certificate of authorised employment",
        "就労資格証明書",
        "Work certificate",
    ),
    ProcedureEntry(
        Procedure.EXTRA_ACTIVITY,
        "資格外活動許可申請",
        "Permission for activity outside the status",
        "資格外活動",
        "Extra activity",
    ),
    ProcedureEntry(Procedure.REENTRY, "再入国許可申請", "Re-entry permit", "再入国", "Re-entry"),
)
PROCEDURE_BY_CODE = {p.code: p for p in PROCEDURES}


class Scope(StrEnum):
    ONLINE = "online"
    # 外交, 短期滞在 and 特定活動（出国準備期間）: outside the system (§4.1).
    EXCLUDED = "excluded"
    # 永住者: no procedure of this system applies (永住許可 is not online).
    NO_PROCEDURE = "no_procedure"


@dataclass(frozen=True, slots=True)
class StatusEntry:
    code: str
    ja: str
    en: str
    table: str  # "1-1" … "1-5", "2"
    scope: Scope
    # Can the holder use the system personally (a 中長期在留者)? 公用 holders cannot (§4.1).
    mid_to_long_term: bool = True


STATUSES: tuple[StatusEntry, ...] = (
    StatusEntry("diplomat", "外交", "Diplomat", "1-1", Scope.EXCLUDED, mid_to_long_term=False),
    StatusEntry("official", "公用", "Official", "1-1", Scope.ONLINE, mid_to_long_term=False),
    StatusEntry("professor", "教授", "Professor", "1-1", Scope.ONLINE),
    StatusEntry("artist", "芸術", "Artist", "1-1", Scope.ONLINE),
    StatusEntry("religious_activities", "宗教", "Religious Activities", "1-1", Scope.ONLINE),
    StatusEntry("journalist", "報道", "Journalist", "1-1", Scope.ONLINE),
    StatusEntry(
        "highly_skilled_professional", "高度専門職", "Highly Skilled Professional", "1-2", Scope.ONLINE
    ),
    StatusEntry("business_manager", "経営・管理", "Business Manager", "1-2", Scope.ONLINE),
    StatusEntry(
        "legal_accounting_services", "法律・会計業務", "Legal/Accounting Services", "1-2", Scope.ONLINE
    ),
    StatusEntry("medical_services", "医療", "Medical Services", "1-2", Scope.ONLINE),
    StatusEntry("researcher", "研究", "Researcher", "1-2", Scope.ONLINE),
    StatusEntry("instructor", "教育", "Instructor", "1-2", Scope.ONLINE),
    StatusEntry(
        "engineer_humanities_international",
        "技術・人文知識・国際業務",
        "Engineer/Specialist in Humanities/International Services",
        "1-2",
        Scope.ONLINE,
    ),
    StatusEntry("intra_company_transferee", "企業内転勤", "Intra-company Transferee", "1-2", Scope.ONLINE),
    StatusEntry("nursing_care", "介護", "Nursing Care", "1-2", Scope.ONLINE),
    StatusEntry("entertainer", "興行", "Entertainer", "1-2", Scope.ONLINE),
    StatusEntry("skilled_labor", "技能", "Skilled Labor", "1-2", Scope.ONLINE),
    StatusEntry("specified_skilled_worker", "特定技能", "Specified Skilled Worker", "1-2", Scope.ONLINE),
    StatusEntry("technical_intern_training", "技能実習", "Technical Intern Training", "1-2", Scope.ONLINE),
    StatusEntry("cultural_activities", "文化活動", "Cultural Activities", "1-3", Scope.ONLINE),
    StatusEntry(
        "temporary_visitor", "短期滞在", "Temporary Visitor", "1-3", Scope.EXCLUDED, mid_to_long_term=False
    ),
    StatusEntry("student", "留学", "Student", "1-4", Scope.ONLINE),
    StatusEntry("trainee", "研修", "Trainee", "1-4", Scope.ONLINE),
    StatusEntry("dependent", "家族滞在", "Dependent", "1-4", Scope.ONLINE),
    StatusEntry("designated_activities", "特定活動", "Designated Activities", "1-5", Scope.ONLINE),
    StatusEntry("permanent_resident", "永住者", "Permanent Resident", "2", Scope.NO_PROCEDURE),
    StatusEntry(
        "spouse_of_japanese", "日本人の配偶者等", "Spouse or Child of Japanese National", "2", Scope.ONLINE
    ),
    StatusEntry(
        "spouse_of_permanent_resident",
        "永住者の配偶者等",
        "Spouse or Child of Permanent Resident",
        "2",
        Scope.ONLINE,
    ),
    StatusEntry("long_term_resident", "定住者", "Long-Term Resident", "2", Scope.ONLINE),
)
STATUS_BY_CODE = {s.code: s for s in STATUSES}
DESIGNATED_ACTIVITIES = "designated_activities"

# 特定活動（出国準備期間）is designated individually, not by a 告示 number; it has its own sub-code.
DEPARTURE_PREPARATION = "departure_preparation"


@dataclass(frozen=True, slots=True)
class NoticeEntry:
    """A 特定活動 告示 number the leaflet or its later version names (§4.3)."""

    code: str
    ja: str
    en: str


NOTICES: tuple[NoticeEntry, ...] = (
    NoticeEntry("7", "告示7号（アマチュアスポーツ選手の家族）", "Notice 7 (family of amateur athletes)"),
    *(
        NoticeEntry(
            n,
            f"告示{n}号（EPA看護師・介護福祉士の家族）",
            f"Notice {n} (family of EPA nurses and care workers)",
        )
        for n in ("18", "19", "23", "24", "30", "31")
    ),
    NoticeEntry("33", "告示33号（高度専門職の家族）", "Notice 33 (family of Highly Skilled Professionals)"),
    NoticeEntry(
        "33-2",
        "告示33号の2（特別高度人材外国人の就労する配偶者）",
        "Notice 33-2 (working spouse of a J-Skip holder)",
    ),
    NoticeEntry("34", "告示34号（高度専門職の家族）", "Notice 34 (family of Highly Skilled Professionals)"),
    NoticeEntry("38", "告示38号（特定研究活動の家族）", "Notice 38 (family of designated researchers)"),
    NoticeEntry("39", "告示39号（特定研究活動の家族）", "Notice 39 (family of designated researchers)"),
    NoticeEntry(
        "47", "告示47号（本邦大学卒業者の家族）", "Notice 47 (family of Japanese-university graduates)"
    ),
    NoticeEntry("52", "告示52号（未来創造人材外国人の家族）", "Notice 52 (family of J-Find holders)"),
    NoticeEntry(DEPARTURE_PREPARATION, "出国準備期間", "Period for preparing departure"),
)
NOTICE_BY_CODE = {n.code: n for n in NOTICES}

_NOTICE_SHAPE = re.compile(r"^[1-9][0-9]?(-[1-9])?$")


def notice_normalise(raw: str) -> str | None:
    """Canonical 告示 sub-code ("33-2") from what people type ("33の2", "３３－２", "33号の2"), or None."""
    value = unicodedata.normalize("NFKC", raw).strip().lower()
    if value == DEPARTURE_PREPARATION:
        return value
    value = re.sub(r"\s+|告示|第|号", "", value)
    value = re.sub(r"[の\u2010-\u2015\u2212ー]", "-", value)
    return value if _NOTICE_SHAPE.match(value) else None


def notice_label(code: str, language: str) -> str:
    entry = NOTICE_BY_CODE.get(code)
    if entry:
        return entry.ja if language == "ja" else entry.en
    number = code.replace("-", "の") if language == "ja" else code
    return f"告示{number}号" if language == "ja" else f"Notice {number}"
