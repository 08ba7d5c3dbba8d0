"""A password for a card-registered individual (§13 D6): they log in with the card; the password is
only a fallback for following a pending application while the card's certificate has expired (the
fallback itself is decided in applications.backends, which knows what "pending" means)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from backoffice.audit.services import audit_log
from individuals.card_models import CardholderRegistration, CardholderState

# Set in the session by the fallback login (applications.backends): such a session follows, never files.
FALLBACK_SESSION_FLAG = "zairyu_card_fallback"


def cardholder_password_set(*, user: Any, password: str, confirm: str, card_session: bool) -> None:
    """Set only from a session opened with the card: a fallback login cannot change its own key."""
    if not card_session:
        raise PermissionDenied
    if password != confirm:
        raise ValidationError(_("The two passwords differ."))
    validate_password(password, user)
    with transaction.atomic():
        registration = CardholderRegistration.objects.select_for_update().get(user=user)
        if registration.state != CardholderState.ACTIVE:
            raise ValidationError(_("This registration is not active."))
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_log(
            actor=user, action="cardholder.password_set", target=registration, institution_id=None, data={}
        )
