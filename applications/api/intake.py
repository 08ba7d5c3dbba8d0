"""The application inside an API payload, checked by the bulk templates' schema and rules: the same
fields (``columns_for``), the same parsing and messages (``RowChecker``), the same permission
matrix. One schema for the portal's bulk input and the API; its codes (``BULK-…``, ``PERM-…``) are
documented in docs/applications-bulk.md and docs/api.md."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from applications.api.envelope import Envelope, Refusal, field_error, invalid
from applications.bulk.errors import ImportRefused, RowError
from applications.bulk.importer import RowChecker, registry_for
from applications.bulk.templates import PRINCIPAL_PROCEDURES, columns_for
from applications.models import AttachmentKind
from applications.rules.attachments import check_document, check_photo, photo_counts_in_total
from applications.rules.catalogue import Procedure
from applications.rules.matrix import Filer
from applications.services import PHOTO_REQUIRED, ApplicantInput

PROCEDURE_CODES = tuple(p.value for p in PRINCIPAL_PROCEDURES)


def _field(column: str) -> str:
    return f"application.{column}" if column else "application"


def application_input(*, user: Any, body: dict[str, Any], today: date) -> ApplicantInput:
    """The payload's ``application`` object as the portal's input, or a Refusal listing every
    problem: 400 ``invalid`` for the fields, 422 ``not_permitted`` when the matrix denies it."""
    procedure = body.get("procedure")
    if procedure not in PROCEDURE_CODES:
        raise invalid([field_error(
            "application.procedure", "procedure", f"procedure は {', '.join(PROCEDURE_CODES)} のいずれかです。",
            f"procedure is one of {', '.join(PROCEDURE_CODES)}.",
        )])  # fmt: skip
    columns = columns_for(procedure)
    errors = [
        field_error(_field(key), "unknown", "この申請の項目ではありません。", f"Not a field of a {procedure} application.")
        for key in sorted(set(body) - {"procedure", *columns})
    ]  # fmt: skip
    for key in columns:
        value = body.get(key)
        if value is not None and not isinstance(value, str | bool | int):
            errors.append(field_error(_field(key), "type", "文字列・真偽値・整数のいずれかです。",
                                      "A string, a boolean or an integer."))  # fmt: skip
    if errors:
        raise invalid(errors)
    try:
        registry = registry_for(user=user, today=today)
    except ImportRefused as exc:
        first = exc.errors[0]
        raise Refusal(403, "filer_inactive", first.ja, first.en) from None
    present = [key for key in columns if key in body]
    checker = RowChecker(registry=registry, procedure=Procedure(procedure), positions={
        key: index for index, key in enumerate(present)})  # fmt: skip
    found: list[RowError] = []
    checked = checker.check(1, [body[key] for key in present], found)
    if found:
        denied = [e for e in found if e.code.startswith("PERM-")]
        listed = [field_error(_field(e.column), e.code, e.ja, e.en) for e in found]
        if denied:
            raise Refusal(
                422, "not_permitted",
                "許可の表（利用者区分ごとの申請可能な手続）により、この申請はできません（reasons を参照）。",
                "The permission matrix does not allow this application (see reasons).",
                {"reasons": [{"code": e.code, "ja": e.ja, "en": e.en} for e in denied], "errors": listed},
            )  # fmt: skip
        raise invalid(listed)
    assert checked.data is not None
    # The portal's own rule (services.permission_case_for), said here per field rather than left to
    # the service's one-language refusal: a foreign national files for themselves.
    registration = getattr(user, "cardholder", None)
    if (
        registry.kind is Filer.FOREIGN_NATIONAL
        and registration is not None
        and checked.data.date_of_birth != registration.date_of_birth
    ):
        raise invalid([field_error(
            "application.date_of_birth", "own_application",
            "外国人本人としては、ご自身の申請のみ行えます。生年月日はマイナンバーカードの記載と同じにしてください。",
            "As the foreign national you file for yourself: the date of birth must be the one on your card.",
        )])  # fmt: skip
    return checked.data


def attachments_check(
    envelope: Envelope, uploads: dict[str, bytes], *, day: date, photo_allowed: bool
) -> None:
    """Every file against the rules in force on ``day``, with the messages in both languages,
    before the portal's services store them; the photo where the procedure needs one."""
    errors: list[dict[str, str]] = []
    used_bytes = used_files = 0
    photos = 0
    for index, entry in enumerate(envelope.files):
        data = uploads[entry.part]
        path = f"attachments[{index}]"
        if entry.kind == AttachmentKind.PHOTO:
            photos += 1
            if not photo_allowed or photos > 1:
                errors.append(field_error(path, "photo_unexpected", "写真は申請ごとに1枚です（追完には書類のみ）。",
                                          "One photo per application (a supplement takes documents only)."))  # fmt: skip
                continue
            problem = check_photo(data, day=day, uploaded_bytes=used_bytes)
            if problem is None and photo_counts_in_total(day):
                used_bytes += len(data)
        else:
            problem = check_document(data, day=day, uploaded_bytes=used_bytes, uploaded_files=used_files)
            if problem is None:
                used_bytes, used_files = used_bytes + len(data), used_files + 1
        if problem is not None:
            errors.append(field_error(path, problem.code, problem.ja, problem.en))
    if photo_allowed:
        procedure = envelope.payload["application"].get("procedure")
        if not any(f.kind == AttachmentKind.DOCUMENT for f in envelope.files):
            errors.append(field_error("attachments", "document_required", "書類（PDF）を1件以上添付してください。",
                                      "Attach the documents (at least one PDF)."))  # fmt: skip
        if procedure in {p.value for p in PHOTO_REQUIRED} and photos == 0:
            errors.append(field_error("attachments", "photo_required", "この手続には写真（JPEG又はPNG）が必要です。",
                                      "This procedure needs the photo (JPEG or PNG)."))  # fmt: skip
    if errors:
        raise invalid(errors)


def refused_by_service(exc: ValidationError | PermissionDenied) -> Refusal:
    """What the portal's services said, for the API. Their messages were rendered once, in the
    request's language (Accept-Language), so both fields carry that text."""
    if isinstance(exc, PermissionDenied):
        return Refusal(403, "forbidden", "この操作は許可されていません。", "This is not allowed.")
    text = " ".join(exc.messages)
    return Refusal(422, "refused", text, text, {"language": translation.get_language() or "ja"})
