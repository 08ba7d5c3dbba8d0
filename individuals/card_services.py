"""Registration, login and re-linking with the My Number Card (JPKI, §13 D6).

The card signs ``zairyu:<purpose>:<nonce>`` (see jpki.client.signed_message); the server checks the
nonce (single use, five minutes, this session), the signature, the chain to a pinned J-LIS root,
validity, the policy (signature vs. authentication) and revocation against imported CRLs. The
server never sees a PIN, and never a My Number: the certificates do not carry one.

Registration signs with both keys of the card: the signature certificate proves who the person is
(name, date of birth, sex, address), the authentication certificate is what later logins present,
so both are bound to the account in one step."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from backoffice.access.roles import Role
from backoffice.audit.services import audit_log
from backoffice.text import nfkc, reject_my_number
from individuals.card_models import (
    RELATIVE_RELATIONSHIPS,
    REPRESENTATIVE_RELATIONSHIPS,
    CardholderRegistration,
    CardholderRole,
    CardholderState,
    CardNonce,
    NoncePurpose,
)
from individuals.card_nonces import CardError, nonce_consume, sha256_hex, signed_message
from individuals.card_trust import trust_stores
from individuals.mail import mail_notify
from individuals.services import free_auth_code
from jpki.certs import PersonalInfo
from jpki.verify import VerificationResult
from jpki.verify import verify_signature as jpki_verify_signature

ROLE_OF = {
    CardholderRole.FOREIGN_NATIONAL: Role.FOREIGN_NATIONAL,
    CardholderRole.LEGAL_REPRESENTATIVE: Role.LEGAL_REPRESENTATIVE,
    CardholderRole.RELATIVE: Role.RELATIVE,
}
RESIDENCE_CARD = re.compile(r"[A-Z]{2}[0-9]{8}[A-Z]{2}")
PHONE = re.compile(r"\+?[0-9][0-9-]{8,18}[0-9]")
MINIMUM_AGE = 15  # a foreign national filing personally (§13 D7)


# --- verification -------------------------------------------------------------------------------


def _decode(value: Any, field: str) -> bytes:
    try:
        return base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError):
        raise CardError(
            "malformed", f"{field} の形式が正しくありません。", f"{field} is not valid base64."
        ) from None


def _verified(
    *, certificate: bytes, signature: bytes, data: bytes, purpose: Literal["signature", "authentication"],
    at: datetime,
) -> VerificationResult:  # fmt: skip
    store, crls = trust_stores()
    result = jpki_verify_signature(
        certificate=certificate,
        signature=signature,
        data=data,
        purpose=purpose,
        store=store,
        crls=crls,
        at=at,
    )
    if not result.ok:
        status = 403 if result.reason in {"revoked", "untrusted_root"} else 400
        raise CardError(result.reason, result.message_ja, result.message_en, status=status)
    if settings.JPKI_REQUIRE_REVOCATION_CHECK and result.revocation != "checked":
        raise CardError(
            "revocation_not_checked",
            "失効情報（CRL）が確認できないため受け付けられません。しばらくしてからやり直してください。",
            "Revocation could not be checked (no current CRL), so the signature is not accepted. Try again later.",
        )
    return result


def _not_after(result: VerificationResult) -> datetime:
    assert result.certificate is not None  # an accepted signature names its certificate
    return result.certificate.not_valid_after_utc


def _identity_key(name: str, date_of_birth: date) -> str:
    return sha256_hex(f"{' '.join(nfkc(name).upper().split())}|{date_of_birth.isoformat()}")


def identity_key_of(info: PersonalInfo) -> str:
    """The key a registration is bound to, from a verified signature certificate's data."""
    return _identity_key(info.name, info.date_of_birth)


@dataclass(frozen=True)
class VerifiedIdentity:
    """What registration shows the person before they add their details."""

    name: str
    date_of_birth: date
    sex: str
    address: str
    token: str


