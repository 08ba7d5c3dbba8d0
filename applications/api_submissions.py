"""Signed submissions through the application API (申請情報連携API, §8, §13 D6, D10).

A private service sends the payload, a detached CMS SignedData made with the user's JPKI signature
certificate over the payload's canonical bytes, and the attachments the payload lists by digest.
Here: the idempotency key, the signature and certificate (``jpki.verify``), the signer matched to
a registered individual (or registered when the payload asks for it), the application checked by
the same schema and rules as the bulk templates, and then the portal's own services — create,
attach, submit — in one transaction, so that a refusal leaves nothing behind.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from applications.api.envelope import (
    APPLICATION_TYPE,
    SUPPLEMENT_TYPE,
    Envelope,
    Refusal,
    envelope_read,
    field_error,
    invalid,
    uploads_match,
)
from applications.api.intake import application_input, attachments_check, refused_by_service
from applications.api.status import application_document
from applications.api_models import ApiSubmission, ServiceOperator, SubmissionKind
from applications.examination import supplement_answer
from applications.models import Application, ApplicationState, AttachmentKind
from applications.services import attachment_add, filing_create, filing_submit
from backoffice.audit.services import audit_log
from backoffice.text import looks_like_my_number
from individuals.card_models import CardholderRegistration, CardholderState
from individuals.card_nonces import CardError
from individuals.card_services import cardholder_register_signed, identity_key_of
from individuals.card_trust import trust_stores
from jpki.certs import certificate_der
from jpki.verify import VerificationResult, verify_detached_cms

# jpki's reason → (HTTP status, the API's stable code).
SIGNATURE_CODES: dict[str, tuple[int, str]] = {
    "malformed": (400, "signature_malformed"),
    "signature_invalid": (422, "signature_invalid"),
    "untrusted_root": (422, "certificate_untrusted"),
    "expired": (422, "certificate_expired"),
    "not_yet_valid": (422, "certificate_not_yet_valid"),
    "wrong_policy": (422, "certificate_wrong_type"),
    "wrong_key_usage": (422, "certificate_wrong_type"),
    "revoked": (422, "certificate_revoked"),
}


@dataclass(frozen=True)
class Outcome:
    status: int
    body: dict[str, Any]
    replayed: bool = False


class _Raced(Exception):
    """Another request with the same key or content committed first: answer as it was answered."""


# --- the steps every submission takes ------------------------------------------------------------


def _earlier(operator: ServiceOperator, key: str, envelope: Envelope) -> Outcome | None:
    """A retry gets the first answer again; the same key with another payload, or the same signed
    payload under another key, is refused."""
    first = ApiSubmission.objects.filter(operator=operator, idempotency_key=key).first()
    if first is not None:
        if first.content_sha256 == envelope.content_sha256:
            return Outcome(first.status_code, first.response, replayed=True)
        raise Refusal(
            422, "idempotency_key_reused",
            "この Idempotency-Key は別の内容の送信に使われています。新しい送信には新しいキーを使ってください。",
            "This Idempotency-Key was used for a different payload. Use a new key for a new submission.",
        )  # fmt: skip
    twin = ApiSubmission.objects.filter(content_sha256=envelope.content_sha256).first()
    if twin is not None:
        raise Refusal(
            409, "duplicate_submission",
            "同じ署名済みの内容は既に受け付けています（別の Idempotency-Key で）。",
            "The same signed content was already accepted (under another Idempotency-Key).",
            # An application's answer lists the applications; a supplement's is the application.
            {"submitted": (twin.response.get("applications") or [twin.response])[0].get("id")},
        )  # fmt: skip
    return None


def signature_verify(envelope: Envelope, cms: bytes, *, at: datetime) -> VerificationResult:
    """The CMS over the canonical payload, by a JPKI *signature* certificate chaining to a pinned
    root, valid now, not revoked, and revocation checked unless the installation allows otherwise."""
    store, crls = trust_stores()
    result = verify_detached_cms(
        cms=cms, data=envelope.signed_content, purpose="signature", store=store, crls=crls, at=at
    )
    if not result.ok:
        status, code = SIGNATURE_CODES[result.reason]
        raise Refusal(status, code, result.message_ja, result.message_en)
    if settings.JPKI_API_REQUIRE_REVOCATION_CHECK and result.revocation != "checked":
        raise Refusal(
            422, "revocation_not_checked",
            "署名用電子証明書の失効情報（CRL）が確認できないため受け付けられません。時間をおいて再送してください。",
            "The signature certificate's revocation could not be checked (no current CRL), so the submission is "
            "not accepted. Send it again later.",
        )  # fmt: skip
    return result


def _signer(
    envelope: Envelope, result: VerificationResult, operator: ServiceOperator
) -> CardholderRegistration:
    """The registered individual bound to this signature certificate, in the role the payload
    names when they hold more than one; or a new registration when the payload asks for it."""
    assert result.certificate is not None and result.personal_info is not None
    der = certificate_der(result.certificate)
    fingerprint = hashlib.sha256(der).hexdigest()
    role = envelope.payload.get("filer_role") or ""
    bound = list(
        CardholderRegistration.objects.select_related("user")
        .filter(signature_cert_fingerprint=fingerprint)
        .exclude(state=CardholderState.REVOKED)
    )
    register = envelope.payload.get("register")
    if register is not None:
        if bound and any(r.role == register.get("role") for r in bound):
            raise Refusal(409, "already_registered", "この方はこの立場で既に登録済みです。register を外して送ってください。",
                          "The signer is already registered in this role: send without register.")  # fmt: skip
        try:
            registration = cardholder_register_signed(
                result=result, certificate=der, details=register, language=str(register.get("language") or "ja"),
                via=f"api:{operator.pk}",
            )  # fmt: skip
        except CardError as exc:
            raise Refusal(exc.status, exc.code_name, exc.message_ja, exc.message_en) from None
        except ValidationError as exc:
            raise invalid(_register_errors(exc)) from None
        return registration
    if role:
        bound = [r for r in bound if r.role == role]
    if not bound:
        # Registered (in the role named, if any) with another card: this card needs linking. One
        # registered with this very card but not in the role named is simply not registered in it.
        known = (
            CardholderRegistration.objects.filter(identity_key=identity_key_of(result.personal_info))
            .exclude(state=CardholderState.REVOKED)
            .exclude(signature_cert_fingerprint=fingerprint)
        )
        if role:
            known = known.filter(role=role)
        if known.exists():
            raise Refusal(
                403, "signer_card_not_linked",
                "この方の登録は別のカードに結び付いています。カード読取りプログラムで新しいカードを再登録してから送ってください。",
                "This person's registration is bound to another card. Re-link the new card with the card client first.",
            )  # fmt: skip
        raise Refusal(
            403, "signer_not_registered",
            "署名者は利用者登録されていません。register を付けて送ると、署名用電子証明書の情報で登録します。",
            "The signer is not a registered user. Send register with the payload to register them from the "
            "signature certificate.",
        )  # fmt: skip
    if len(bound) > 1:
        raise invalid([field_error("filer_role", "required", "複数の立場で登録されています。filer_role で指定してください。",
                                   "The signer is registered in several roles: name one in filer_role.")])  # fmt: skip
    registration = bound[0]
    if registration.state != CardholderState.ACTIVE or not registration.user.is_active:
        raise Refusal(
            403,
            "signer_inactive",
            "署名者の認証IDは利用停止中です。",
            "The signer's authentication ID is suspended.",
        )
    return registration


def _register_errors(exc: ValidationError) -> list[dict[str, str]]:
    from django.utils import translation

    rendered: dict[str, dict[str, list[str]]] = {}
    for language in ("ja", "en"):
        with translation.override(language):
            rendered[language] = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return [
        field_error(f"register.{key}", "invalid", ja, en)
        for key, messages in rendered["en"].items()
        for ja, en in zip(rendered["ja"][key], messages, strict=True)
    ]


def _claim(
    operator: ServiceOperator, key: str, envelope: Envelope, kind: str, result: VerificationResult,
    registration: CardholderRegistration, request_id: str,
) -> ApiSubmission:  # fmt: skip
    assert result.certificate_fingerprint is not None
    try:
        with transaction.atomic():
            return ApiSubmission.objects.create(
                operator=operator, idempotency_key=key, kind=kind, content_sha256=envelope.content_sha256,
                signer_fingerprint=result.certificate_fingerprint, revocation=result.revocation,
                registration=registration, request_id=request_id[:64], status_code=0,
            )  # fmt: skip
    except IntegrityError:
        raise _Raced from None


def _settle(
    submission: ApiSubmission, status: int, body: dict[str, Any], action: str, target: Any
) -> Outcome:
    submission.status_code, submission.response = status, body
    submission.save(update_fields=["status_code", "response", "filing", "application"])
    audit_log(
        actor=submission.registration.user, action=action, target=target, institution_id=None,
        data={"operator": submission.operator_id, "idempotency_key": submission.idempotency_key,
              "request_id": submission.request_id, "content_sha256": submission.content_sha256,
              "signer_fingerprint": submission.signer_fingerprint, "revocation": submission.revocation},
    )  # fmt: skip
    return Outcome(status, body)


def _filer_of(registration: CardholderRegistration) -> dict[str, str]:
    return {"authentication_id": str(registration), "role": registration.role}


# --- the two submissions -----------------------------------------------------------------------


def api_application_submit(
    *, operator: ServiceOperator, idempotency_key: str, payload: bytes, signature: bytes,
    uploads: dict[str, bytes], request_id: str = "", now: datetime | None = None,
) -> Outcome:  # fmt: skip
    """A new application, filed as the signer, in the portal's lifecycle (provisional number at once)."""
    now = now or timezone.now()
    envelope = envelope_read(
        payload, expected_type=APPLICATION_TYPE, operator_number=operator.corporate_number
    )
    earlier = _earlier(operator, idempotency_key, envelope)
    if earlier is not None:
        return earlier
    uploads_match(envelope, uploads)
    result = signature_verify(envelope, signature, at=now)
    try:
        with transaction.atomic():
            registration = _signer(envelope, result, operator)
            submission = _claim(operator, idempotency_key, envelope, SubmissionKind.APPLICATION, result,
                                registration, request_id)  # fmt: skip
            user = registration.user
            data = application_input(
                user=user, body=envelope.payload["application"], today=timezone.localdate(now)
            )
            attachments_check(envelope, uploads, day=timezone.localdate(now), photo_allowed=True)
            try:
                filing = filing_create(actor=user, applicants=[data])
                filing.operator = operator
                filing.save(update_fields=["operator"])
                principal = filing.applications.get(principal__isnull=True)
                for entry in envelope.files:
                    attachment_add(actor=user, application_id=principal.pk, kind=entry.kind, name=entry.name,
                                   data=uploads[entry.part])  # fmt: skip
                filing_submit(actor=user, filing_id=filing.pk)
            except (ValidationError, PermissionDenied) as exc:
                raise refused_by_service(exc) from None
            submission.filing = filing
            applications = filing.applications.select_related("bureau", "prefecture").order_by("pk")
            body = {"filing": str(filing), "filer": _filer_of(registration),
                    "registered": "register" in envelope.payload,
                    "applications": [application_document(a, operator=operator) for a in applications]}  # fmt: skip
            return _settle(submission, 201, body, "api.application_submitted", filing)
    except _Raced:
        again = _earlier(operator, idempotency_key, envelope)
        assert again is not None  # _Raced means the row that beat us is committed
        return again


