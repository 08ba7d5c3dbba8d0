"""Attaching PDFs to a usage request: the bytes are checked (usagerequests/documents.py)
against the rule set in force, stored under our own name, and the attachment is audited."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from backoffice.audit.services import audit_log
from backoffice.text import reject_my_number
from reviews.rules import ruleset_for
from usage_requests.documents import check_pdf, limits_for
from usage_requests.models import DocumentKind, RequestDocument, RequestState, UsageRequest
from usage_requests.selectors import may_file_for

EDITABLE = (RequestState.DRAFT, RequestState.RETURNED)


def _editable_by(request: UsageRequest, actor: Any) -> None:
    if request.state not in EDITABLE:
        raise ValidationError(_("Documents can be changed only while the request is a draft or returned."))
    if not may_file_for(user=actor, institution=request.institution, acting_for=request.acting_for):
        raise PermissionDenied


def document_attach(*, actor: Any, request_id: int, kind: str, filename: str, data: bytes) -> RequestDocument:
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": _("Choose which document this is.")})
    with transaction.atomic():
        request = (
            UsageRequest.objects.select_for_update(of=("self",))
            .select_related("institution")
            .get(pk=request_id)
        )
        _editable_by(request, actor)
        ruleset = ruleset_for(timezone.localdate(), r2026_enabled=settings.RULESET_R2026_ENABLED)
        existing = request.documents.aggregate(total=Sum("size"))["total"] or 0
        documents_check(
            [(kind, filename, data)], ruleset_name=ruleset.name, already_uploaded_bytes=existing,
            already_uploaded_files=request.documents.count(),
        )  # fmt: skip
        document = document_store(request, actor=actor, kind=kind, filename=filename, data=data,
                                  ruleset_name=ruleset.name)  # fmt: skip
    return document


def documents_check(
    documents: Sequence[tuple[str, str, bytes]],
    *,
    ruleset_name: str,
    already_uploaded_bytes: int = 0,
    already_uploaded_files: int = 0,
) -> None:
    """Check (kind, file name, bytes) triples together, before anything is stored: the first
    problem is raised as a ValidationError naming the file, in the user's language."""
    limits = limits_for(ruleset_name)
    total, count = already_uploaded_bytes, already_uploaded_files
    for kind, filename, data in documents:
        if kind not in DocumentKind.values:
            raise ValidationError({"kind": _("Choose which document this is.")})
        try:  # the file's name is kept and shown: it must not carry a My Number either
            reject_my_number(filename)
        except ValidationError as exc:
            raise ValidationError({"file": exc}) from exc
        problem = check_pdf(data, limits=limits, already_uploaded_bytes=total, already_uploaded_files=count)
        if problem is not None:
            text = problem.en if get_language() == "en" else problem.ja
            raise ValidationError({"file": f"{filename}: {text}" if len(documents) > 1 else text})
        total, count = total + len(data), count + 1


def document_store(
    request: UsageRequest, *, actor: Any, kind: str, filename: str, data: bytes, ruleset_name: str
) -> RequestDocument:
    """Keep a checked PDF under our own name and audit it; call inside the caller's transaction."""
    digest = hashlib.sha256(data).hexdigest()
    document = RequestDocument(
        request=request,
        kind=kind,
        original_name=filename[:255],
        size=len(data),
        sha256=digest,
        uploaded_by=actor,
    )
    document.file.save(f"{digest[:16]}.pdf", ContentFile(data), save=False)
    document.save()
    audit_log(
        actor=actor, action="usage_request.document_attached", target=request,
        institution_id=request.institution_id,
        data={"kind": kind, "name": document.original_name, "size": len(data), "sha256": digest,
              "ruleset": ruleset_name},
    )  # fmt: skip
    return document


def document_remove(*, actor: Any, document_id: int) -> None:
    with transaction.atomic():
        document = RequestDocument.objects.select_related("request__institution").get(pk=document_id)
        request = UsageRequest.objects.select_for_update(of=("self",)).get(pk=document.request_id)
        _editable_by(request, actor)
        audit_log(
            actor=actor, action="usage_request.document_removed", target=request,
            institution_id=request.institution_id,
            data={"kind": document.kind, "name": document.original_name, "sha256": document.sha256},
        )  # fmt: skip
        stored = document.file.name or ""
        storage = document.file.storage
        document.delete()
        if stored:
            transaction.on_commit(lambda: storage.delete(stored))
