from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend
from django.http import HttpRequest

from usage_requests.id_services import auth_id_authenticate


class AuthenticationIdBackend(BaseBackend):
    """Log in with an authentication ID (認証ID) and its own password.

    The session remembers the ID, so that its revocation or expiry ends the session on the
    next request (see AuthIdSessionMiddleware)."""

    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> Any:  # fmt: skip
        if not username or not password:
            return None
        auth_id = auth_id_authenticate(code=username, password=password)
        if auth_id is None:
            return None
        if request is not None:
            request.zairyu_auth_id = auth_id.pk  # type: ignore[attr-defined]
        return auth_id.holder

    def get_user(self, user_id: Any) -> Any:
        from django.contrib.auth import get_user_model

        return get_user_model().objects.filter(pk=user_id, is_active=True).first()
