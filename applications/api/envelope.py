"""The signed payload of an API submission (署名付与, §8, §13 D10), read and checked as plain data.

A submission is a multipart request: the part ``payload`` (JSON), the part ``signature`` (a
detached CMS SignedData over the payload's RFC 8785 canonical bytes) and one part per attachment.
The payload lists every attachment with its SHA-256 and size, so the one signature covers the
files too. Nothing here touches the database.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from applications.api.canonical import PayloadError, canonical, payload_load

APPLICATION_TYPE = "zairyu.application/v1"
SUPPLEMENT_TYPE = "zairyu.supplement/v1"
FILE_KINDS = ("document", "photo")
MAX_FILES = 20
_PART = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_TOP_KEYS = {
    APPLICATION_TYPE: {"type", "operator", "application", "attachments", "register", "filer_role"},
    SUPPLEMENT_TYPE: {"type", "operator", "application", "supplement", "note", "attachments", "filer_role"},
}
REGISTER_KEYS = frozenset({"role", "email", "phone", "residence_card_number", "relationship", "language"})
_REQUIRED = {
    APPLICATION_TYPE: ("type", "operator", "application", "attachments"),
    SUPPLEMENT_TYPE: ("type", "operator", "application", "supplement", "attachments"),
}


@dataclass
class Refusal(Exception):
    """Why a submission is refused: HTTP status, a stable code, the message in both languages and,
    for field errors, ``errors`` (each with ``field``, ``code``, ``ja``, ``en``)."""

    status: int
    code: str
    ja: str
    en: str
    extra: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.code}: {self.en}"


def field_error(path: str, code: str, ja: str, en: str) -> dict[str, str]:
    return {"field": path, "code": code, "ja": ja, "en": en}


def invalid(errors: list[dict[str, str]]) -> Refusal:
    return Refusal(
        400, "invalid", "入力内容に誤りがあります（errors を参照）。", "The payload has errors (see errors).",
        {"errors": errors},
    )  # fmt: skip


@dataclass(frozen=True)
class FileEntry:
    part: str
    kind: str
    name: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Envelope:
    type: str
    payload: dict[str, Any]
    files: tuple[FileEntry, ...]
    signed_content: bytes  # the canonical bytes the CMS signs

    @property
    def content_sha256(self) -> str:
        return hashlib.sha256(self.signed_content).hexdigest()


def _files(value: Any, errors: list[dict[str, str]]) -> tuple[FileEntry, ...]:
    if not isinstance(value, list):
        errors.append(field_error("attachments", "type", "配列で指定してください。", "Must be an array."))
        return ()
    if len(value) > MAX_FILES:
        errors.append(field_error("attachments", "too_many", f"添付は{MAX_FILES}件までです。",
                                  f"At most {MAX_FILES} attachments."))  # fmt: skip
        return ()
    entries: list[FileEntry] = []
    for index, item in enumerate(value):
        path = f"attachments[{index}]"
        if not isinstance(item, dict) or set(item) != {"part", "kind", "name", "sha256", "size"}:
            errors.append(field_error(
                path, "shape", "part, kind, name, sha256, size の5項目を持つオブジェクトにしてください。",
                "Each attachment is an object with exactly part, kind, name, sha256 and size.",
            ))  # fmt: skip
            continue
        part, kind, name, digest, size = (item[k] for k in ("part", "kind", "name", "sha256", "size"))
        ok = True
        if not isinstance(part, str) or not _PART.match(part) or part in ("payload", "signature"):
            errors.append(field_error(
                f"{path}.part", "part", "部分名は英数字と _ . - の40字以内です（payload, signature 以外）。",
                "The part name is up to 40 letters, digits, _ . - (not payload or signature).",
            ))  # fmt: skip
            ok = False
        if kind not in FILE_KINDS:
            errors.append(field_error(f"{path}.kind", "kind", "kind は document 又は photo です。",
                                      "kind is document or photo."))  # fmt: skip
            ok = False
        if not isinstance(name, str) or not 1 <= len(name) <= 200 or any(c in name for c in "/\\\x00"):
            errors.append(field_error(f"{path}.name", "name", "ファイル名（200字以内、/ \\ を含まない）を指定してください。",
                                      "Give the file name (up to 200 characters, no / or \\)."))  # fmt: skip
            ok = False
        if not isinstance(digest, str) or not _SHA256.match(digest):
            errors.append(field_error(f"{path}.sha256", "sha256", "sha256 は小文字16進64桁です。",
                                      "sha256 is 64 lower-case hex digits."))  # fmt: skip
            ok = False
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            errors.append(field_error(f"{path}.size", "size", "size はバイト数（1以上の整数）です。",
                                      "size is the number of bytes (a whole number, at least 1)."))  # fmt: skip
            ok = False
        if ok and any(e.part == part for e in entries):
            errors.append(field_error(f"{path}.part", "part_repeated", "部分名が重複しています。",
                                      "The part name is used twice."))  # fmt: skip
            ok = False
        if ok:
            entries.append(FileEntry(part, kind, name, digest, size))
    return tuple(entries)


def envelope_read(raw: bytes, *, expected_type: str, operator_number: str) -> Envelope:
    """The payload, checked for shape: its type, the operator it is addressed to, its attachment
    list. The contents of ``application`` are checked later against the application schema."""
    try:
        payload = payload_load(raw)
    except PayloadError as exc:
        raise invalid(
            [field_error(exc.field or "payload", "json", f"JSONとして読めません: {exc}", str(exc))]
        ) from None
    errors: list[dict[str, str]] = []
    if payload.get("type") != expected_type:
        errors.append(field_error("type", "type", f"type は “{expected_type}” です。",
                                  f"type must be “{expected_type}”."))  # fmt: skip
        raise invalid(errors)
    for key in sorted(set(payload) - _TOP_KEYS[expected_type]):
        errors.append(field_error(key, "unknown", "この項目は使えません。", "Unknown field."))
    for key in _REQUIRED[expected_type]:
        if key not in payload:
            errors.append(field_error(key, "required", "必須です。", "Required."))
    if "operator" in payload and payload["operator"] != operator_number:
        errors.append(field_error(
            "operator", "operator", "operator には貴社の法人番号（この認証情報の事業者）を入れて署名してください。",
            "operator must be your corporate number (the operator of this credential), signed with the rest.",
        ))  # fmt: skip
    files = _files(payload.get("attachments", []), errors)
    for key in ("register", "application") if expected_type == APPLICATION_TYPE else ():
        if key in payload and not isinstance(payload[key], dict):
            errors.append(field_error(key, "type", "オブジェクトで指定してください。", "Must be an object."))
    if isinstance(payload.get("register"), dict):
        for key, value in sorted(payload["register"].items()):
            if key not in REGISTER_KEYS:
                errors.append(
                    field_error(f"register.{key}", "unknown", "この項目は使えません。", "Unknown field.")
                )
            elif not isinstance(value, str):
                errors.append(
                    field_error(f"register.{key}", "type", "文字列で指定してください。", "Must be a string.")
                )
    if expected_type == SUPPLEMENT_TYPE:
        # Typed here, so that "1" or true is never taken for the request 1 (true == 1 in Python).
        if "application" in payload and not isinstance(payload["application"], str):
            errors.append(field_error("application", "type", "申請番号（文字列）で指定してください。",
                                      "Must be the application number (a string)."))  # fmt: skip
        supplement = payload.get("supplement")
        if "supplement" in payload and (isinstance(supplement, bool) or not isinstance(supplement, int)):
            errors.append(field_error("supplement", "type", "追完の求めの id（整数）で指定してください。",
                                      "Must be the id of the supplement request (an integer)."))  # fmt: skip
    if "filer_role" in payload and not isinstance(payload["filer_role"], str):
        errors.append(field_error("filer_role", "type", "文字列で指定してください。", "Must be a string."))
    if errors:
        raise invalid(errors)
    return Envelope(expected_type, payload, files, canonical(payload))


def uploads_match(envelope: Envelope, uploads: dict[str, bytes]) -> None:
    """Every listed attachment arrived with the signed digest and size, and nothing else came."""
    for index, entry in enumerate(envelope.files):
        data = uploads.get(entry.part)
        path = f"attachments[{index}]"
        if data is None:
            raise invalid([field_error(path, "part_missing", f"部分 “{entry.part}” が送られていません。",
                                       f"The part “{entry.part}” was not sent.")])  # fmt: skip
        if len(data) != entry.size or hashlib.sha256(data).hexdigest() != entry.sha256:
            raise Refusal(
                422, "signature_invalid",
                f"添付 “{entry.name}” が署名された内容と一致しません（SHA-256 又はサイズが違います）。",
                f"The attachment “{entry.name}” is not what was signed (its SHA-256 or size differs).",
                {"field": path},
            )  # fmt: skip
    extra = sorted(set(uploads) - {e.part for e in envelope.files})
    if extra:
        raise invalid([field_error(name, "part_unlisted", "attachments に載っていない部分です。",
                                   "This part is not listed in attachments.") for name in extra])  # fmt: skip
