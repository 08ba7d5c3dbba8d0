"""Every write of the individuals app: one transaction, the row locked, the audit event inside it.

Lawyers and gyoseishoshi (§13 D5): reviewers and administrators maintain the register of
notified lawyers and gyoseishoshi (one by one, or by a CSV/XLSX import that writes every row or
none); a lawyer or gyoseishoshi registers online and gets an authentication ID at once when the
certificate number, name and date of birth match an entry valid that day. Attempts are limited
per address and per certificate number, so that numbers (or the birth date that goes with a
known number) cannot be guessed.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.access.roles import Role
from backoffice.audit.services import audit_log
from backoffice.text import looks_like_my_number, nfkc, reject_my_number
from individuals import certno, selectors
from individuals.mail import mail_notify
from individuals.models import (
    AgentKind,
    AgentRegisterEntry,
    AgentRegistration,
    CertificateCode,
    RegisterImport,
    RegisterStatus,
    RegistrationState,
    RegistrationThrottle,
)
from individuals.resources import (
    IMPORT_FIELDS,
    bureau_aliases,
    choice_aliases,
    column_aliases,
    normalised_key,
)
from institutions.services import field_changes, snapshot
from usage_requests import auth_ids
from usage_requests.models import AuthenticationId

ENTRY_FIELDS = list(IMPORT_FIELDS)
ROLE_OF_KIND = {AgentKind.LAWYER: Role.LAWYER, AgentKind.GYOSEISHOSHI: Role.GYOSEISHOSHI}

# Attempts per window (seconds). Per address: against sweeping the number space. Per number:
# against guessing the name and date of birth that go with a known number (about 36,500
# birth dates in a century). A legitimate user who mistypes a few times stays well inside both.
DEFAULT_RATE_LIMITS: dict[str, tuple[int, int]] = {"ip": (20, 3600), "number": (5, 24 * 3600)}

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 5000


# --- the register ------------------------------------------------------------------------------


def _guard_free_text(data: Mapping[str, Any]) -> None:
    """The register's free text refuses a My Number, whichever way it arrives (§13 D12)."""
    errors: dict[str, ValidationError] = {}
    for name in AgentRegisterEntry.FREE_TEXT_FIELDS:
        try:
            reject_my_number(str(data.get(name) or ""))
        except ValidationError as exc:
            errors[name] = exc
    if errors:
        raise ValidationError(errors)


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return {"id": value.pk, "label": str(value)}
    if isinstance(value, date):
        return value.isoformat()
    return value


def _check_manage(actor: Any, bureau_id: int | None) -> None:
    if bureau_id is None or not selectors.bureaus_manageable_by(user=actor).filter(pk=bureau_id).exists():
        raise PermissionDenied


def _bureau_id(data: Mapping[str, Any]) -> int | None:
    bureau = data.get("bureau")
    return getattr(bureau, "pk", bureau)


def _create(*, actor: Any, data: Mapping[str, Any], import_id: int | None = None) -> AgentRegisterEntry:
    entry = AgentRegisterEntry(**{name: data[name] for name in ENTRY_FIELDS if name in data})
    entry.updated_by = actor
    entry.full_clean()
    entry.save()
    fields = {name: _jsonable(getattr(entry, name)) for name in ENTRY_FIELDS if name in data}
    audit_log(
        actor=actor, action="agent_register_entry.created", target=entry, institution_id=None,
        data={"fields": fields, **({"import": import_id} if import_id else {})},
    )  # fmt: skip
    return entry


def _update(
    *, actor: Any, entry_id: int, data: Mapping[str, Any], import_id: int | None = None, today: date
) -> AgentRegisterEntry:
    entry = AgentRegisterEntry.objects.select_for_update().get(pk=entry_id)
    _check_manage(actor, entry.bureau_id)
    names = [name for name in ENTRY_FIELDS if name in data]
    before = snapshot(entry, names)
    for name in names:
        setattr(entry, name, data[name])
    changes = field_changes(entry, before, names)
    if not changes:
        return entry
    _check_manage(actor, entry.bureau_id)  # a bureau may hand an entry only to itself
    entry.updated_by = actor
    entry.full_clean()
    entry.save()
    audit_log(
        actor=actor, action="agent_register_entry.updated", target=entry, institution_id=None,
        data={"changes": changes, **({"import": import_id} if import_id else {})},
    )  # fmt: skip
    _follow_register(entry, actor=actor, today=today)
    return entry


