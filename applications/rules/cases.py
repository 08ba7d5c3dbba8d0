"""Reading a permission case from JSON (the `permission_check` command and the API): every field
checked, and an error that names the field and says what is expected."""

from __future__ import annotations

from datetime import date
from typing import Any

from applications.rules.catalogue import (
    ACCOMPANYING,
    DESIGNATED_ACTIVITIES,
    STATUS_BY_CODE,
    Procedure,
    notice_normalise,
)
from applications.rules.matrix import CaseIncomplete, Filer, PermissionCase

_BOOLEANS = ("subject_unable", "family_in_japan", "affiliated", "delegation_active", "last_day_of_stay")
_AGES = ("subject_age", "filer_age")
FIELDS = frozenset({"on", "filer", "procedure", "with", "status", "notice", *_BOOLEANS, *_AGES})


class CaseInvalid(CaseIncomplete):
    """The case itself is malformed (the same shape as a missing fact: a field and two explanations)."""


def _choice(data: dict[str, Any], name: str, allowed: list[str]) -> str:
    value = data.get(name)
    if not isinstance(value, str) or value not in allowed:
        raise CaseInvalid(
            name,
            f"{name} は次のいずれかです: {', '.join(allowed)}（値: {value!r}）",
            f"{name} must be one of: {', '.join(allowed)} (got {value!r})",
        )
    return value


def case_from_json(data: Any) -> PermissionCase:
    if not isinstance(data, dict):
        raise CaseInvalid("case", "ケースはJSONオブジェクトです。", "The case must be a JSON object.")
    unknown = sorted(set(data) - FIELDS)
    if unknown:
        raise CaseInvalid(
            unknown[0],
            f"不明な項目です: {unknown[0]}",
            f"Unknown field: {unknown[0]} (expected {', '.join(sorted(FIELDS))})",
        )
    raw_on = data.get("on")
    try:
        on = date.fromisoformat(raw_on) if isinstance(raw_on, str) else None
    except ValueError:
        on = None
    if on is None:
        raise CaseInvalid(
            "on",
            f"on は YYYY-MM-DD 形式の日付です（値: {raw_on!r}）",
            f"on must be a date YYYY-MM-DD (got {raw_on!r})",
        )
    filer = Filer(_choice(data, "filer", [f.value for f in Filer]))
    procedure = Procedure(_choice(data, "procedure", [p.value for p in Procedure]))
    status = _choice(data, "status", list(STATUS_BY_CODE))

    raw_with = data.get("with", [])
    if raw_with is None:
        raw_with = []
    accompanying = sorted(p.value for p in ACCOMPANYING)
    if not isinstance(raw_with, list) or any(
        not isinstance(w, str) or w not in accompanying for w in raw_with
    ):
        raise CaseInvalid(
            "with",
            f"with は同時に申請する手続のリストで、次の値だけを含みます: {', '.join(accompanying)}（値: {raw_with!r}）",
            f"with must be a list of procedures filed together, each one of: {', '.join(accompanying)} "
            f"(got {raw_with!r})",
        )
    if len(set(raw_with)) != len(raw_with) or procedure.value in raw_with:
        raise CaseInvalid(
            "with", "with に同じ手続を重ねて指定できません。", "with must not repeat a procedure."
        )

    raw_notice = data.get("notice")
    notice = None
    if raw_notice is not None:
        if status != DESIGNATED_ACTIVITIES:
            raise CaseInvalid(
                "notice",
                "notice（告示番号）は在留資格が特定活動の場合だけ指定します。",
                "notice (the 告示 number) is given only for designated_activities.",
            )
        notice = notice_normalise(raw_notice) if isinstance(raw_notice, str) else None
        if notice is None:
            raise CaseInvalid(
                "notice",
                f'notice は告示番号の文字列です（例 "7", "33-2", "departure_preparation"）（値: {raw_notice!r}）',
                f'notice must be a 告示 number as a string (e.g. "7", "33-2", "departure_preparation"); got {raw_notice!r}',
            )

    flags: dict[str, bool | None] = {}
    for name in _BOOLEANS:
        value = data.get(name)
        if value is not None and not isinstance(value, bool):
            raise CaseInvalid(
                name,
                f"{name} は true / false です（値: {value!r}）",
                f"{name} must be true or false (got {value!r})",
            )
        flags[name] = value
    ages: dict[str, int | None] = {}
    for name in _AGES:
        value = data.get(name)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 130
        ):
            raise CaseInvalid(
                name,
                f"{name} は0〜130の整数です（値: {value!r}）",
                f"{name} must be a whole number 0–130 (got {value!r})",
            )
        ages[name] = value
    return PermissionCase(
        on=on,
        filer=filer,
        procedure=procedure,
        status=status,
        with_=tuple(Procedure(w) for w in raw_with),
        notice=notice,
        subject_age=ages["subject_age"],
        subject_unable=bool(flags["subject_unable"]),
        family_in_japan=flags["family_in_japan"],
        filer_age=ages["filer_age"],
        affiliated=flags["affiliated"],
        delegation_active=flags["delegation_active"],
        last_day_of_stay=bool(flags["last_day_of_stay"]),
    )
