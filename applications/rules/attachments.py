"""Attachment rules in force (§7.4, §13 D8): the 2022 rules allow one PDF of up to 10 MB per upload;
from 2026-01-05 several files up to 25 MB in total, the photo included. PDFs are checked by content
(usage_requests.documents: not encrypted, no restrictions, parseable). The photo is JPEG or PNG,
checked by its bytes, up to 5 MB (our rule: the sources give none)."""

from __future__ import annotations

from datetime import date

from usage_requests.documents import LIMITS_2022, LIMITS_2026, MiB, UploadLimits, UploadProblem, check_pdf

RULES_2026_FROM = date(2026, 1, 5)
PHOTO_MAX_BYTES = 5 * MiB


def limits_on(day: date) -> UploadLimits:
    return LIMITS_2026 if day >= RULES_2026_FROM else LIMITS_2022


def photo_counts_in_total(day: date) -> bool:
    return day >= RULES_2026_FROM


def check_photo(data: bytes, *, day: date, uploaded_bytes: int = 0) -> UploadProblem | None:
    if not (data.startswith(b"\xff\xd8\xff") or data.startswith(b"\x89PNG\r\n\x1a\n")):
        return UploadProblem(
            "photo_format",
            "写真はJPEG又はPNG形式のファイルにしてください（ファイルの中身で判定しています）。",
            "The photo must be a JPEG or PNG file (we check the file's content, not its name).",
        )
    if len(data) > PHOTO_MAX_BYTES:
        return UploadProblem(
            "photo_too_large",
            f"写真は{PHOTO_MAX_BYTES // MiB}MB以下にしてください（{len(data) / MiB:.1f}MB）。",
            f"The photo must be {PHOTO_MAX_BYTES // MiB} MB or less (this one is {len(data) / MiB:.1f} MB).",
        )
    limit = limits_on(day).max_total_bytes
    if photo_counts_in_total(day) and uploaded_bytes + len(data) > limit:
        return UploadProblem(
            "total_too_large",
            f"写真を含めた添付ファイルの合計は{limit // MiB}MBまでです。ほかのファイルを小さくしてください。",
            f"All attachments together, the photo included, may be at most {limit // MiB} MB. Make the other files "
            "smaller.",
        )
    return None


def check_document(
    data: bytes, *, day: date, uploaded_bytes: int, uploaded_files: int
) -> UploadProblem | None:
    return check_pdf(
        data,
        limits=limits_on(day),
        already_uploaded_bytes=uploaded_bytes,
        already_uploaded_files=uploaded_files,
    )
