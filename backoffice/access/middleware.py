from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from backoffice.access.decorators import AUTHENTICATED, PRE_SECOND_FACTOR, PUBLIC, access_of
from backoffice.access.roles import Role


class AccessPolicyMiddleware:
    """Fail closed: every view must declare its access, and the user must hold it.

    Order of checks: public → logged in → second factor for the roles that need it →
    the capability the view declares. Object scope is decided by selectors afterwards.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if request.path.startswith(settings.STATIC_URL):
            return None
        declared = access_of(view)
        is_admin_site = request.path.startswith("/admin/")
        if declared == PUBLIC:
            return None
        user = request.user
        if not user.is_authenticated:
            return HttpResponseRedirect(
                f"{reverse('access:login')}?{urlencode({'next': request.get_full_path()})}"
            )
        if declared == PRE_SECOND_FACTOR:
            return None
        if getattr(user, "needs_second_factor", False) and not user.is_verified():  # type: ignore[union-attr]
            return HttpResponseRedirect(
                f"{reverse('access:otp')}?{urlencode({'next': request.get_full_path()})}"
            )
        if is_admin_site:
            if getattr(user, "role", None) == Role.ADMINISTRATOR and user.is_staff:
                return None
            raise PermissionDenied
        if declared == AUTHENTICATED:
            return None
        if declared is None or not user.can(declared):  # type: ignore[union-attr]
            raise PermissionDenied
        return None
