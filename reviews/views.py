"""The what-if eligibility check: see which requirement fails, and from which day it will be
met, before filing. Saves nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from backoffice.access.decorators import requires
from backoffice.access.roles import Cap
from institutions.models import Institution
from institutions.selectors import institution_list_visible_to
from reviews.forms import WhatIfForm
from reviews.presentation import result_rows
from reviews.rules import FactsError, NoRuleSetError
from reviews.selectors import eligibility_facts_for
from reviews.services import eligibility_evaluate


@requires(Cap.ELIGIBILITY_CHECK)
def what_if(request: HttpRequest) -> HttpResponse:
    institutions = institution_list_visible_to(user=request.user).order_by("name")
    chosen = _chosen(request, institutions)
    initial = {"institution": chosen, "category": chosen.category} if chosen else {}
    form = WhatIfForm(request.POST or None, institutions=institutions, initial=initial)
    context: dict[str, Any] = {"form": form, "institution": chosen}
    if request.method == "POST" and form.is_valid():
        institution = form.cleaned_data.get("institution")
        submitted: date = form.cleaned_data["submitted_on"]
        base = eligibility_facts_for(institution=institution, submitted_on=submitted) if institution else {}
        if not base:
            base = {"institution": {"kind": "accepting_institution"}}
        try:
            evaluation = eligibility_evaluate(facts_json=form.facts_json(base), on=form.cleaned_data["on"])
        except (FactsError, NoRuleSetError) as exc:
            form.add_error(None, str(exc))
        else:
            context["evaluation"] = evaluation
            context["rows"] = result_rows(evaluation.as_json()["results"], english=get_language() == "en")
    return render(request, "reviews/what_if.html", context)


def _chosen(request: HttpRequest, institutions: Any) -> Institution | None:
    pk = request.GET.get("institution", "")
    if pk.isdigit():
        return institutions.filter(pk=int(pk)).first()
    return None