def register_entry_create(*, actor: Any, data: Mapping[str, Any]) -> AgentRegisterEntry:
    """A reviewer of the entry's bureau, or an administrator, adds a notified lawyer or
    gyoseishoshi. ``data`` is a validated form's cleaned data."""
    _guard_free_text(data)
    _check_manage(actor, _bureau_id(data))
    with transaction.atomic():
        return _create(actor=actor, data=data)


def register_entry_update(
    *, actor: Any, entry_id: int, data: Mapping[str, Any], today: date | None = None
) -> AgentRegisterEntry:
    """Change an entry. When it stops being valid (suspended, withdrawn, expired) the
    registration bound to it follows in the same transaction: suspended, or revoked for a
    withdrawal; it is usable again when the entry is valid again."""
    _guard_free_text(data)
    today = today or timezone.localdate()
    with transaction.atomic():
        return _update(actor=actor, entry_id=entry_id, data=data, today=today)


def _follow_register(entry: AgentRegisterEntry, *, actor: Any, today: date) -> None:
    registration = (
        AgentRegistration.objects.select_for_update()
        .select_related("user")
        .filter(entry=entry)
        .exclude(state=RegistrationState.REVOKED)
        .first()
    )
    if registration is None:
        return
    user = registration.user
    if entry.status == RegisterStatus.WITHDRAWN:
        registration.state = RegistrationState.REVOKED
        registration.revoked_at = timezone.now()
        registration.revocation_reason = "register"
        action, mail, active = "agent_registration.revoked", "agent_revoked", False
    elif not entry.is_valid_on(today) and registration.state == RegistrationState.ACTIVE:
        registration.state = RegistrationState.SUSPENDED
        action, mail, active = "agent_registration.suspended", "agent_suspended", False
    elif entry.is_valid_on(today) and registration.state == RegistrationState.SUSPENDED:
        registration.state = RegistrationState.ACTIVE
        action, mail, active = "agent_registration.reinstate", "agent_reinstated", True
    else:
        return
    registration.save(update_fields=["state", "revoked_at", "revocation_reason"])
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit_log(
        actor=actor, action=action, target=registration, institution_id=None,
        data={"entry": entry.pk, "user": user.username, "entry_status": entry.status},
    )  # fmt: skip
    mail_notify(
        name=mail, recipient=user, url=reverse("access:login"),
        context={"code": registration.auth_code, "number": entry.certificate_number,
                 "login_url": f"{settings.SITE_URL}{reverse('access:login')}"},
    )  # fmt: skip


# --- import ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int  # the spreadsheet's row number: the header is row 1
    column: str
    message: str

    def __str__(self) -> str:
        where = _("Row %(row)d") % {"row": self.row} if self.row else _("File")
        return f"{where}, {self.column}: {self.message}" if self.column else f"{where}: {self.message}"


@dataclass
class RegisterImportRejected(Exception):
    """Nothing was imported; ``errors`` says where and why."""

    errors: list[RowError] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(str(e) for e in self.errors)


@dataclass(frozen=True)
class RegisterImportResult:
    record: RegisterImport
    created: int
    updated: int


def _file_error(message: str) -> RegisterImportRejected:
    return RegisterImportRejected([RowError(0, "", message)])


def register_import_read(*, file_name: str, content: bytes) -> list[list[Any]]:
    """The file's rows (header first), read with django-import-export's formats."""
    from import_export.formats.base_formats import CSV, XLSX

    suffix = PurePath(file_name).suffix.lower()
    if len(content) > MAX_IMPORT_BYTES:
        raise _file_error(_("The file is larger than 5 MB; split it into several imports."))
    try:
        if suffix == ".csv":
            text = _decode(content)
            dataset = CSV().create_dataset(text)
        elif suffix == ".xlsx":
            dataset = XLSX().create_dataset(content)
        else:
            raise _file_error(_("Upload a .csv or .xlsx file."))
    except RegisterImportRejected:
        raise
    except Exception as exc:  # a damaged file: say so rather than fail with a server error
        raise _file_error(_("The file cannot be read as %(kind)s.") % {"kind": suffix[1:].upper()}) from exc
    rows: list[list[Any]] = [list(dataset.headers or [])] + [list(row) for row in dataset]
    return rows


def _decode(content: bytes) -> str:
    """UTF-8 (with or without BOM), else Shift_JIS as Excel on Japanese Windows writes it."""
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        return text
    raise _file_error(_("The CSV file must be UTF-8 or Shift_JIS text."))


