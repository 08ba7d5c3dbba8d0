"""Which records documents are issued about, and who may see which document.

A document is shown or downloaded only to someone who may see its record: the record's own
scoped selector decides (``usage_request_get_for``, ``auth_id_list_visible_to``,
``application_get_for``), so the filer's institution staff get their own, a bureau's
reviewers their jurisdiction's, auditors everything. Documents about anything else (the
monthly reports) are for auditors and administrators (Cap.AUDIT_VIEW).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from applications.models import Application
from applications.selectors import application_get_for
from backoffice.access.roles import Cap
from backoffice.audit.models import target_type_of
from reporting.models import DocumentKind, IssuedDocument
from reporting.verification import normalise_document_number
from usage_requests.models import AuthenticationId, AuthIdState, RequestKind, RequestState, UsageRequest
from usage_requests.selectors import auth_id_list_visible_to, usage_request_get_for


@dataclass(frozen=True)
class Subject:
    """A kind of record documents are issued about."""

    key: str  # in URLs: usage-request, auth-id, application
    model: type[models.Model]
    label: Any  # for pages
    label_ja: str  # for the PDFs
    label_en: str
    get_for: Callable[[Any, str], Any]  # (user, pk) → the record, or Http404 outside the user's scope
    url_of: Callable[[Any], str]
    kinds_of: Callable[[Any], list[str]]  # the documents the record has now, in its state

    @property
    def type(self) -> str:
        return f"{self.model._meta.app_label}.{self.model._meta.model_name}"


def _usage_request_kinds(request: UsageRequest) -> list[str]:
    kinds: list[str] = []
    if request.state == RequestState.APPROVED:
        if request.kind == RequestKind.PERIODIC_REPORT:
            kinds.append(DocumentKind.PERIODIC_REPORT_ACCEPTANCE)
        elif AuthenticationId.objects.filter(usage_request=request).exists():
            kinds.append(DocumentKind.APPROVAL_NOTICE)
    elif request.state == RequestState.REJECTED:
        kinds.append(DocumentKind.REJECTION_NOTICE)
    return [*kinds, DocumentKind.AUDIT_TRAIL]


def _auth_id_kinds(auth_id: AuthenticationId) -> list[str]:
    kinds: list[str] = [DocumentKind.REVOCATION_NOTICE] if auth_id.state == AuthIdState.REVOKED else []
    return [*kinds, DocumentKind.AUDIT_TRAIL]


def _application_kinds(application: Application) -> list[str]:
    kinds: list[str] = [DocumentKind.APPLICATION_RECEIPT] if application.receipt_number else []
    return [*kinds, DocumentKind.AUDIT_TRAIL]


def _auth_id_get_for(user: Any, pk: str) -> AuthenticationId:
    try:
        found: AuthenticationId = (
            auth_id_list_visible_to(user=user)
            .select_related("holder", "institution__prefecture__bureau", "usage_request__review__bureau")
            .get(pk=pk)
        )
    except (AuthenticationId.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    return found


SUBJECTS: dict[str, Subject] = {
    subject.key: subject
    for subject in (
        Subject(
            key="usage-request",
            model=UsageRequest,
            label=_("Usage request"),
            label_ja="利用申出",
            label_en="Usage request",
            get_for=lambda user, pk: usage_request_get_for(user=user, pk=pk),
            url_of=lambda obj: reverse("usage_requests:detail", args=[obj.pk]),
            kinds_of=_usage_request_kinds,
        ),
        Subject(
            key="auth-id",
            model=AuthenticationId,
            label=_("Authentication ID"),
            label_ja="認証ID",
            label_en="Authentication ID",
            get_for=_auth_id_get_for,
            url_of=lambda obj: reverse("usage_requests:detail", args=[obj.usage_request_id]),
            kinds_of=_auth_id_kinds,
        ),
        Subject(
            key="application",
            model=Application,
            label=_("Residence application"),
            label_ja="在留申請",
            label_en="Residence application",
            get_for=lambda user, pk: application_get_for(user=user, pk=pk),
            url_of=lambda obj: reverse("applications:detail", args=[obj.pk]),
            kinds_of=_application_kinds,
        ),
    )
}
SUBJECT_BY_TYPE: dict[str, Subject] = {subject.type: subject for subject in SUBJECTS.values()}


def subject_of(obj: models.Model) -> Subject:
    return SUBJECT_BY_TYPE[target_type_of(obj)]


def subject_get_for(*, user: Any, key: str, pk: int | str) -> tuple[Subject, Any]:
    """The record, if this user may see it; Http404 otherwise (or for an unknown kind)."""
    subject = SUBJECTS.get(key)
    if subject is None:
        raise Http404
    return subject, subject.get_for(user, str(pk))


def _without_content() -> QuerySet[IssuedDocument]:
    return IssuedDocument.objects.defer("content")


def document_list_visible_to(*, user: Any) -> QuerySet[IssuedDocument]:
    """The register of issued documents: auditors' and administrators' (every record)."""
    if not getattr(user, "is_authenticated", False) or not user.can(Cap.AUDIT_VIEW):
        return IssuedDocument.objects.none()
    return _without_content().select_related("bureau", "institution", "issued_by")


def document_record_for(*, user: Any, document: IssuedDocument) -> Any | None:
    """The record the document is about, if this user may see it (None otherwise, and for
    documents about no record of ours)."""
    subject = SUBJECT_BY_TYPE.get(document.subject_type)
    if subject is None:
        return None
    try:
        return subject.get_for(user, document.subject_id)
    except Http404:
        return None


def document_get_for(*, user: Any, number: str, with_content: bool = False) -> IssuedDocument:
    """One document by number, if this user may see its record; Http404 otherwise."""
    normalised = normalise_document_number(number)
    if normalised is None:
        raise Http404
    qs = IssuedDocument.objects.all() if with_content else _without_content()
    document = qs.select_related("bureau", "institution", "issued_by").filter(number=normalised).first()
    if document is None or not getattr(user, "is_authenticated", False):
        raise Http404
    if document.subject_type in SUBJECT_BY_TYPE:
        if document_record_for(user=user, document=document) is None:
            raise Http404
    elif not user.can(Cap.AUDIT_VIEW):
        raise Http404
    return document


def document_by_number(number: str) -> IssuedDocument | None:
    """For the public verification page: the document, without its bytes, or None."""
    normalised = normalise_document_number(number)
    if normalised is None:
        return None
    found: IssuedDocument | None = (
        _without_content().select_related("bureau", "authentication_id").filter(number=normalised).first()
    )
    return found


def documents_of(obj: models.Model) -> list[IssuedDocument]:
    """The documents issued about one record, newest first (without their bytes)."""
    return list(
        _without_content()
        .filter(subject_type=target_type_of(obj), subject_id=str(obj.pk))
        .order_by("-issued_at", "-pk")
    )
