"""Usage-request pages: the queue/list, filing, the record with its review, and its actions."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backoffice.access.decorators import requires
from backoffice.access.roles import Cap
from backoffice.workbench.chatter import record_context
from backoffice.workbench.views import list_page
from reviews.decisions import sla_state
from reviews.presentation import result_rows
from usage_requests import document_services, id_services, selectors, services
from usage_requests.forms import UsageRequestForm
from usage_requests.id_lists import AUTH_IDS, REVOCATIONS
from usage_requests.lists import FINISHED, SLA_LABELS, USAGE_REQUESTS
from usage_requests.models import DocumentKind, RequestState, _is_bureau_reviewer


@requires(Cap.USAGE_REQUEST_VIEW)
def request_list(request: HttpRequest) -> HttpResponse:
    return list_page(request, USAGE_REQUESTS)


@requires(Cap.USAGE_REQUEST_VIEW)
def auth_id_list(request: HttpRequest) -> HttpResponse:
    return list_page(request, AUTH_IDS)


@requires(Cap.USAGE_REQUEST_VIEW)
def revocation_list(request: HttpRequest) -> HttpResponse:
    return list_page(request, REVOCATIONS)


@requires(Cap.USAGE_REQUEST_FILE)
def request_create(request: HttpRequest) -> HttpResponse:
    options = selectors.filing_options(user=request.user)
    if not options:
        messages.error(
            request, _("You may file for no institution today: ask for a membership or a delegation.")
        )
        return HttpResponseRedirect(reverse("usage_requests:list"))
    form = UsageRequestForm(request.POST or None, options=options)
    if request.method == "POST" and form.is_valid():
        institution, acting_for = form.chosen()
        try:
            created = services.usage_request_create(
                actor=request.user, institution=institution, acting_for=acting_for,
                kind=form.cleaned_data["kind"], declared_facts={},
            )  # fmt: skip
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(
                request, _("Draft saved. Answer the questions; you can stop and come back at any time.")
            )
            return HttpResponseRedirect(reverse("usage_requests:file", args=[created.pk, "answers"]))
    return render(
        request, "workbench/form.html",
        {"form": form, "title": _("New usage request"), "back": reverse("usage_requests:list"),
         "breadcrumbs": [(_("Usage requests"), reverse("usage_requests:list"))]},
        status=400 if form.errors else 200,
    )  # fmt: skip


@requires(Cap.USAGE_REQUEST_VIEW)
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    usage_request = selectors.usage_request_get_for(user=request.user, pk=pk)
    context = record_context(user=request.user, obj=usage_request, status_field="state")
    review = usage_request.review
    english = get_language() == "en"
    rows = []
    if review is not None:
        rows = result_rows(review.results, english=english, overrides=review.overrides)
    sla = None
    if review is not None:
        code = sla_state(
            due_on=review.due_on, today=timezone.localdate(), finished=usage_request.state in FINISHED
        )
        sla = {"code": code, "label": SLA_LABELS[code]}
    context.update(
        {
            "review": review,
            "rule_rows": rows,
            "sla": sla,
            "can_settle": usage_request.state == RequestState.UNDER_REVIEW
            and _is_bureau_reviewer(usage_request, request.user),
            "auth_id": getattr(usage_request, "auth_id", None),
            "documents": list(usage_request.documents.all()),
            "document_form": DocumentForm()
            if usage_request.state in document_services.EDITABLE
            and selectors.may_file_for(
                user=request.user, institution=usage_request.institution, acting_for=usage_request.acting_for
            )
            else None,
            "can_revoke_sanction": _is_bureau_reviewer(usage_request, request.user),
            "can_revoke_own": request.user.pk == usage_request.filer_id
            or selectors.may_file_for(
                user=request.user, institution=usage_request.institution, acting_for=None
            ),
            "breadcrumbs": [(_("Usage requests"), reverse("usage_requests:list"))],
        }
    )
    return render(request, "usage_requests/detail.html", context)


@require_POST
@requires(Cap.USAGE_REQUEST_VIEW)
def request_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    usage_request = selectors.usage_request_get_for(user=request.user, pk=pk)
    try:
        services.usage_request_transition(
            actor=request.user, request_id=usage_request.pk, name=name, reason=request.POST.get("reason", "")
        )
        messages.success(request, _("Done."))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    except PermissionDenied:
        messages.error(request, _("Your role cannot take this step on this request."))
        return HttpResponseRedirect(reverse("usage_requests:detail", args=[pk]), status=303)
    return HttpResponseRedirect(reverse("usage_requests:detail", args=[pk]))


@require_POST
@requires(Cap.USAGE_REQUEST_REVIEW)
def request_settle(request: HttpRequest, pk: int) -> HttpResponse:
    usage_request = selectors.usage_request_get_for(user=request.user, pk=pk)
    try:
        services.review_settle(
            actor=request.user, request_id=usage_request.pk, code=request.POST.get("code", ""),
            outcome=request.POST.get("outcome", ""), reason=request.POST.get("reason", ""),
        )  # fmt: skip
        messages.success(request, _("Requirement settled."))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return HttpResponseRedirect(reverse("usage_requests:detail", args=[pk]) + "#rules")


@require_POST
@requires(Cap.USAGE_REQUEST_VIEW)
def revoke_id(request: HttpRequest, pk: int) -> HttpResponse:
    usage_request = selectors.usage_request_get_for(user=request.user, pk=pk)
    auth_id = getattr(usage_request, "auth_id", None)
    if auth_id is None:
        raise Http404
    try:
        id_services.auth_id_revoke(
            actor=request.user, auth_id_pk=auth_id.pk, reason=request.POST.get("reason", ""),
            note=request.POST.get("note", ""),
        )  # fmt: skip
        messages.success(request, _("The authentication ID was revoked."))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    except PermissionDenied:
        messages.error(request, _("Your role cannot revoke this ID for that reason."))
    return HttpResponseRedirect(reverse("usage_requests:detail", args=[pk]))


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document"), choices=DocumentKind.choices)
    file = forms.FileField(
        label=_("PDF file"), widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"})
    )


MAX_READ = 25 * 1024 * 1024 + 1  # enough to tell "too large" under any rule set


@require_POST
@requires(Cap.USAGE_REQUEST_FILE)
def document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    usage_request = selectors.usage_request_get_for(user=request.user, pk=pk)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            document_services.document_attach(
                actor=request.user, request_id=usage_request.pk, kind=form.cleaned_data["kind"],
                filename=upload.name, data=upload.read(MAX_READ),
            )  # fmt: skip
            messages.success(request, _("Document attached."))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        except PermissionDenied:
            messages.error(request, _("Your role cannot attach documents to this request."))
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return HttpResponseRedirect(_back(request, pk))


def _back(request: HttpRequest, pk: int) -> str:
    """Back where the form came from (the wizard or the record page), never off the site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return f"{target}#documents"
    return reverse("usage_requests:detail", args=[pk]) + "#documents"


@require_POST
@requires(Cap.USAGE_REQUEST_FILE)
def document_delete(request: HttpRequest, pk: int, document_id: int) -> HttpResponse:
    usage_request = selectors.usage_request_get_for(user=request.user, pk=pk)
    document = usage_request.documents.filter(pk=document_id).first()
    if document is None:
        raise Http404
    try:
        document_services.document_remove(actor=request.user, document_id=document.pk)
        messages.success(request, _("Document removed."))
    except (ValidationError, PermissionDenied):
        messages.error(request, _("Documents can be changed only while the request is a draft or returned."))
    return HttpResponseRedirect(_back(request, pk))


@requires(Cap.USAGE_REQUEST_VIEW)
def document_download(request: HttpRequest, pk: int, document_id: int) -> HttpResponse:
    usage_request = selectors.usage_request_get_for(user=request.user, pk=pk)
    document = usage_request.documents.filter(pk=document_id).first()
    if document is None:
        raise Http404
    return FileResponse(
        document.file.open("rb"), content_type="application/pdf", filename=document.original_name
    )