def cardholder_identify(
    *, session_key: str, nonce: str, certificate: Any, signature: Any, auth_certificate: Any,
    auth_signature: Any, now: datetime | None = None,
) -> VerifiedIdentity:  # fmt: skip
    """Step 1 of registration: both signatures over the registration nonce are verified; the
    identity waits (in the spent nonce) for step 2, reached with the returned one-time token."""
    now = now or timezone.now()
    signature_cert, auth_cert = (
        _decode(certificate, "certificate"),
        _decode(auth_certificate, "auth_certificate"),
    )
    with transaction.atomic():
        spent = nonce_consume(session_key=session_key, purpose=NoncePurpose.REGISTER, nonce=nonce, now=now)
        message = signed_message(NoncePurpose.REGISTER, nonce)
        signed = _verified(certificate=signature_cert, signature=_decode(signature, "signature"), data=message,
                           purpose="signature", at=now)  # fmt: skip
        authed = _verified(certificate=auth_cert, signature=_decode(auth_signature, "auth_signature"),
                           data=message, purpose="authentication", at=now)  # fmt: skip
        info = signed.personal_info
        assert info is not None  # a verified signature certificate always carries it
        token = secrets.token_urlsafe(32)
        not_after = min(_not_after(signed), _not_after(authed))
        spent.verified_identity = {
            "name": info.name, "date_of_birth": info.date_of_birth.isoformat(), "sex": str(info.sex),
            "address": info.address, "signature_fp": hashlib.sha256(signature_cert).hexdigest(),
            "auth_fp": hashlib.sha256(auth_cert).hexdigest(), "not_after": not_after.isoformat(),
            "revocation": signed.revocation,
        }  # fmt: skip
        spent.follow_up_hash = sha256_hex(token)
        spent.save(update_fields=["verified_identity", "follow_up_hash"])
    return VerifiedIdentity(info.name, info.date_of_birth, str(info.sex), info.address, token)


def pending_identity(*, session_key: str, token: str, now: datetime | None = None) -> CardNonce | None:
    """The verified identity waiting for its details form (same session, 5 minutes, once)."""
    now = now or timezone.now()
    found: CardNonce | None = CardNonce.objects.filter(
        follow_up_hash=sha256_hex(token or ""), session_key=session_key, purpose=NoncePurpose.REGISTER,
        follow_up_used_at__isnull=True, expires_at__gt=now - timedelta(seconds=settings.JPKI_NONCE_SECONDS),
    ).first()  # fmt: skip
    return found


def _age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _clean_details(details: dict[str, Any], *, born: date, today: date) -> dict[str, str]:
    errors: dict[str, Any] = {}  # lazy texts: the API renders them in both languages
    role = str(details.get("role") or "")
    if role not in CardholderRole.values:
        errors["role"] = gettext_lazy("Choose who you are registering as.")
    email = nfkc(str(details.get("email") or "")).strip().lower()
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        errors["email"] = gettext_lazy("Enter an e-mail address: the authentication ID is sent there.")
    phone = nfkc(str(details.get("phone") or "")).strip()
    if not PHONE.fullmatch(phone):
        errors["phone"] = gettext_lazy("Enter a phone number (digits, hyphens allowed).")
    else:
        try:
            reject_my_number(phone.replace("-", ""))
        except ValidationError:
            errors["phone"] = gettext_lazy(
                "This is a My Number (個人番号), not a phone number. Never enter your My Number."
            )
    card_number = nfkc(str(details.get("residence_card_number") or "")).strip().upper().replace(" ", "")
    relationship = str(details.get("relationship") or "")
    if role == CardholderRole.FOREIGN_NATIONAL:
        if not RESIDENCE_CARD.fullmatch(card_number):
            errors["residence_card_number"] = gettext_lazy(
                "The residence card number is two letters, eight digits and two letters (e.g. AB12345678CD)."
            )
        if _age_on(born, today) < MINIMUM_AGE:
            errors["role"] = gettext_lazy(
                "A foreign national registers personally from the age of 15. A parent or guardian registers "
                "as legal representative instead."
            )
        relationship = ""
    elif role == CardholderRole.LEGAL_REPRESENTATIVE and relationship not in REPRESENTATIVE_RELATIONSHIPS:
        errors["relationship"] = gettext_lazy("Choose how you represent the foreign national.")
    elif role == CardholderRole.RELATIVE and relationship not in RELATIVE_RELATIONSHIPS:
        errors["relationship"] = gettext_lazy("Choose how you are related to the foreign national.")
    if role != CardholderRole.FOREIGN_NATIONAL:
        card_number = ""
    if errors:
        raise ValidationError(errors)
    return {"role": role, "email": email, "phone": phone, "residence_card_number": card_number,
            "relationship": relationship}  # fmt: skip


def cardholder_register(
    *,
    session_key: str,
    token: str,
    details: dict[str, Any],
    language: str = "ja",
    now: datetime | None = None,
) -> CardholderRegistration:
    """Step 2: the person's details over the verified identity; the ID is issued at once and mailed."""
    now = now or timezone.now()
    with transaction.atomic():
        pending = pending_identity(session_key=session_key, token=token, now=now)
        if pending is None:
            raise CardError(
                "token_invalid",
                "確認の有効期限が切れたか、使用済みです。カードでの確認からやり直してください。",
                "This verification expired or was used. Start again with the card.",
            )
        pending = CardNonce.objects.select_for_update().get(pk=pending.pk)
        identity = pending.verified_identity
        born = date.fromisoformat(identity["date_of_birth"])
        clean = _clean_details(details, born=born, today=timezone.localdate(now))
        key = _identity_key(identity["name"], born)
        if (
            CardholderRegistration.objects.filter(identity_key=key, role=clean["role"])
            .exclude(state=CardholderState.REVOKED)
            .exists()
            or CardholderRegistration.objects.filter(auth_cert_fingerprint=identity["auth_fp"]).exists()
        ):
            raise CardError(
                "already_registered",
                "このカードの方は既に登録済みです。認証IDでログインするか、新しいカードの場合は「カードの再登録」をしてください。",
                "You are already registered. Log in with your authentication ID, or re-link a new card.",
                status=409,
            )
        registration = _issue(identity=identity, key=key, clean=clean, language=language)
        pending.follow_up_used_at = now
        pending.save(update_fields=["follow_up_used_at"])
    return registration