def api_supplement_answer(
    *, operator: ServiceOperator, idempotency_key: str, number: str, payload: bytes, signature: bytes,
    uploads: dict[str, bytes], request_id: str = "", now: datetime | None = None,
) -> Outcome:  # fmt: skip
    """The documents a supplement request (追完) asked for, signed by the person who filed."""
    now = now or timezone.now()
    envelope = envelope_read(
        payload, expected_type=SUPPLEMENT_TYPE, operator_number=operator.corporate_number
    )
    if envelope.payload["application"] != number:
        raise invalid([field_error("application", "mismatch", "URL の申請番号と一致しません。",
                                   "Does not match the application number in the URL.")])  # fmt: skip
    application = api_application_get(operator=operator, number=number)
    if application is None:
        raise Refusal(
            404,
            "not_found",
            "この事業者経由の申請が見つかりません。",
            "No such application through this operator.",
        )
    earlier = _earlier(operator, idempotency_key, envelope)
    if earlier is not None:
        return earlier
    uploads_match(envelope, uploads)
    if not envelope.files or any(f.kind != AttachmentKind.DOCUMENT for f in envelope.files):
        raise invalid([field_error("attachments", "documents", "追完には書類（PDF, kind document）を1件以上添付してください。",
                                   "A supplement carries one or more documents (PDF, kind document).")])  # fmt: skip
    note = envelope.payload.get("note", "")
    if not isinstance(note, str) or len(note) > 2000:
        raise invalid(
            [
                field_error(
                    "note",
                    "note",
                    "note は2000字以内の文字列です。",
                    "note is text of up to 2,000 characters.",
                )
            ]
        )
    if looks_like_my_number(note):  # said per field, as for the application's fields (BULK-MY-NUMBER)
        raise invalid([field_error(
            "note", "my_number", "個人番号（マイナンバー）と思われる番号が含まれています。個人番号は送らないでください。",
            "This looks like a My Number (個人番号). Never send a My Number.",
        )])  # fmt: skip
    result = signature_verify(envelope, signature, at=now)
    try:
        with transaction.atomic():
            registration = _signer(envelope, result, operator)
            if registration.user_id != application.filer_id:
                raise Refusal(403, "signer_not_filer", "この申請をした本人の署名が必要です。",
                              "The supplement must be signed by the person who filed the application.")  # fmt: skip
            open_request = (
                application.supplements.filter(answered_at__isnull=True).order_by("-requested_at").first()
            )
            if (
                application.state != ApplicationState.AWAITING_SUPPLEMENT
                or open_request is None
                or envelope.payload["supplement"] != open_request.pk
            ):
                raise Refusal(
                    409, "supplement_not_open", "この追完の求めには今は回答できません（回答済み又は別の求め）。",
                    "This supplement request cannot be answered now (answered already, or not the open one).",
                )  # fmt: skip
            submission = _claim(operator, idempotency_key, envelope, SubmissionKind.SUPPLEMENT, result,
                                registration, request_id)  # fmt: skip
            attachments_check(envelope, uploads, day=timezone.localdate(now), photo_allowed=False)
            try:
                supplement_answer(
                    actor=registration.user, application_id=application.pk,
                    files=[(f.name, uploads[f.part]) for f in envelope.files], note=note,
                )  # fmt: skip
            except (ValidationError, PermissionDenied) as exc:
                raise refused_by_service(exc) from None
            application.refresh_from_db()
            submission.application = application
            body = application_document(application, operator=operator)
            return _settle(submission, 200, body, "api.supplement_answered", application)
    except _Raced:
        again = _earlier(operator, idempotency_key, envelope)
        assert again is not None
        return again


# --- reading ---------------------------------------------------------------------------------------


def api_application_get(*, operator: ServiceOperator, number: str) -> Application | None:
    found: Application | None = (
        Application.objects.select_related("bureau", "filer__cardholder")
        .filter(filing__operator=operator, provisional_number=number)
        .first()
    )
    return found


def api_applications(*, operator: ServiceOperator, authentication_id: str = "") -> Any:
    """Applications filed through this operator, newest first; one person's with their ID."""
    from usage_requests import auth_ids

    found = (
        Application.objects.select_related("bureau", "filer__cardholder")
        .filter(filing__operator=operator)
        .exclude(provisional_number__isnull=True)
        .exclude(provisional_number="")
        .order_by("-submitted_at", "-pk")
    )
    if authentication_id:
        found = found.filter(filer__cardholder__auth_code=auth_ids.normalise(authentication_id))
    return found
