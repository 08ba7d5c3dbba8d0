"""The filing wizard on a draft (or returned) request: answers → institution records →
documents and pledge → check and submit. Every step saves as it goes, so nothing is lost
when the filer stops halfway; the record page shows where they left off."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from backoffice.access.decorators import requires
from backoffice.access.roles import Cap
from institutions.selectors import institution_can_change
from reviews.forms import declared_initial
from reviews.presentation import result_rows
from reviews.rules import ruleset_for
from reviews.services import eligibility_evaluate
from usage_requests import document_services, selectors, services
from usage_requests.forms import DeclaredFactsForm
from usage_requests.models import RequestState, UsageRequest
from usage_requests.views import DocumentForm
from usage_requests.wizard import STEP_KEYS, STEPS, documents_expected, step_after, step_before


def _editable_request(request: HttpRequest, pk: int) -> UsageRequest:
    usage_request = selectors.usage_request_get_for(user=request.user, pk=pk)
    if usage_request.state not in document_services.EDITABLE:
        raise PermissionDenied
    if not selectors.may_file_for(
        user=request.user, institution=usage_request.institution, acting_for=usage_request.acting_for
    ):
        raise PermissionDenied
    return usage_request


def _step_url(pk: int, step: str) -> str:
    return reverse("usage_requests:file", args=[pk, step])


@requires(Cap.USAGE_REQUEST_FILE)
def file_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    if step not in STEP_KEYS:
        raise Http404
    try:
        usage_request = _editable_request(request, pk)
    except PermissionDenied:
        messages.error(request, _("This request can no longer be changed by you; here is where it stands."))
        return HttpResponseRedirect(reverse("usage_requests:detail", args=[pk]))
    context: dict[str, Any] = {
        "object": usage_request,
        "steps": [(s, _step_url(pk, s.key)) for s in STEPS],
        "step": step,
        "previous": step_before(step),
        "next": step_after(step),
        "breadcrumbs": [
            (_("Usage requests"), reverse("usage_requests:list")),
            (str(usage_request), reverse("usage_requests:detail", args=[pk])),
        ],
    }
    builder = {"answers": _answers, "registry": _registry, "documents": _documents, "check": _check}[step]
    return builder(request, usage_request, context)


def _answers(request: HttpRequest, usage_request: UsageRequest, context: dict[str, Any]) -> HttpResponse:
    form = DeclaredFactsForm(
        request.POST or None, initial=declared_initial(usage_request.declared_facts or {})
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.usage_request_update_draft(
                actor=request.user, request_id=usage_request.pk, declared_facts=form.declared_facts({})
            )
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(
                None, " ".join(getattr(exc, "messages", [])) or _("This request can no longer be changed.")
            )
        else:
            messages.success(request, _("Answers saved."))
            return HttpResponseRedirect(_step_url(usage_request.pk, "registry"))
    context["form"] = form
    return render(request, "usage_requests/wizard.html", context, status=400 if form.errors else 200)


def _registry(request: HttpRequest, usage_request: UsageRequest, context: dict[str, Any]) -> HttpResponse:
    institution = usage_request.institution
    context.update(
        {
            "institution": institution,
            "officers": list(institution.officers.order_by("name")),
            "sentences": list(institution.sentences.select_related("officer").order_by("-sentenced_on")),
            "filings": list(institution.filings.order_by("-filed_on")[:20]),
            "may_edit_registry": institution_can_change(user=request.user, institution=institution),
        }
    )
    return render(request, "usage_requests/wizard.html", context)


def _documents(request: HttpRequest, usage_request: UsageRequest, context: dict[str, Any]) -> HttpResponse:
    today = timezone.localdate()
    ruleset = ruleset_for(today, r2026_enabled=settings.RULESET_R2026_ENABLED)
    attached = list(usage_request.documents.all())
    kinds = {document.kind for document in attached}
    expected = documents_expected(
        ruleset=ruleset.name, document_category=usage_request.institution.document_category,
        kind=usage_request.kind, filed_through_agent=usage_request.acting_for_id is not None,
    )  # fmt: skip
    context.update(
        {
            "documents": attached,
            "expected": [(item, item.kind.value in kinds) for item in expected],
            "document_form": DocumentForm(),
            "ruleset": ruleset.name,
        }
    )
    return render(request, "usage_requests/wizard.html", context)


def _check(request: HttpRequest, usage_request: UsageRequest, context: dict[str, Any]) -> HttpResponse:
    """The rules as they would run if submitted now; nothing is saved until the filer submits."""
    today = timezone.localdate()
    facts = selectors.usage_request_facts(usage_request, today=today)
    evaluation = eligibility_evaluate(facts_json=facts, on=today).as_json()
    rows = result_rows(evaluation["results"], english=get_language() == "en")
    context.update(
        {
            "evaluation": evaluation,
            "rule_rows": rows,
            "failing": [row for row in rows if row["outcome"] == "fail"],
            "submit_name": "resubmit" if usage_request.state == RequestState.RETURNED else "submit",
            "documents": list(usage_request.documents.all()),
        }
    )
    return render(request, "usage_requests/wizard.html", context)
