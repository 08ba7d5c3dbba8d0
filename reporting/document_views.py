"""Issued documents in the workbench: issue (or fetch again) a record's PDF, the register of
issued documents, one document's page (its events: issue, downloads, verifications) and its
download. Thin: access first, then one selector or service."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backoffice.access.decorators import authenticated, requires
from backoffice.access.roles import Cap
from backoffice.audit.models import AuditEvent
from backoffice.workbench.views import list_page
from reporting import documents, selectors
from reporting.document_lists import ISSUED_DOCUMENTS
from reporting.models import IssuedDocument


def pdf_response(document: IssuedDocument) -> HttpResponse:
    response = HttpResponse(bytes(document.content), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{document.kind}-{document.number}.pdf"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@requires(Cap.AUDIT_VIEW)
def document_list(request: HttpRequest) -> HttpResponse:
    return list_page(request, ISSUED_DOCUMENTS)


# Individuals download their application receipts too: no workbench capability is required;
# the record's own selector decides (Http404 outside the user's scope).
@require_POST
@authenticated
def document_issue(request: HttpRequest, subject: str, pk: int, kind: str, language: str) -> HttpResponse:
    found, record = selectors.subject_get_for(user=request.user, key=subject, pk=pk)
    try:
        document, _new = documents.document_issue(
            actor=request.user, record=record, kind=kind, language=language
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return HttpResponseRedirect(found.url_of(record), status=303)
    return pdf_response(document)


@authenticated
def document_detail(request: HttpRequest, number: str) -> HttpResponse:
    document = selectors.document_get_for(user=request.user, number=number)
    if document.number != number:
        return HttpResponseRedirect(reverse("reporting:document", args=[document.number]))
    record = selectors.document_record_for(user=request.user, document=document)
    subject = selectors.SUBJECT_BY_TYPE.get(document.subject_type)
    events = list(AuditEvent.objects.for_target(document).order_by("-global_seq")[:200])
    return render(
        request,
        "reporting/document.html",
        {
            "document": document,
            "record": record,
            "record_url": subject.url_of(record) if subject is not None and record is not None else "",
            "subject": subject,
            "events": events,
            "verify_path": reverse("verify_document", args=[document.number]),
            "breadcrumbs": [(_("Issued documents"), reverse("reporting:documents"))]
            if request.user.can(Cap.AUDIT_VIEW)  # type: ignore[union-attr]
            else [],
        },
    )


@authenticated
def document_pdf(request: HttpRequest, number: str) -> HttpResponse:
    document = selectors.document_get_for(user=request.user, number=number, with_content=True)
    documents.document_handed_out(actor=request.user, document=document)
    return pdf_response(document)