def cardholder_register_signed(
    *, result: VerificationResult, certificate: bytes, details: dict[str, Any], language: str = "ja",
    via: str = "", now: datetime | None = None,
) -> CardholderRegistration:  # fmt: skip
    """Registration from a verified signature alone, as the application API asks for it when the
    signer is not registered yet (§13 D6, D10): the identity comes from the signature certificate,
    the details from the request; no authentication certificate is bound until the card is
    re-linked once with the card client."""
    now = now or timezone.now()
    info = result.personal_info
    assert result.ok and info is not None  # only an accepted signature certificate registers
    clean = _clean_details(details, born=info.date_of_birth, today=timezone.localdate(now))
    key = _identity_key(info.name, info.date_of_birth)
    if (
        CardholderRegistration.objects.filter(identity_key=key, role=clean["role"])
        .exclude(state=CardholderState.REVOKED)
        .exists()
    ):
        raise CardError(
            "already_registered", "この方はこの立場で既に登録済みです。",
            "This person is already registered in this role.", status=409,
        )  # fmt: skip
    identity = {
        "name": info.name, "date_of_birth": info.date_of_birth.isoformat(), "sex": str(info.sex),
        "address": info.address, "signature_fp": hashlib.sha256(certificate).hexdigest(), "auth_fp": None,
        "not_after": _not_after(result).isoformat(), "revocation": result.revocation, "via": via,
    }  # fmt: skip
    return _issue(identity=identity, key=key, clean=clean, language=language)


def _issue(
    *, identity: dict[str, Any], key: str, clean: dict[str, str], language: str
) -> CardholderRegistration:
    user_model = get_user_model()
    for _attempt in range(8):
        code = free_auth_code()
        try:
            with transaction.atomic():
                user = user_model(
                    username=code, email=clean["email"], role=ROLE_OF[CardholderRole(clean["role"])],
                    display_name=identity["name"][:100],
                    preferred_language=language if language in ("ja", "en") else "ja",
                )  # fmt: skip
                user.set_unusable_password()  # they log in with the card (§13 D6)
                user.save()
                registration = CardholderRegistration.objects.create(
                    user=user, role=clean["role"], relationship=clean["relationship"], auth_code=code,
                    name=identity["name"], date_of_birth=date.fromisoformat(identity["date_of_birth"]),
                    sex=identity["sex"], address=identity["address"], identity_key=key, phone=clean["phone"],
                    residence_card_number=clean["residence_card_number"],
                    signature_cert_fingerprint=identity["signature_fp"], auth_cert_fingerprint=identity["auth_fp"],
                    certificate_not_after=datetime.fromisoformat(identity["not_after"]),
                )  # fmt: skip
            break
        except IntegrityError:
            if CardholderRegistration.objects.filter(identity_key=key, role=clean["role"]).exists():
                raise CardError(
                    "already_registered", "既に登録済みです。", "Already registered.", status=409
                ) from None
    else:
        raise RuntimeError("could not store a free authentication ID")
    audit_log(
        actor=user, action="cardholder.registered", target=registration, institution_id=None,
        data={"role": clean["role"], "relationship": clean["relationship"], "user": user.username,
              "revocation": identity.get("revocation", ""), "via": identity.get("via") or "card_client"},
    )  # fmt: skip
    mail_notify(
        name="cardholder_registered", recipient=user, url=reverse("individuals:card_me"),
        context={"code": str(registration), "name": registration.name},
    )  # fmt: skip
    return registration


def _registration_for(authentication_id: str) -> CardholderRegistration | None:
    from usage_requests import auth_ids

    code = auth_ids.normalise(str(authentication_id or ""))
    found: CardholderRegistration | None = (
        CardholderRegistration.objects.select_for_update()
        .select_related("user")
        .filter(auth_code=code)
        .first()
    )
    return found


_NOT_YOURS = ("card_mismatch", "この認証IDとカードの組合せではログインできません。",
              "This authentication ID and this card do not go together.")  # fmt: skip


