from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from usage_requests.id_services import auth_id_is_live, auth_id_password_expired
from usage_requests.models import AuthenticationId

SESSION_KEY = "zairyu_auth_id"


class AuthIdSessionMiddleware:
    """A session opened with an authentication ID ends as soon as the ID is revoked,
    suspended or expired, and reaches nothing but the password page once the ID's password
    has expired: checked on every request, one indexed lookup (the ID with its holder and
    its request; and for an ID held through a delegation, whether that still holds)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        pk = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
        if pk is not None:
            today = timezone.localdate()
            # With its request: whether the ID still holds reads its acting_for (delegation).
            auth_id = AuthenticationId.objects.select_related("holder", "usage_request").filter(pk=pk).first()
            if auth_id is None or not auth_id_is_live(auth_id, today=today):
                logout(request)
                messages.error(
                    request, _("Your authentication ID is no longer valid, so you were logged out.")
                )
                return HttpResponseRedirect(reverse("access:login"))
            if auth_id_password_expired(auth_id, today=today) and not _may_pass(request):
                messages.warning(request, _("Your password has expired: choose a new one to continue."))
                return HttpResponseRedirect(reverse("usage_requests:change_password"))
        return self.get_response(request)


def _may_pass(request: HttpRequest) -> bool:
    """What a session with an expired password may still reach: the password page, logout,
    the language switch and static files."""
    allowed = (
        reverse("usage_requests:change_password"),
        reverse("access:logout"),
        reverse("set_language"),
        settings.STATIC_URL if settings.STATIC_URL.startswith("/") else f"/{settings.STATIC_URL}",
    )
    return request.path.startswith(allowed)
