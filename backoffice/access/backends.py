"""Username and password for back-office staff and filing agents — not for card-registered
individuals: they log in with the My Number Card (§13 D6); a password of theirs opens a session only
through applications.backends.CardholderFallbackBackend, under its conditions."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from backoffice.access.roles import Role

CARD_ROLES = frozenset({Role.FOREIGN_NATIONAL, Role.LEGAL_REPRESENTATIVE, Role.RELATIVE})


class PasswordBackend(ModelBackend):
    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> Any:  # fmt: skip
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and getattr(user, "role", None) in CARD_ROLES:
            return None
        return user
