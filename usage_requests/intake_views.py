"""A reviewer records a request that arrived by post or at the counter."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from backoffice.access.decorators import requires
from backoffice.access.roles import Cap
from usage_requests import intake_services, selectors
from usage_requests.intake_forms import PAPER_FIELDS, PaperRequestForm
from usage_requests.views import MAX_READ


@requires(Cap.USAGE_REQUEST_REVIEW)
def record_paper(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    institution = selectors.paper_intake_institution(user=request.user, pk=request.GET.get("institution", ""))
    context = {
        "title": _("Record a request received on paper"),
        "breadcrumbs": [(_("Usage requests"), reverse("usage_requests:list"))],
        "query": query,
        "institution": institution,
    }
    if institution is None:
        context["matches"] = (
            selectors.paper_intake_institutions(user=request.user, query=query) if query else []
        )
        return render(request, "usage_requests/record_paper.html", context)
    form = PaperRequestForm(
        request.POST or None,
        request.FILES or None,
        filers=intake_services.paper_filers(institution=institution),
    )
    if request.method == "POST" and form.is_valid():
        try:
            recorded = intake_services.usage_request_record_paper(
                actor=request.user, institution=institution, kind=form.cleaned_data["kind"],
                channel=form.cleaned_data["channel"], received_on=form.cleaned_data["received_on"],
                declared_facts=form.declared_facts({}), papers=form.papers(MAX_READ),
                filer=form.chosen_filer(), new_filer=form.new_filer(),
            )  # fmt: skip
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                target = field if field in form.fields else None
                if field in {"file", "kind", "papers"}:
                    target = PAPER_FIELDS[0][0] if field == "papers" else None
                for message in errors:
                    form.add_error(target, message)
        except PermissionDenied:
            form.add_error(None, _("Only reviewers of the bureau with jurisdiction can record this request."))
        else:
            messages.success(
                request, _("Recorded as %(number)s and added to the queue.") % {"number": recorded}
            )
            return HttpResponseRedirect(reverse("usage_requests:detail", args=[recorded.pk]))
    context["form"] = form
    return render(request, "usage_requests/record_paper.html", context, status=400 if form.errors else 200)
