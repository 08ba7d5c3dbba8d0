"""``/verify/<number>/``: the public page a document's QR code opens.

Anyone may look a number up and upload a copy: the page says which kind of document it is, when
and by which bureau it was issued, its SHA-256, whether the uploaded file is that document byte
for byte, and for an ID notice whether the ID is valid, suspended, revoked or expired. It shows
nothing personal — no names, no addresses, the ID masked — to anyone. Every upload is audited.

The upload is limited to ``MAX_UPLOAD_BYTES``: a declared larger body is refused before it is
read, and an upload handler stops one that grows past the limit while it is read. That handler
must be in place before the CSRF check reads the form, hence ``csrf_exempt`` on the outer view
and ``csrf_protect`` on the inner one (Django's documented pattern for upload handlers).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django import forms
from django.conf import settings
from django.core.cache import caches
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from applications.api.framework import client_address
from backoffice.access.decorators import public
from reporting import documents, selectors
from reporting.documents import ID_NOTICES, periodic_report_ids
from reporting.models import IssuedDocument
from reporting.verification import (
    MAX_UPLOAD_BYTES,
    IdStatus,
    id_status,
    normalise_document_number,
)
from usage_requests.models import AuthenticationId

logger = logging.getLogger(__name__)

# Room for the multipart envelope and the CSRF token around the file.
_ENVELOPE = 64 * 1024


class VerifyForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("The PDF file"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )


class _SizeLimit(FileUploadHandler):
    """Stops reading an upload once it passes the limit (the file is then left out)."""

    def __init__(self, request: Any, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.exceeded = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def _too_large() -> str:
    return _("The file is larger than %(size)s MB: it cannot be one of our documents.") % {
        "size": MAX_UPLOAD_BYTES // (1024 * 1024)
    }


@public
def verify_index(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("number", "")[:40]
    error = ""
    if raw:
        number = normalise_document_number(raw)
        if number is not None:
            return HttpResponseRedirect(reverse("verify_document", args=[number]))
        error = _("A document number has 16 letters and digits in four groups, like K7QD-2M9X-HT4C-8RWN.")
    return render(
        request, "reporting/verify_index.html", {"number": raw, "error": error}, status=400 if error else 200
    )


def _id_statuses(document: IssuedDocument) -> list[IdStatus]:
    if document.kind not in ID_NOTICES:
        return []
    if document.authentication_id is not None:
        ids = [document.authentication_id]
    else:
        ids = list(AuthenticationId.objects.filter(code__in=periodic_report_ids(document)).order_by("code"))
    today = timezone.localdate()
    return [
        id_status(
            code=auth_id.code,
            state=auth_id.state,
            valid_until=auth_id.valid_until,
            revoked_on=timezone.localdate(auth_id.revoked_at) if auth_id.revoked_at else None,
            today=today,
        )
        for auth_id in ids
    ]


def _upload_allowed(request: HttpRequest) -> bool:
    """A fixed one-hour window of VERIFY_UPLOADS_PER_HOUR uploads per address, counted in the
    shared cache (Redis in production): enough for anyone checking papers, not for hashing
    guesses by the thousand."""
    window = int(time.time() // 3600)
    key = f"verify-uploads:{client_address(request)}:{window}"
    counter = caches["api"]
    counter.add(key, 0, timeout=3700)
    try:
        count = counter.incr(key)
    except ValueError:  # expired between add and incr
        counter.set(key, 1, timeout=3700)
        count = 1
    return bool(count <= settings.VERIFY_UPLOADS_PER_HOUR)


@public
@csrf_exempt
def verify_document(request: HttpRequest, number: str) -> HttpResponse:
    if request.method == "POST":
        if not _upload_allowed(request):
            logger.warning("verify: upload refused, too many from %s", client_address(request))
            error = _("Too many files checked from this address in the last hour: try again later.")
            response = _page(request, number, error=error, status=429)
            response["Retry-After"] = str(3600 - int(time.time()) % 3600)
            return response
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:  # a garbled header: the handler below still stops a long body
            declared = 0
        if declared > MAX_UPLOAD_BYTES + _ENVELOPE:
            # Refused before the body is read (nor is the CSRF token: nothing is done).
            return _page(request, number, error=_too_large(), status=413)
        limit = _SizeLimit(request, MAX_UPLOAD_BYTES)
        request.upload_handlers.insert(0, limit)
        return _verify_upload(request, number, limit)
    return _page(request, number)


@csrf_protect
def _verify_upload(request: HttpRequest, number: str, limit: _SizeLimit) -> HttpResponse:
    form = VerifyForm(request.POST, request.FILES)
    if limit.exceeded:
        return _page(request, number, error=_too_large(), status=413)
    if not form.is_valid():
        return _page(request, number, form=form, error=_("Choose the PDF file to check."), status=400)
    document = selectors.document_by_number(number)
    if document is None:
        return _unknown(request, number)
    upload = form.cleaned_data["file"]
    result = documents.document_verify(actor=request.user, document=document, chunks=upload.chunks())
    return _page(request, number, result=result)


def _unknown(request: HttpRequest, number: str) -> HttpResponse:
    return render(request, "reporting/verify_unknown.html", {"number": number[:40]}, status=404)


def _page(
    request: HttpRequest,
    number: str,
    *,
    form: VerifyForm | None = None,
    result: documents.Verification | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    document = selectors.document_by_number(number)
    if document is None:
        return _unknown(request, number)
    if document.number != number:
        return HttpResponseRedirect(reverse("verify_document", args=[document.number]))
    record = selectors.document_record_for(user=request.user, document=document)
    subject = selectors.SUBJECT_BY_TYPE.get(document.subject_type)
    return render(
        request,
        "reporting/verify.html",
        {
            "document": document,
            "issued_on": timezone.localdate(document.issued_at),
            "bureau": document.bureau,
            "id_statuses": _id_statuses(document),
            "form": form or VerifyForm(),
            "result": result,
            "error": error,
            "max_size": MAX_UPLOAD_BYTES,
            # Only for someone who may see the record anyway.
            "record_url": subject.url_of(record) if subject is not None and record is not None else "",
        },
        status=status,
    )
