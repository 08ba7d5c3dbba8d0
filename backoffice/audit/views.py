from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from backoffice.access.decorators import requires
from backoffice.access.roles import Cap
from backoffice.audit.verify import verify_chains
from backoffice.workbench.registry import LIST_SPECS
from backoffice.workbench.views import list_page


@requires(Cap.AUDIT_VERIFY)
def verify_page(request: HttpRequest) -> HttpResponse:
    report = verify_chains() if request.method == "POST" else None
    return render(request, "audit/verify.html", {"report": report})


@requires(Cap.AUDIT_VIEW)
def event_list(request: HttpRequest) -> HttpResponse:
    return list_page(request, LIST_SPECS["audit_events"])
