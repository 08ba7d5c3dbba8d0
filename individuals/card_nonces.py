"""The card's one-time challenges (§13 D6): random, single use, five minutes, bound to the session
that asked; and the refusal every card step raises, with a stable code and both languages."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from individuals.card_models import CardNonce, NoncePurpose
from jpki.client import signed_message

__all__ = ["CardError", "nonce_consume", "nonce_issue", "sha256_hex", "signed_message"]


class CardError(ValidationError):
    """Why a card step was refused, with a stable code and the message in both languages."""

    def __init__(self, code: str, message_ja: str, message_en: str, *, status: int = 400) -> None:
        self.code_name = code
        self.message_ja = message_ja
        self.message_en = message_en
        self.status = status
        super().__init__(message_en, code=code)

    def as_json(self) -> dict[str, str]:
        return {"code": self.code_name, "message_ja": self.message_ja, "message_en": self.message_en}


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- nonces -------------------------------------------------------------------------------------


def nonce_issue(*, session_key: str, purpose: str, now: datetime | None = None) -> str:
    """A fresh single-use nonce for this session and purpose, valid JPKI_NONCE_SECONDS."""
    if purpose not in NoncePurpose.values:
        raise CardError("purpose", "目的が正しくありません。", "Unknown purpose.")
    if not session_key:
        raise CardError("session", "セッションがありません。", "No session.")
    now = now or timezone.now()
    nonce = secrets.token_urlsafe(32)
    CardNonce.objects.create(
        value_hash=sha256_hex(nonce), purpose=purpose, session_key=session_key,
        expires_at=now + timedelta(seconds=settings.JPKI_NONCE_SECONDS),
    )  # fmt: skip
    return nonce


def nonce_consume(*, session_key: str, purpose: str, nonce: str, now: datetime) -> CardNonce:
    """Lock and spend the nonce; call inside the transaction of the step that uses it."""
    found: CardNonce | None = (
        CardNonce.objects.select_for_update().filter(value_hash=sha256_hex(nonce or "")).first()
    )
    if found is None or found.session_key != session_key or found.purpose != purpose:
        raise CardError(
            "nonce_unknown",
            "この確認コードは無効です。最初からやり直してください。",
            "This challenge is not valid for this session. Start again.",
        )
    if found.used_at is not None:
        raise CardError(
            "nonce_replayed",
            "この確認コードは使用済みです。最初からやり直してください。",
            "This challenge was already used. Start again.",
        )
    if found.expires_at <= now:
        raise CardError(
            "nonce_expired",
            "確認コードの有効期限（5分）が切れました。最初からやり直してください。",
            "The challenge expired (5 minutes). Start again.",
        )
    found.used_at = now
    found.save(update_fields=["used_at"])
    return found