def _cell_text(value: Any, *, column: str) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        # A spreadsheet that stored the certificate number as a number dropped its leading zeros.
        return f"{value:012d}" if column == "certificate_number" and 0 <= value < 10**12 else str(value)
    return nfkc(str(value))


def _row_data(
    cells: dict[str, str], row: int, errors: list[RowError], labels: dict[str, str]
) -> dict[str, Any]:
    kinds, statuses, bureaus = choice_aliases(AgentKind), choice_aliases(RegisterStatus), bureau_aliases()
    data: dict[str, Any] = dict(cells)
    for name, table in (("kind", kinds), ("status", statuses)):
        text = cells.get(name, "")
        if name == "status" and not text:
            data[name] = RegisterStatus.ACTIVE
        elif text:
            data[name] = table.get(normalised_key(text), text)
    text = cells.get("bureau", "")
    if text:
        bureau = bureaus.get(normalised_key(text))
        if bureau is None:
            errors.append(
                RowError(
                    row, labels["bureau"], _("No regional bureau is called “%(text)s”.") % {"text": text}
                )
            )
        data["bureau"] = bureau
    return data


def _form_value(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else value


def _labels() -> dict[str, str]:
    labels = {}
    for name in IMPORT_FIELDS:
        model_field = AgentRegisterEntry._meta.get_field(name)
        assert isinstance(model_field, models.Field)
        labels[name] = str(model_field.verbose_name)
    return labels


def register_import(
    *, actor: Any, file_name: str, content: bytes, today: date | None = None
) -> RegisterImportResult:
    """Import a CSV or XLSX file into the register: every row or none.

    Each row is checked exactly as the form checks one entry (the same form class), and
    against the actor's bureaus; a row whose certificate number is already in the register
    updates that entry. If any row is wrong, nothing is written and every problem is
    reported with its row number. Otherwise one transaction creates and updates the rows,
    each with its audit event, and records the import."""
    from individuals.forms import RegisterEntryForm

    today = today or timezone.localdate()
    file_name = PurePath(nfkc(file_name)).name[:255]
    try:
        reject_my_number(file_name)
    except ValidationError as exc:
        raise _file_error(str(exc.messages[0])) from exc
    rows = register_import_read(file_name=file_name, content=content)
    labels = _labels()
    header = rows[0]
    body = [(i + 2, r) for i, r in enumerate(rows[1:]) if any(c not in (None, "") for c in r)]
    if not body:
        raise _file_error(_("The file has no rows to import."))
    if len(body) > MAX_IMPORT_ROWS:
        raise _file_error(
            _("The file has %(n)d rows; import at most %(max)d at a time.")
            % {"n": len(body), "max": MAX_IMPORT_ROWS}
        )
    aliases = column_aliases()
    columns: list[str | None] = []
    errors: list[RowError] = []
    for title in header:
        key = aliases.get(normalised_key(title or ""))
        if key is None and str(title or "").strip():
            errors.append(
                RowError(1, str(title), _("Unknown column. Use the columns of the register's export."))
            )
        columns.append(key)
    if "certificate_number" not in columns:
        # Other columns may be left out when every row updates an entry (they keep their
        # values); a new entry without them fails on its row, naming each missing field.
        errors.append(
            RowError(1, "", _("Column missing: %(name)s.") % {"name": labels["certificate_number"]})
        )
    if errors:
        raise RegisterImportRejected(errors)

    table = selectors.code_table()
    manageable = set(selectors.bureaus_manageable_by(user=actor).values_list("pk", flat=True))
    planned: list[tuple[int | None, dict[str, Any]]] = []
    seen: dict[str, int] = {}
    for row, cells_in in body:
        cells = {
            key: _cell_text(value, column=key)
            for key, value in zip(columns, cells_in, strict=False)
            if key is not None
        }
        row_errors: list[RowError] = []
        data = _row_data(cells, row, row_errors, labels)
        number = ""
        with contextlib.suppress(
            certno.CertificateNumberError
        ):  # the form reports it, in the user's language
            number = certno.to_number(cells.get("certificate_number", ""), table)
        existing = AgentRegisterEntry.objects.filter(certificate_number=number).first() if number else None
        if number and number in seen:
            row_errors.append(
                RowError(row, labels["certificate_number"],
                         _("The same certificate number is on row %(other)d.") % {"other": seen[number]})
            )  # fmt: skip
        if number:
            seen.setdefault(number, row)
        if existing is not None and existing.bureau_id not in manageable:
            row_errors.append(
                RowError(row, labels["certificate_number"],
                         _("This number is in the register of %(bureau)s; only its reviewers may change it.")
                         % {"bureau": existing.bureau})
            )  # fmt: skip
            errors.extend(row_errors)
            continue  # nothing else of this row matters
        if existing is None and data.get("bureau") is not None and data["bureau"] not in manageable:
            row_errors.append(
                RowError(row, labels["bureau"], _("You may add entries only for your own bureau."))
            )
        if existing is not None:
            # Columns the file leaves out keep the entry's current values.
            for name in ENTRY_FIELDS:
                if name not in columns:
                    data[name] = _form_value(getattr(existing, "bureau_id" if name == "bureau" else name))
        form = RegisterEntryForm(
            {k: v for k, v in data.items() if v is not None}, instance=existing, user=actor, code_table=table
        )
        reported = {e.column for e in row_errors}
        if not form.is_valid():
            for name, messages in form.errors.items():
                column = labels.get(name, "")
                if column and column in reported:
                    continue  # already said more precisely above
                row_errors.extend(RowError(row, column, str(m)) for m in messages)
        errors.extend(row_errors)
        if not row_errors:
            planned.append(
                (existing.pk if existing else None, {n: form.cleaned_data[n] for n in ENTRY_FIELDS})
            )
    if errors:
        raise RegisterImportRejected(errors)

    with transaction.atomic():
        record = RegisterImport.objects.create(
            file_name=file_name, sha256=hashlib.sha256(content).hexdigest(), rows=len(planned), created=0,
            updated=0, imported_by=actor,
        )  # fmt: skip
        created = updated = 0
        for entry_id, data in planned:
            _guard_free_text(data)
            if entry_id is None:
                _check_manage(actor, _bureau_id(data))
                _create(actor=actor, data=data, import_id=record.pk)
                created += 1
            else:
                _update(actor=actor, entry_id=entry_id, data=data, import_id=record.pk, today=today)
                updated += 1
        record.created, record.updated = created, updated
        record.save(update_fields=["created", "updated"])
        audit_log(
            actor=actor, action="register_import.created", target=record, institution_id=None,
            data={"file": file_name, "sha256": record.sha256, "rows": len(planned), "created": created,
                  "updated": updated},
        )  # fmt: skip
    return RegisterImportResult(record=record, created=created, updated=updated)


# --- the code table ----------------------------------------------------------------------------


def certificate_code_save(
    *, actor: Any, code: CertificateCode, changed: Sequence[str] = ()
) -> CertificateCode:
    """An administrator adds or changes a row of the code table (from the Django admin)."""
    if getattr(actor, "role", None) != Role.ADMINISTRATOR:
        raise PermissionDenied
    for name in ("symbol", "label", "source"):
        reject_my_number(getattr(code, name))
    with transaction.atomic():
        creating = code.pk is None
        before: dict[str, Any] = {}
        if not creating:
            before = snapshot(CertificateCode.objects.select_for_update().get(pk=code.pk), list(changed))
        code.full_clean()
        code.save()
        if creating:
            data = {
                "fields": {
                    n: getattr(code, n) for n in ("kind", "symbol", "code", "label", "source", "active")
                }
            }
        else:
            data = {"changes": field_changes(code, before, list(changed))}
        audit_log(
            actor=actor, action=f"certificate_code.{'created' if creating else 'updated'}", target=code,
            institution_id=None, data=data,
        )  # fmt: skip
    return code


def certificate_code_delete(*, actor: Any, code: CertificateCode) -> None:
    if getattr(actor, "role", None) != Role.ADMINISTRATOR:
        raise PermissionDenied
    with transaction.atomic():
        audit_log(
            actor=actor, action="certificate_code.deleted", target=code, institution_id=None,
            data={"kind": code.kind, "symbol": code.symbol, "code": code.code},
        )  # fmt: skip
        code.delete()


# --- registration ------------------------------------------------------------------------------


class RegistrationThrottled(Exception):
    """Too many attempts from this address or for this certificate number."""

    def __init__(self, *, scope: str, retry_after: int) -> None:
        self.scope = scope
        self.retry_after = retry_after
        super().__init__(f"registration attempts limited ({scope}); retry after {retry_after} s")


def _rate_limits() -> dict[str, tuple[int, int]]:
    configured = getattr(settings, "AGENT_REGISTER_RATE_LIMITS", None) or {}
    return {**DEFAULT_RATE_LIMITS, **configured}


def number_key(number: str) -> str:
    """A keyed hash of the certificate number: the counters do not keep the numbers tried."""
    digest = hmac.new(settings.SECRET_KEY.encode(), number.encode("ascii"), hashlib.sha256).hexdigest()
    return f"number:{digest[:40]}"


def registration_throttle(
    *, ip_address: str | None, certificate_number: str, now: datetime | None = None
) -> None:
    """Count one registration attempt, or refuse it when a limit is reached.

    Fixed windows per key. The counters are locked (always in key order, so two attempts
    cannot deadlock) and counted in their own transaction, which commits even when the
    registration then fails: a failed guess still counts. The first refusal in a window is
    audited; later ones in the same window are not, so a flood cannot flood the audit log."""
    now = now or timezone.now()
    limits = _rate_limits()
    keys: list[tuple[str, str]] = [("number", number_key(certificate_number))]
    if ip_address:
        keys.append(("ip", f"ip:{ip_address}"))
    refused: tuple[str, int] | None = None
    with transaction.atomic():
        RegistrationThrottle.objects.bulk_create(
            [RegistrationThrottle(key=key, window_started_at=now, attempts=0) for _scope, key in keys],
            ignore_conflicts=True,
        )
        rows = {
            row.key: row
            for row in RegistrationThrottle.objects.select_for_update()
            .filter(key__in=[key for _scope, key in keys])
            .order_by("key")
        }
        for scope, key in keys:
            row = rows[key]
            limit, window = limits[scope]
            ends = row.window_started_at + timedelta(seconds=window)
            if ends <= now:
                row.window_started_at, row.attempts = now, 0
                ends = now + timedelta(seconds=window)
            if row.attempts >= limit and refused is None:
                refused = (scope, max(1, int((ends - now).total_seconds())))
                if row.attempts == limit:
                    audit_log(
                        actor=None, action="agent_registration.rate_limited", target=row, institution_id=None,
                        target_label=row.key if scope == "ip" else "number:…",
                        data={"scope": scope, "limit": limit, "window_seconds": window, "ip": ip_address or ""},
                    )  # fmt: skip
                    row.attempts = limit + 1  # marks "refusal audited" for this window
                    row.save(update_fields=["window_started_at", "attempts"])
        if refused is None:
            for _scope, key in keys:
                row = rows[key]
                row.attempts += 1
                row.save(update_fields=["window_started_at", "attempts"])
    if refused is not None:
        raise RegistrationThrottled(scope=refused[0], retry_after=refused[1])


def name_key(name: str) -> str:
    """How names are compared: NFKC, case-folded, without white space or middle dots.

    "山田 太郎", "山田　太郎" and "山田太郎" match; so do "YAMADA TARO" and "yamada taro". Nothing
    looser: a kana reading does not match kanji, and a different character is a different name."""
    text = nfkc(name).casefold()
    return "".join(ch for ch in "".join(text.split()) if ch not in "・･·")


def _mismatch(
    entry: AgentRegisterEntry | None, *, kind: str, name: str, date_of_birth: date, today: date
) -> str:
    """Why the entry does not admit this person (a code for the audit log), or ''."""
    if entry is None:
        return "not_in_register"
    if not entry.is_valid_on(today):
        return "entry_not_valid"
    if entry.kind != kind:
        return "profession"
    if name_key(name) not in {name_key(entry.name), name_key(entry.name_latin)} - {""}:
        return "name"
    if entry.date_of_birth != date_of_birth:
        return "date_of_birth"
    return ""


def no_match_message() -> str:
    return _(
        "The certificate number, name and date of birth do not match a valid entry in the register of "
        "notified lawyers and gyoseishoshi. Check them against your 届出済証明書. If they are right, "
        "contact the regional immigration services bureau you notified."
    )


def free_auth_code() -> str:
    user_model = get_user_model()
    for _attempt in range(8):
        code = auth_ids.generate()
        if looks_like_my_number(code):  # twelve of the digits 2-9 with a matching check digit: ~1 in 10^9
            continue
        taken = (
            user_model.objects.filter(username=code).exists()
            or AgentRegistration.objects.filter(auth_code=code).exists()
            or AuthenticationId.objects.filter(code=code).exists()
        )
        if not taken:
            return code
    raise RuntimeError("could not draw a free authentication ID")  # 32^11 codes: practically unreachable


def agent_register(
    *,
    certificate_number: str,
    name: str,
    date_of_birth: date,
    email: str,
    password: str,
    kind: str,
    language: str = "ja",
    ip_address: str | None = None,
    today: date | None = None,
) -> AgentRegistration:
    """Register a lawyer or gyoseishoshi and issue their authentication ID at once (§13 D5).

    The number (12 digits, or the old style converted by the code table), the profession, the
    name (compared by ``name_key``) and the date of birth must match an entry of the register
    that is valid today, and no live registration may exist for it. The attempt is counted
    first (``RegistrationThrottled`` when over a limit). A mismatch is audited with its reason
    but the person is told only that the details do not match, whichever did not, so that the
    page cannot be used to learn which numbers exist. The ID becomes the user name; the e-mail
    carries the ID, never the password."""
    today = today or timezone.localdate()
    if kind not in ROLE_OF_KIND:
        raise ValidationError({"kind": _("Choose lawyer or gyoseishoshi.")})
    try:
        number = certno.to_number(certificate_number, selectors.code_table())
    except certno.CertificateNumberError as exc:
        raise ValidationError({"certificate_number": exc.message(language)}) from exc
    name = " ".join(nfkc(name).split())
    if not name:
        raise ValidationError({"name": _("Write your name as on your certificate.")})
    try:
        reject_my_number(name)
    except ValidationError as exc:
        raise ValidationError({"name": exc}) from exc
    email = nfkc(email).lower()
    user_model = get_user_model()
    try:
        validate_password(password, user=user_model(username="", email=email, display_name=name))
    except ValidationError as exc:
        raise ValidationError({"password1": exc.messages}) from exc

    registration_throttle(ip_address=ip_address, certificate_number=number)

    refusal = ""
    registration: AgentRegistration | None = None
    with transaction.atomic():
        entry = AgentRegisterEntry.objects.select_for_update().filter(certificate_number=number).first()
        reason = _mismatch(entry, kind=kind, name=name, date_of_birth=date_of_birth, today=today)
        live = None
        if not reason and entry is not None:
            live = entry.registrations.exclude(state=RegistrationState.REVOKED).first()
            if live is not None:
                reason = "already_registered"
        if reason:
            target: Any = entry or RegistrationThrottle.objects.get(key=number_key(number))
            audit_log(
                actor=None, action="agent_registration.refused", target=target, institution_id=None,
                target_label=str(entry) if entry else "number:…",
                data={"reason": reason, "ip": ip_address or ""},
            )  # fmt: skip
            refusal = reason
        else:
            assert entry is not None
            registration = _issue(entry=entry, email=email, password=password, language=language,
                                  ip_address=ip_address)  # fmt: skip
    if refusal == "already_registered":
        raise ValidationError(
            _("You are already registered with this certificate number, and your authentication ID was "
              "sent by e-mail when you registered. If you have lost it, contact the regional immigration "
              "services bureau you notified.")
        )  # fmt: skip
    if refusal:
        raise ValidationError(no_match_message())
    assert registration is not None
    return registration


def _issue(
    *, entry: AgentRegisterEntry, email: str, password: str, language: str, ip_address: str | None
) -> AgentRegistration:
    user_model = get_user_model()
    for _attempt in range(8):
        code = free_auth_code()
        try:
            with transaction.atomic():
                user = user_model.objects.create_user(
                    username=code, email=email, password=password, role=ROLE_OF_KIND[AgentKind(entry.kind)],
                    display_name=entry.name, preferred_language=language if language in ("ja", "en") else "ja",
                )  # fmt: skip
                registration = AgentRegistration.objects.create(
                    user=user, entry=entry, auth_code=code, registered_from=ip_address or None
                )
            break
        except IntegrityError:
            if entry.registrations.exclude(state=RegistrationState.REVOKED).exists():
                raise ValidationError(_("This certificate number was registered a moment ago.")) from None
    else:
        raise RuntimeError("could not store a free authentication ID")
    audit_log(
        actor=user, action="agent_registration.created", target=registration, institution_id=None,
        data={"entry": entry.pk, "certificate_number": entry.certificate_number, "kind": entry.kind,
              "user": user.username, "ip": ip_address or ""},
    )  # fmt: skip
    login = reverse("access:login")
    mail_notify(
        name="agent_registered", recipient=user, url=login,
        context={"code": code, "number": entry.certificate_number, "kind": AgentKind(entry.kind).label,
                 "login_url": f"{settings.SITE_URL}{login}"},
    )  # fmt: skip
    return registration
