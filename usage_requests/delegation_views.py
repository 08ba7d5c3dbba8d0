"""The delegations page: what an institution delegated (and may withdraw), what an organisation
received, and how many authentication IDs hang on each. Thin: access, one selector or service."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from backoffice.access.decorators import requires
from backoffice.access.roles import Cap
from institutions.models import Delegation
from institutions.selectors import delegation_list_visible_to
from usage_requests import delegation_selectors, delegation_services


@requires(Cap.INSTITUTION_VIEW)
def delegation_list(request: HttpRequest) -> HttpResponse:
    given, received = delegation_selectors.delegation_rows_for(user=request.user)
    return render(
        request,
        "usage_requests/delegations.html",
        {
            "given": given,
            "received": received,
            "limit": delegation_selectors.PAGE_LIMIT,
            "breadcrumbs": [(_("Usage requests"), reverse("usage_requests:list"))],
        },
    )


@require_POST
@requires(Cap.DELEGATION_MANAGE)
def delegation_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    back = reverse("usage_requests:delegations")
    # Outside the user's scope: not found, as everywhere else.
    if not delegation_list_visible_to(user=request.user).filter(pk=pk).exists():
        raise Http404
    try:
        count = delegation_services.delegation_withdraw_and_suspend(
            actor=request.user, delegation_id=pk, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    except PermissionDenied:
        messages.error(request, _("Only the delegating institution's staff can withdraw this delegation."))
    except Delegation.DoesNotExist as exc:
        raise Http404 from exc
    else:
        messages.success(
            request,
            ngettext(
                "The delegation was withdrawn; %(count)d authentication ID obtained through it is suspended.",
                "The delegation was withdrawn; %(count)d authentication IDs obtained through it are suspended.",
                count,
            )
            % {"count": count},
        )
    return HttpResponseRedirect(back)
