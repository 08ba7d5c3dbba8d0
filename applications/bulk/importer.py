"""Reading and checking a bulk file (一括): streaming, every row checked, every error collected,
and no query per row.

1. The file is read as a stream. CSV: UTF-8 (a BOM is accepted), else Shift_JIS (cp932, what
   Excel on Japanese Windows writes), said in ``encoding``; neither → refused. XLSX: openpyxl in
   read-only mode, the sheet "applications" (or the first). Formula cells are refused.
2. The header (row 1) must name exactly the template's columns, in any order: otherwise the file
   is refused before any row is read, with the expected list.
3. What the rows need from the database is read once before the first row (``Registry``): the
   filer's profile, the prefectures, and the foreign employees of every institution the filer may
   file for (by ID and by residence card number). Each row is then parsed and checked in Python,
   its permission case built and decided by the pure ``permission_check`` — decisions cached per
   distinct case, since thousands of rows share a handful of cases.

Rows are numbered as the user sees them in the file: the header is row 1. A row whose first cell
starts with ``#`` (the CSV template's help row) and an empty row are skipped but keep their
numbers."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from django.core.validators import EmailValidator

from applications import selectors
from applications.bulk.errors import ImportRefused, RowError, error
from applications.bulk.reading import RowSource, formula_text, is_formula, max_rows, open_source, read_header
from applications.bulk.templates import (
    COMMENT_MARK,
    NOTICE_CODES,
    ONLINE_STATUS_CODES,
)
from applications.rules.catalogue import (
    DESIGNATED_ACTIVITIES,
    PRINCIPALS_FOR_ACCOMPANYING,
    STATUSES,
    Procedure,
    notice_normalise,
)
from applications.rules.matrix import (
    DELEGATED_FILERS,
    INSTITUTION_FILERS,
    CaseIncomplete,
    Decision,
    Filer,
    PermissionCase,
    PermissionDecision,
    permission_check,
)
from applications.services import ApplicantInput, age_on
from backoffice.text import looks_like_my_number
from institutions.models import ForeignEmployee

MAX_STORED_ERRORS = 10_000
PROGRESS_EVERY = 500


# --- what the rows need from the database, read once ---------------------------------------------


@dataclass(frozen=True, slots=True)
class Employee:
    pk: int
    institution_id: int
    name: str
    nationality: str
    date_of_birth: date | None
    status: str
    period_of_stay_until: date | None
    residence_card_number: str
    affiliated: bool


_AMBIGUOUS = Employee(0, 0, "", "", None, "", None, "", False)


@dataclass
class Registry:
    """The filer as the matrix sees them and whom they may file for, read before the first row."""

    today: date
    kind: Filer
    filer_age: int | None
    by_id: dict[int, Employee] = field(default_factory=dict)
    by_card: dict[str, Employee] = field(default_factory=dict)
    prefectures: frozenset[str] = frozenset()

    @property
    def institution_side(self) -> bool:
        return self.kind in INSTITUTION_FILERS


def registry_for(*, user: Any, today: date) -> Registry:
    """Three or four queries whatever the file's size; for support-organisation staff one more per
    institution holding an ID (its request's scope is checked in Python)."""
    from backoffice.accounts.models import Prefecture

    profile = selectors.filer_profile(user=user)
    if profile.kind is None or not profile.active:
        raise ImportRefused([error(0, "", "BULK-PROFILE", ja=profile.problem_ja, en=profile.problem_en)])
    filer_age = age_on(profile.date_of_birth, today) if profile.date_of_birth else None
    registry = Registry(
        today=today,
        kind=profile.kind,
        filer_age=filer_age if profile.kind is Filer.FOREIGN_NATIONAL else None,
        prefectures=frozenset(Prefecture.objects.values_list("code", flat=True)),
    )
    if registry.institution_side:
        # Every employee of the institutions the user holds a live ID for (and, for support and
        # public-interest staff, whose request covers residence applications) — also those no
        # longer employed, so that the matrix can say why they cannot be filed for.
        rows = ForeignEmployee.objects.filter(
            institution__in=selectors.institutions_filable_by(user=user, today=today)
        ).values_list(
            "pk", "institution_id", "name", "nationality", "date_of_birth", "status_of_residence",
            "period_of_stay_until", "residence_card_number", "employed_from", "employed_until",
        )  # fmt: skip
        for pk, inst, name, nationality, born, status, until, card, start, end in rows:
            # As selectors.employee_affiliated, on plain values.
            affiliated = (start is None or start <= today) and (end is None or end >= today)
            employee = Employee(pk, inst, name, nationality, born, status, until, card or "", affiliated)
            registry.by_id[pk] = employee
            if card:
                card = card.upper()
                registry.by_card[card] = _AMBIGUOUS if card in registry.by_card else employee
    return registry


# --- one row -------------------------------------------------------------------------------------

_STATUS_ALIASES: dict[str, str] = {}
for _s in STATUSES:
    for _name in (_s.code, _s.ja, _s.en):
        _STATUS_ALIASES[unicodedata.normalize("NFKC", _name).strip().casefold()] = _s.code
_TRUE = frozenset({"1", "true", "yes", "y", "t", "○", "はい"})
_FALSE = frozenset({"", "0", "false", "no", "n", "f", "×", "いいえ"})
_SEX = {"m": "M", "f": "F", "男": "M", "女": "F", "male": "M", "female": "F"}
_DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
_CARD = re.compile(r"^[A-Z]{2}\d{8}[A-Z]{2}$")
# Django's EmailValidator, without its per-call lazy-object overhead: the user part by its
# compiled pattern, the domain part once per distinct domain (a file has a handful).
_EMAIL_USER = re.compile(EmailValidator.user_regex.pattern, EmailValidator.user_regex.flags)


@functools.lru_cache(maxsize=4096)
def _email_domain_ok(domain: str) -> bool:
    validator = EmailValidator()
    return domain in validator.domain_allowlist or validator.validate_domain_part(domain)


def _email_ok(value: str) -> bool:
    user, at, domain = value.rpartition("@")
    return bool(at and user and len(value) <= 320 and _EMAIL_USER.match(user) and _email_domain_ok(domain))


_LIMITS = {"subject_name": 150, "nationality": 60, "address": 300, "notification_email": 254}
# Which column a matrix reason is about.
_REASON_COLUMN = {
    "PERM-ACCOMPANYING-ALONE": "with_reentry",
    "PERM-ACCOMPANYING-PRINCIPAL": "with_reentry",
    "PERM-STATUS-EXCLUDED": "status",
    "PERM-STATUS-NO-PROCEDURE": "status",
    "PERM-LAST-DAY-OF-STAY": "period_of_stay_until",
    "PERM-FILER-NOT-MID-LONG-TERM": "status",
    "PERM-NOT-AFFILIATED": "employee_id",
    "PERM-NO-DELEGATION": "employee_id",
    "PERM-NOTE2-STATUS-NOT-LISTED": "status",
    "PERM-NOTE2-FAMILY-ABROAD": "family_in_japan",
    "PERM-NOTE3-NOT-MET": "subject_unable",
}
_CASE_FIELD_COLUMN = {
    "family_in_japan": "family_in_japan",
    "subject_age": "date_of_birth",
    "affiliated": "employee_id",
    "delegation_active": "employee_id",
}

# The staged form of a row (BulkImport.staged): what the preview shows and the commit writes.
STAGED_FIELDS = (
    "row", "employee_id", "institution_id", "residence_card_number", "subject_name", "nationality",
    "date_of_birth", "sex", "status", "notice", "current_status", "period_of_stay_until", "prefecture",
    "address", "notification_email", "with_reentry", "reentry_multiple", "with_extra_activity",
    "subject_unable", "family_in_japan", "decision",
)  # fmt: skip
S = {name: i for i, name in enumerate(STAGED_FIELDS)}


def _text(value: Any) -> str:
    """A cell as text: NFKC (full-width digits and letters become ASCII), trimmed; a whole float
    from a spreadsheet loses its ".0"; a date becomes YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, str):
        return unicodedata.normalize("NFKC", value).strip() if value else ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return unicodedata.normalize("NFKC", str(value)).strip()


def _date(value: Any) -> date | None:
    """None for empty; raises ValueError for anything but a date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if not text:
        return None
    match = _DATE.match(text)
    if not match:
        raise ValueError(text)
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise ValueError(text) from None


@dataclass(slots=True)
class CheckedRow:
    row: int
    data: ApplicantInput | None  # None when the row could not be read
    employee: Employee | None
    decision: PermissionDecision | None
    staged: list[Any]


class RowChecker:
    """Parses and checks rows against one Registry; keeps the duplicate index and the decisions."""

    def __init__(self, *, registry: Registry, procedure: Procedure, positions: dict[str, int]) -> None:
        self.registry = registry
        self.procedure = procedure
        self.positions = positions
        self.accompanying = procedure in PRINCIPALS_FOR_ACCOMPANYING
        self.decisions: dict[PermissionCase, PermissionDecision | CaseIncomplete] = {}
        self.seen: dict[Any, int] = {}

    def cell(self, cells: list[Any], key: str) -> Any:
        position = self.positions.get(key)
        if position is None or position >= len(cells):
            return None
        return cells[position]

    def check(self, row: int, cells: list[Any], errors: list[RowError]) -> CheckedRow:
        """One row: parsed, checked, and (when its facts can be read) decided by the matrix, so
        that a row shows all its problems at once. Errors go to ``errors``."""
        found: list[RowError] = []
        width = len(cells)
        raw_cells = {key: cells[p] if p < width else None for key, p in self.positions.items()}
        # Formulas first: a formula's text is never taken as a value.
        for key, value in raw_cells.items():
            if value is not None:
                formula = formula_text(value)
                if formula is not None:
                    found.append(error(row, key, "BULK-FORMULA", value=formula[:40]))
        if found:
            errors.extend(found)
            return CheckedRow(row, None, None, None, self._staged_raw(row, cells))
        # Each cell as text once (NFKC, trimmed; numbers and dates as a spreadsheet stores them).
        texts = {key: _text(value) for key, value in raw_cells.items()}

        def get(key: str) -> str:
            return texts.get(key, "")

        registry = self.registry
        bad: set[str] = set()  # columns already reported: no "required" on top of "wrong"

        def report(key: str, code: str, **params: Any) -> None:
            bad.add(key)
            found.append(error(row, key, code, **params))

        # Who: institution-side filers pick a registry employee by ID or residence card number.
        employee: Employee | None = None
        unknown = False
        raw_id = get("employee_id")
        card = get("residence_card_number").upper().replace(" ", "")
        card_ok = bool(_CARD.match(card))
        if card and not card_ok:
            report("residence_card_number", "BULK-CARD", value=card)
        employee_id: int | None = None
        if raw_id:
            try:
                employee_id = int(raw_id)
            except ValueError:
                report("employee_id", "BULK-INTEGER", value=raw_id)
        picked_by = "employee_id"
        if registry.institution_side:
            if employee_id is not None:
                employee = registry.by_id.get(employee_id)
                unknown = employee is None
                if (
                    employee is not None
                    and card_ok
                    and employee.residence_card_number.upper() not in ("", card)
                ):
                    report("residence_card_number", "BULK-EMPLOYEE-MISMATCH", id=employee_id, card=card)
            elif card_ok:
                picked_by = "residence_card_number"
                employee = registry.by_card.get(card)
                if employee is _AMBIGUOUS:
                    report("employee_id", "BULK-EMPLOYEE-REQUIRED")
                    employee = None
                else:
                    unknown = employee is None
            elif not raw_id and not card:
                report("employee_id", "BULK-EMPLOYEE-REQUIRED")
        else:
            picked_by = "residence_card_number" if card else "subject_name"
            if raw_id:
                report("employee_id", "BULK-EMPLOYEE-NOT-FILER")
        e = employee

        def text(key: str, fallback: str = "") -> str:
            value = get(key) or fallback
            limit = _LIMITS.get(key)
            if limit and len(value) > limit:
                report(key, "BULK-TOO-LONG", limit=limit, length=len(value))
            return value

        def required(key: str, value: Any, *, fillable: bool = False) -> Any:
            # A value the registry would give is not asked for when the employee is unknown:
            # the row's problem is the employee, said once.
            if value in (None, "") and key not in bad and not (fillable and unknown):
                report(key, "BULK-REQUIRED")
            return value

        def a_date(key: str, fallback: date | None = None) -> date | None:
            try:
                value = _date(get(key))
            except ValueError as exc:
                report(key, "BULK-DATE", value=str(exc))
                return None
            return value if value is not None else fallback

        def flag(key: str, *, empty: bool | None = False) -> bool | None:
            if key not in self.positions:
                return empty
            value = get(key).casefold()  # an Excel boolean reads "1" or "0"
            if value == "":
                return empty
            if value in _TRUE:
                return True
            if value in _FALSE:
                return False
            report(key, "BULK-BOOLEAN", value=value)
            return empty

        def status_code(key: str, fallback: str = "") -> str:
            raw = get(key)
            if not raw:
                return fallback
            code = _STATUS_ALIASES.get(raw.casefold())
            if code is None:
                report(key, "BULK-STATUS", value=raw, codes=", ".join(ONLINE_STATUS_CODES))
                return ""
            return code

        name = required("subject_name", text("subject_name", e.name if e else ""), fillable=True)
        nationality = required("nationality", text("nationality", e.nationality if e else ""), fillable=True)
        born = required(
            "date_of_birth", a_date("date_of_birth", e.date_of_birth if e else None), fillable=True
        )
        if born is not None and born > registry.today:
            report("date_of_birth", "BULK-DATE-FUTURE", value=born.isoformat())
        raw_sex = get("sex")
        sex = _SEX.get(raw_sex.casefold(), "")
        if raw_sex and not sex:
            report("sex", "BULK-SEX", value=raw_sex)
        required("sex", sex)
        status = required("status", status_code("status"))
        raw_notice = get("notice")
        notice = ""
        if raw_notice:
            if status and status != DESIGNATED_ACTIVITIES:
                report("notice", "BULK-NOTICE-STATUS")
            else:
                notice = notice_normalise(raw_notice) or ""
                if not notice:
                    report("notice", "BULK-NOTICE", value=raw_notice, codes=", ".join(NOTICE_CODES))
        current_status = status_code("current_status", e.status if e else "")
        until = a_date("period_of_stay_until", e.period_of_stay_until if e else None)
        if self.procedure in (Procedure.CHANGE, Procedure.EXTENSION):
            required("period_of_stay_until", until, fillable=True)
            if until is not None and until < registry.today:
                report("period_of_stay_until", "BULK-PERIOD-ENDED", value=until.isoformat())
        prefecture = get("prefecture")
        if prefecture.isdigit() and len(prefecture) == 1:
            prefecture = "0" + prefecture  # a spreadsheet stored 01 as the number 1
        if prefecture and prefecture not in registry.prefectures:
            report("prefecture", "BULK-PREFECTURE", value=prefecture)
        required("prefecture", prefecture)
        address = required("address", text("address"))
        email = text("notification_email")
        if email and not _email_ok(email):
            report("notification_email", "BULK-EMAIL", value=email)
        for key, value in (("subject_name", name), ("nationality", nationality), ("address", address)):
            if value and looks_like_my_number(value):
                report(key, "BULK-MY-NUMBER")
        if not card and e is not None:
            card = e.residence_card_number
        with_reentry = bool(flag("with_reentry")) if self.accompanying else False
        multiple = bool(flag("reentry_multiple")) if self.accompanying else False
        with_extra = bool(flag("with_extra_activity")) if self.accompanying else False
        if multiple and not with_reentry:
            report("reentry_multiple", "BULK-REENTRY-MULTIPLE")
        unable = bool(flag("subject_unable"))
        family = flag("family_in_japan", empty=None)
        with_: tuple[Procedure, ...] = ()
        if with_reentry:
            with_ += (Procedure.REENTRY,)
        if with_extra:
            with_ += (Procedure.EXTRA_ACTIVITY,)

        person: tuple[Any, ...] = (
            ("employee", e.pk)
            if e is not None
            else ("card", card)
            if card_ok
            else ("person", name, born, nationality)
        )
        other = self.seen.get(person)
        if other is not None:
            report(picked_by, "BULK-DUPLICATE", other=other)
        else:
            self.seen[person] = row

        staged: list[Any] = [
            row, e.pk if e else employee_id, e.institution_id if e else None, card, name, nationality,
            born.isoformat() if born else None, sex, status, notice, current_status,
            until.isoformat() if until else None, prefecture, address, email, with_reentry, multiple,
            with_extra, unable, family, "",
        ]  # fmt: skip

        # The matrix, whenever the facts it reads could be read: a denied row says why even if
        # another column is also wrong.
        decision: PermissionDecision | None = None
        if status and "date_of_birth" not in bad and "period_of_stay_until" not in bad:
            case = self.case(status, notice, with_, born, unable, family, until, e)
            decision = self.decide(row, case, unknown=unknown, picked_by=picked_by, found=found)
        if found:
            staged[S["decision"]] = (
                Decision.DENIED.value if decision is not None and not decision.allowed else ""
            )
            errors.extend(found)
            return CheckedRow(row, None, e, None, staged)
        assert born is not None and decision is not None
        staged[S["decision"]] = decision.decision.value
        data = ApplicantInput(
            procedure=self.procedure, status=status, subject_name=name, nationality=nationality,
            date_of_birth=born, sex=sex, prefecture_code=prefecture, address=address, with_=with_, notice=notice,
            current_status=current_status, period_of_stay_until=until, residence_card_number=card,
            notification_email=email, employee_id=e.pk if e else None, subject_unable=unable,
            family_in_japan=family, details={"reentry_multiple": multiple} if with_reentry else {},
        )  # fmt: skip
        return CheckedRow(row, data, e, decision, staged)

    def case(
        self, status: str, notice: str, with_: tuple[Procedure, ...], born: date | None, unable: bool,
        family: bool | None, until: date | None, employee: Employee | None,
    ) -> PermissionCase:  # fmt: skip
        registry = self.registry
        return PermissionCase(
            on=registry.today, filer=registry.kind, procedure=self.procedure, status=status, with_=with_,
            notice=notice or None, subject_age=age_on(born, registry.today) if born else None,
            subject_unable=unable, family_in_japan=family, filer_age=registry.filer_age,
            affiliated=(employee is not None and employee.affiliated) if registry.institution_side else None,
            # An employee outside the filer's institutions is, for the matrix, not affiliated (and,
            # for delegated filers, not covered by a request).
            delegation_active=(employee is not None) if registry.kind in DELEGATED_FILERS else None,
            last_day_of_stay=until == registry.today,
        )  # fmt: skip

    def decide(
        self, row: int, case: PermissionCase, *, unknown: bool, picked_by: str, found: list[RowError]
    ) -> PermissionDecision | None:
        """The matrix's decision, once per distinct case; a denial adds every reason to ``found``."""
        decision = self.decisions.get(case)
        if decision is None:
            try:
                decision = permission_check(case)
            except CaseIncomplete as exc:
                decision = exc
            self.decisions[case] = decision
        if isinstance(decision, CaseIncomplete):
            if not found:  # a fact missing because its column is wrong is already reported
                column = _CASE_FIELD_COLUMN.get(decision.field_name, "")
                found.append(RowError(row, column, "BULK-CASE-INCOMPLETE", decision.ja, decision.en))
            return None
        if decision.decision is Decision.DENIED:
            for reason in decision.reasons:
                column = _REASON_COLUMN.get(reason.code, "")
                ja, en = reason.ja, reason.en
                if column == "employee_id":
                    column = picked_by
                    if unknown:
                        ja += "（この人は、あなたが申請できる機関の外国人従業員名簿にありません。）"
                        en += " (This person is not in the registry of an institution you may file for.)"
                found.append(RowError(row, column, reason.code, ja, en))
        return decision

    def _staged_raw(self, row: int, cells: list[Any]) -> list[Any]:
        staged: list[Any] = [None] * len(STAGED_FIELDS)
        staged[S["row"]] = row
        name = self.cell(cells, "subject_name")
        staged[S["subject_name"]] = name if isinstance(name, str) and not is_formula(name) else ""
        staged[S["decision"]] = ""
        return staged


# --- the whole file ----------------------------------------------------------------------------


@dataclass
class Result:
    encoding: str
    total_rows: int
    rows: list[CheckedRow]
    errors: list[RowError]

    @property
    def valid(self) -> bool:
        return not self.errors


def read_and_check(
    *,
    binary: IO[bytes],
    file_format: str,
    procedure: Procedure | str,
    user: Any,
    today: date,
    progress: Callable[[int, int | None], None] | None = None,
) -> Result:
    """Every row of the file checked; raises ImportRefused when the file as a whole is wrong."""
    procedure = Procedure(procedure)
    source = open_source(binary, file_format)
    try:
        return _check_rows(source, procedure, user, today, progress)
    finally:
        source.close()


def _check_rows(
    source: RowSource,
    procedure: Procedure,
    user: Any,
    today: date,
    progress: Callable[[int, int | None], None] | None,
) -> Result:
    rows_in = iter(source)
    first = next(rows_in, None)
    if first is None or not any(_text(c) for c in first[1]):
        raise ImportRefused([error(0 if first is None else 1, "", "BULK-EMPTY")])
    positions = read_header(first[1], procedure)
    # Formulas in the header are not a header; read_header refused anything but the keys.
    registry = registry_for(user=user, today=today)
    checker = RowChecker(registry=registry, procedure=procedure, positions=positions)
    limit = max_rows()
    errors: list[RowError] = []
    checked: list[CheckedRow] = []
    estimated = source.estimated_rows
    for number, cells in rows_in:
        if not cells:
            continue
        head = cells[0]
        if isinstance(head, str) and head.lstrip().startswith(COMMENT_MARK):
            continue
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        if len(checked) >= limit:
            raise ImportRefused([error(number, "", "BULK-TOO-MANY-ROWS", limit=limit)])
        checked.append(checker.check(number, cells, errors))
        if progress is not None and len(checked) % PROGRESS_EVERY == 0:
            progress(len(checked), estimated)
    if not checked:
        raise ImportRefused([error(0, "", "BULK-NO-ROWS")])
    return Result(encoding=source.encoding, total_rows=len(checked), rows=checked, errors=errors)


# --- checking staged rows again on the day of the commit ----------------------------------------------


def recheck_staged(
    *, staged: list[list[Any]], procedure: Procedure | str, user: Any, today: date
) -> tuple[list[CheckedRow], list[RowError]]:
    """The commit's check: the registry and the matrix as they are today, on the rows as staged.

    The file is not read again: its rows were parsed, normalised and checked for form by the
    validation, and the preview showed them so. What can change since then is looked at afresh:
    whether each employee is still one the filer may file for and still affiliated, the filer's
    own standing, ages, the period of stay (ended, or its last day), and the matrix version."""
    procedure = Procedure(procedure)
    registry = registry_for(user=user, today=today)
    checker = RowChecker(registry=registry, procedure=procedure, positions={})
    period_needed = procedure in (Procedure.CHANGE, Procedure.EXTENSION)
    errors: list[RowError] = []
    rows: list[CheckedRow] = []
    (i_row, i_emp, i_card, i_name, i_nat, i_born, i_sex, i_status, i_notice, i_current, i_until, i_pref,
     i_addr, i_mail, i_re, i_multi, i_extra, i_unable, i_family) = (
        S[k] for k in STAGED_FIELDS[:2] + STAGED_FIELDS[3:-1]
    )  # fmt: skip
    for r in staged:
        row = r[i_row]
        found: list[RowError] = []
        employee: Employee | None = None
        unknown = False
        if registry.institution_side:
            employee = registry.by_id.get(r[i_emp]) if r[i_emp] is not None else None
            unknown = employee is None
        born = date.fromisoformat(r[i_born])
        until = date.fromisoformat(r[i_until]) if r[i_until] else None
        if period_needed and until is not None and until < today:
            found.append(error(row, "period_of_stay_until", "BULK-PERIOD-ENDED", value=until.isoformat()))
        with_: tuple[Procedure, ...] = ()
        if r[i_re]:
            with_ += (Procedure.REENTRY,)
        if r[i_extra]:
            with_ += (Procedure.EXTRA_ACTIVITY,)
        case = checker.case(r[i_status], r[i_notice], with_, born, r[i_unable], r[i_family], until, employee)
        picked_by = "employee_id" if registry.institution_side else "residence_card_number"
        decision = checker.decide(row, case, unknown=unknown, picked_by=picked_by, found=found)
        if found or decision is None:
            errors.extend(found)
            continue
        data = ApplicantInput(
            procedure=procedure, status=r[i_status], subject_name=r[i_name], nationality=r[i_nat], date_of_birth=born,
            sex=r[i_sex], prefecture_code=r[i_pref], address=r[i_addr], with_=with_, notice=r[i_notice],
            current_status=r[i_current], period_of_stay_until=until, residence_card_number=r[i_card],
            notification_email=r[i_mail], employee_id=employee.pk if employee else None, subject_unable=r[i_unable],
            family_in_japan=r[i_family], details={"reentry_multiple": r[i_multi]} if r[i_re] else {},
        )  # fmt: skip
        rows.append(CheckedRow(row, data, employee, decision, r))
    return rows, errors