def cardholder_login(
    *, session_key: str, nonce: str, certificate: Any, signature: Any, authentication_id: str,
    now: datetime | None = None,
) -> tuple[CardholderRegistration, str]:  # fmt: skip
    """Login: the authentication certificate signs the login nonce, plus the ID. Returns the
    registration and a one-time token that opens the same login in the browser (5 minutes)."""
    now = now or timezone.now()
    auth_cert = _decode(certificate, "certificate")
    with transaction.atomic():
        spent = nonce_consume(session_key=session_key, purpose=NoncePurpose.LOGIN, nonce=nonce, now=now)
        _verified(certificate=auth_cert, signature=_decode(signature, "signature"),
                  data=signed_message(NoncePurpose.LOGIN, nonce), purpose="authentication", at=now)  # fmt: skip
        registration = _registration_for(authentication_id)
        if (
            registration is None
            or registration.auth_cert_fingerprint != hashlib.sha256(auth_cert).hexdigest()
        ):
            audit_log(
                actor=None, action="cardholder.login_refused", target=registration or spent, institution_id=None,
                data={"reason": "card_mismatch" if registration else "unknown_id"},
            )  # fmt: skip
            raise CardError(*_NOT_YOURS, status=403)
        if registration.state != CardholderState.ACTIVE or not registration.user.is_active:
            raise CardError(
                "suspended", "この認証IDは利用停止又は抹消されています。", "This authentication ID is suspended or revoked.",
                status=403,
            )  # fmt: skip
        token = secrets.token_urlsafe(32)
        spent.follow_up_hash = sha256_hex(token)
        spent.verified_identity = {"registration": registration.pk}
        spent.save(update_fields=["follow_up_hash", "verified_identity"])
        audit_log(actor=registration.user, action="cardholder.logged_in", target=registration, institution_id=None,
                  data={"via": "card"})  # fmt: skip
    return registration, token


def browser_login_redeem(*, token: str, now: datetime | None = None) -> CardholderRegistration | None:
    """The one-time link printed by the client: the browser opening it gets the same login."""
    now = now or timezone.now()
    with transaction.atomic():
        found = (
            CardNonce.objects.select_for_update()
            .filter(
                follow_up_hash=sha256_hex(token or ""),
                purpose=NoncePurpose.LOGIN,
                follow_up_used_at__isnull=True,
            )
            .first()
        )
        if found is None or found.created_at < now - timedelta(seconds=settings.JPKI_NONCE_SECONDS * 2):
            return None
        found.follow_up_used_at = now
        found.save(update_fields=["follow_up_used_at"])
        registration: CardholderRegistration | None = (
            CardholderRegistration.objects.select_related("user")
            .filter(pk=found.verified_identity.get("registration"), state=CardholderState.ACTIVE)
            .first()
        )
    return registration


def cardholder_relink(
    *, session_key: str, nonce: str, authentication_id: str, certificate: Any, signature: Any,
    auth_certificate: Any, auth_signature: Any, now: datetime | None = None,
) -> CardholderRegistration:  # fmt: skip
    """A new card: its signature certificate must name the bound identity (name and date of
    birth); both of its certificates then replace the old ones."""
    now = now or timezone.now()
    signature_cert, auth_cert = (
        _decode(certificate, "certificate"),
        _decode(auth_certificate, "auth_certificate"),
    )
    with transaction.atomic():
        nonce_consume(session_key=session_key, purpose=NoncePurpose.RELINK, nonce=nonce, now=now)
        message = signed_message(NoncePurpose.RELINK, nonce)
        signed = _verified(certificate=signature_cert, signature=_decode(signature, "signature"), data=message,
                           purpose="signature", at=now)  # fmt: skip
        authed = _verified(certificate=auth_cert, signature=_decode(auth_signature, "auth_signature"),
                           data=message, purpose="authentication", at=now)  # fmt: skip
        registration = _registration_for(authentication_id)
        info = signed.personal_info
        assert info is not None
        if registration is None or registration.identity_key != _identity_key(info.name, info.date_of_birth):
            raise CardError(
                "identity_mismatch",
                "このカードの氏名・生年月日が登録内容と一致しません。",
                "The name and date of birth on this card do not match the registration.",
                status=403,
            )
        before = registration.auth_cert_fingerprint
        registration.signature_cert_fingerprint = hashlib.sha256(signature_cert).hexdigest()
        registration.auth_cert_fingerprint = hashlib.sha256(auth_cert).hexdigest()
        registration.address = info.address
        registration.certificate_not_after = min(_not_after(signed), _not_after(authed))
        registration.relinked_at = now
        registration.save()
        audit_log(
            actor=registration.user, action="cardholder.relinked", target=registration, institution_id=None,
            data={"previous_auth_fp": before, "auth_fp": registration.auth_cert_fingerprint},
        )  # fmt: skip
    return registration
