"""Log in with the authentication ID and password of a card registration — only while the card's
certificate has expired and an application filed by this user is pending (§13 D6). With a valid
card, the card is the way in; without a pending application there is nothing to follow."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from applications.models import Application, ApplicationState
from backoffice.audit.services import audit_log
from backoffice.text import nfkc
from individuals.card_models import CardholderRegistration, CardholderState
from individuals.card_password import FALLBACK_SESSION_FLAG

# Filed and not yet finished: the applicant follows it until the card is in their hands.
PENDING = (
    ApplicationState.SUBMITTED, ApplicationState.RECEIVED, ApplicationState.UNDER_EXAMINATION,
    ApplicationState.AWAITING_SUPPLEMENT, ApplicationState.GRANTED, ApplicationState.AWAITING_ISSUE,
)  # fmt: skip


def has_pending_application(user: Any) -> bool:
    return bool(Application.objects.filter(filer=user, state__in=PENDING).exists())


class CardholderFallbackBackend(BaseBackend):
    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> Any:  # fmt: skip
        if not username or not password:
            return None
        code = nfkc(username).upper().replace("-", "").replace(" ", "")
        if len(code) != 12:
            return None
        registration = (
            CardholderRegistration.objects.select_related("user")
            .filter(auth_code=code, state=CardholderState.ACTIVE)
            .first()
        )
        if registration is None or not registration.user.is_active:
            return None
        user = registration.user
        if not user.has_usable_password() or not user.check_password(password):
            return None
        if registration.certificate_not_after > timezone.now() or not has_pending_application(user):
            return None
        with transaction.atomic():
            audit_log(
                actor=user, action="cardholder.fallback_login", target=registration, institution_id=None,
                data={"certificate_not_after": registration.certificate_not_after.isoformat()},
            )  # fmt: skip
        if request is not None:
            request.zairyu_card_fallback = True  # type: ignore[attr-defined]
        return user

    def get_user(self, user_id: Any) -> Any:
        from django.contrib.auth import get_user_model

        return get_user_model().objects.filter(pk=user_id, is_active=True).first()


def remember_fallback(sender: object, request: object, user: object, **kwargs: object) -> None:
    """The session remembers that it was opened without the card: it may follow, not file."""
    if getattr(request, "zairyu_card_fallback", False):
        request.session[FALLBACK_SESSION_FLAG] = True  # type: ignore[attr-defined]
