"""The OpenAPI description of each endpoint (drf-spectacular): request and response shapes, every
problem an endpoint can answer with, and an example for each. docs/api.md tells the story."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers

# --- shapes ------------------------------------------------------------------------------------


class Texts(serializers.Serializer):  # type: ignore[type-arg]
    ja = serializers.CharField()
    en = serializers.CharField()


class FieldError(serializers.Serializer):  # type: ignore[type-arg]
    field = serializers.CharField(help_text="Where: e.g. application.date_of_birth, attachments[0].sha256.")
    code = serializers.CharField(
        help_text="Stable: BULK-… (the bulk templates' checks), PERM-…, or a short word."
    )
    ja = serializers.CharField()
    en = serializers.CharField()


class Reason(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.CharField(
        help_text="PERM-… from the permission matrix, footnote included in the text."
    )
    ja = serializers.CharField()
    en = serializers.CharField()


class ProblemDocument(serializers.Serializer):  # type: ignore[type-arg]
    """RFC 9457 problem details."""

    type = serializers.URLField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField(help_text="Stable code; see docs/api.md for the list.")
    request_id = serializers.CharField(allow_null=True)
    ja = serializers.CharField(required=False)
    en = serializers.CharField(required=False)
    errors = FieldError(many=True, required=False)
    reasons = Reason(many=True, required=False)
    field = serializers.CharField(required=False)


class Supplement(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    message = serializers.CharField()
    due_on = serializers.DateField()
    requested_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField(allow_null=True)
    open = serializers.BooleanField(help_text="The request waiting for an answer through POST …/supplement.")


class Filer(serializers.Serializer):  # type: ignore[type-arg]
    authentication_id = serializers.CharField(
        help_text="The signer's authentication ID (認証ID), 0000-0000-0000."
    )
    role = serializers.ChoiceField(choices=["foreign_national", "legal_representative", "relative"])


class ApplicationStatus(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.CharField(
        help_text="The provisional number P-YYYYMMDD-nnnnnnn: the application's id here."
    )
    procedure = serializers.CharField()
    status_of_residence = serializers.CharField()
    subject_name = serializers.CharField()
    principal = serializers.CharField(
        allow_null=True, help_text="For a re-entry or extra-activity request filed with it."
    )
    stage = serializers.ChoiceField(choices=["intake", "examination", "decided", "issue", "withdrawn"])
    state = serializers.CharField()
    state_label = Texts()
    provisional_number = serializers.CharField()
    receipt_number = serializers.CharField(
        allow_null=True, help_text="Given by the nightly intake run (受付番号)."
    )
    bureau = Texts(allow_null=True)
    filed_at = serializers.DateTimeField(allow_null=True)
    received_at = serializers.DateTimeField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    decision = serializers.ChoiceField(choices=["granted", "denied"], allow_null=True)
    decision_reason = serializers.CharField(allow_null=True)
    fee_yen = serializers.IntegerField(allow_null=True)
    tracking_number = serializers.CharField(allow_null=True)
    supplements = Supplement(many=True)
    filer = Filer(allow_null=True)
    operator = serializers.CharField()


class Submitted(serializers.Serializer):  # type: ignore[type-arg]
    filing = serializers.CharField()
    filer = Filer()
    registered = serializers.BooleanField(help_text="True when this submission registered the signer.")
    applications = ApplicationStatus(many=True)


class ApplicationPage(serializers.Serializer):  # type: ignore[type-arg]
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    next_page = serializers.IntegerField(allow_null=True)
    results = ApplicationStatus(many=True)


class SignedRequest(serializers.Serializer):  # type: ignore[type-arg]
    payload = serializers.FileField(
        help_text="The JSON payload (application/json), exactly the bytes whose canonical form was signed."
    )
    signature = serializers.FileField(
        help_text="Detached CMS SignedData (DER) over the RFC 8785 canonical bytes of the payload, made with "
        "the user's JPKI signature certificate. A base64 text field is also accepted."
    )


class PingAnswer(serializers.Serializer):  # type: ignore[type-arg]
    operator = serializers.CharField()
    key_id = serializers.CharField()
    request_id = serializers.CharField()
    server_time = serializers.DateTimeField()


# --- examples ------------------------------------------------------------------------------------

_STATUS_EXAMPLE: dict[str, Any] = {
    "id": "P-20261126-0000042", "procedure": "extension", "status_of_residence": "engineer_humanities_international",
    "subject_name": "NGUYEN VAN AN", "principal": None, "stage": "examination", "state": "awaiting_supplement",
    "state_label": {"ja": "追完待ち", "en": "Awaiting supplement (追完待ち)"},
    "provisional_number": "P-20261126-0000042", "receipt_number": "東オン2026-000123",
    "bureau": {"ja": "東京出入国在留管理局", "en": "Tokyo Regional Immigration Services Bureau"},
    "filed_at": "2026-11-26T10:15:02+09:00", "received_at": "2026-11-27T02:10:00+09:00", "decided_at": None,
    "decision": None, "decision_reason": None, "fee_yen": None, "tracking_number": None,
    "supplements": [{"id": 7, "message": "在職証明書を提出してください。", "due_on": "2026-12-11",
                     "requested_at": "2026-12-01T14:00:00+09:00", "answered_at": None, "open": True}],
    "filer": {"authentication_id": "1234-5678-9012", "role": "foreign_national"}, "operator": "1234567890123",
}  # fmt: skip
_PAYLOAD_EXAMPLE = {
    "type": "zairyu.application/v1", "operator": "1234567890123",
    "application": {"procedure": "extension", "residence_card_number": "AB12345678CD",
                    "subject_name": "NGUYEN VAN AN", "nationality": "Viet Nam", "date_of_birth": "1990-04-01",
                    "sex": "M", "status": "engineer_humanities_international",
                    "current_status": "engineer_humanities_international",
                    "period_of_stay_until": "2027-01-31", "prefecture": "13",
                    "address": "東京都新宿区大久保一丁目2番3号", "notification_email": "an@example.com"},
    "attachments": [
        {"part": "doc1", "kind": "document", "name": "employment.pdf", "sha256": "9f86d081…", "size": 48213},
        {"part": "photo", "kind": "photo", "name": "photo.jpg", "sha256": "60303ae2…", "size": 201388}],
}  # fmt: skip


def _problem(code: str, status: int, detail: str, **extra: Any) -> OpenApiExample:
    return OpenApiExample(
        code, response_only=True, status_codes=[str(status)], media_type=PROBLEM_MEDIA_TYPE,
        value={"type": f"https://zairyu.example/problems/{code}", "title": code.replace("_", " ").capitalize(),
               "status": status, "detail": detail, "code": code, "request_id": "order-4711", **extra},
    )  # fmt: skip


# Every error is an RFC 9457 problem document, served as application/problem+json (and declared so:
# a client, or Schemathesis, checks the content type against the schema).
PROBLEM_MEDIA_TYPE = "application/problem+json"
_PROBLEM = OpenApiResponse(ProblemDocument, description="Problem details (RFC 9457).")


def _problems(*statuses: int) -> dict[tuple[int, str], OpenApiResponse]:
    """The problem answers an endpoint may give: ``statuses`` and, for every endpoint, 400 (a bad
    parameter: a NUL character anywhere in the path or query), 401 (no or a bad credential), 403 (an
    address outside the operator's ranges), 406 (an Accept header that rules out JSON) and 429 (the
    rate limit)."""
    common = (400, 401, 403, 406, 429)
    return {(status, PROBLEM_MEDIA_TYPE): _PROBLEM for status in sorted({*statuses, *common})}


# A signed multipart request may also be too large or have too many parts (413), or not be
# multipart/form-data at all (415).
_SIGNED_PROBLEMS = (404, 409, 413, 415, 422)


_COMMON_EXAMPLES = [
    _problem(
        "unauthenticated", 401, "The credential is unknown, expired or revoked, or the operator is suspended."
    ),
    _problem("rate_limited", 429, "Request was throttled. Expected available in 42 seconds."),
]
# No text parameter may hold a NUL character (it is answered with 400, as no database column can
# store it); the pattern says so, and keeps generated valid values clear of it.
_NO_NUL = r"^[^\x00]*$"
_NUMBER = OpenApiParameter(
    "number", str, OpenApiParameter.PATH, pattern=_NO_NUL,
    description="The application's provisional number, P-YYYYMMDD-nnnnnnn.",
)  # fmt: skip
_IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, required=True, pattern=r"^[\x21-\x7e]{8,100}$",
    description="8–100 printable ASCII characters, unique per submission. A retry with the same key and payload "
    "gets the first answer again (header Idempotent-Replayed: true); the same key with another payload is refused.",
)  # fmt: skip

ping = extend_schema(
    operation_id="ping", summary="Check the credential, the address and the clock",
    responses={200: PingAnswer, **_problems()},
    examples=[OpenApiExample("ok", response_only=True, value={
        "operator": "株式会社サンプル申請サービス", "key_id": "zk_0123456789abcdef", "request_id": "order-4711",
        "server_time": "2026-11-26T09:00:00+09:00"}), *_COMMON_EXAMPLES],
)  # fmt: skip

submit = extend_schema(
    operation_id="application_submit", summary="File a signed application",
    description="multipart/form-data: `payload` (JSON), `signature` (detached CMS, DER) and one part per "
    "attachment, named as the payload's `attachments[].part`. See docs/api.md for the payload and the signing "
    "recipe.",
    parameters=[_IDEMPOTENCY],
    request={"multipart/form-data": SignedRequest},
    responses={201: Submitted, 200: OpenApiResponse(Submitted, description="A replay of an earlier answer."),
               **_problems(*_SIGNED_PROBLEMS)},
    examples=[
        OpenApiExample("payload", request_only=True, value={"payload": _PAYLOAD_EXAMPLE, "signature": "(DER)"}),
        OpenApiExample("filed", response_only=True, status_codes=["201"], value={
            "filing": "F-000042", "filer": {"authentication_id": "1234-5678-9012", "role": "foreign_national"},
            "registered": False, "applications": [{**_STATUS_EXAMPLE, "stage": "intake", "state": "submitted",
                                                   "state_label": {"ja": "申請完了", "en": "Filed (申請完了)"},
                                                   "receipt_number": None, "received_at": None, "supplements": []}]}),
        _problem("signature_invalid", 422, "The signature does not match the data.",
                 ja="署名が内容と一致しません。", en="The signature does not match the data."),
        _problem("not_permitted", 422, "The permission matrix does not allow this application (see reasons).",
                 reasons=[{"code": "PERM-NOTE3-NOT-MET",
                           "ja": "親族は、本人が16歳未満又は疾病等で自ら申請できない場合に限り申請できます（※3）。",
                           "en": "A relative may file only for a person under 16 or unable to apply (※3)."}]),
        _problem("invalid", 400, "The payload has errors (see errors).", errors=[
            {"field": "application.date_of_birth", "code": "BULK-DATE",
             "ja": "生年月日 は YYYY-MM-DD 形式の日付で入力してください（値: “1990/13/01”）。",
             "en": "The date of birth must be a date YYYY-MM-DD (got “1990/13/01”)."}]),
        _problem("idempotency_key_reused", 422, "This Idempotency-Key was used for a different payload."),
        *_COMMON_EXAMPLES,
    ],
)  # fmt: skip

listing = extend_schema(
    operation_id="application_list", summary="Applications filed through this operator",
    parameters=[
        OpenApiParameter(
            "authentication_id", str, pattern=_NO_NUL, description="Only this person's (their 認証ID)."
        ),
        OpenApiParameter(
            "page", {"type": "integer", "minimum": 1, "maximum": 1_000_000}, description="1, 2, … (50 per page)."
        ),
    ],
    responses={200: ApplicationPage, **_problems()},
    examples=[OpenApiExample("page", response_only=True, value={
        "count": 1, "page": 1, "page_size": 50, "next_page": None, "results": [_STATUS_EXAMPLE]}), *_COMMON_EXAMPLES],
)  # fmt: skip

detail = extend_schema(
    operation_id="application_status", summary="Intake and examination status of one application",
    parameters=[_NUMBER],
    responses={200: ApplicationStatus, **_problems(404)},
    examples=[OpenApiExample("awaiting supplement", response_only=True, value=_STATUS_EXAMPLE),
              _problem("not_found", 404, "No application with this number was filed through this operator."),
              *_COMMON_EXAMPLES],
)  # fmt: skip

supplement = extend_schema(
    operation_id="supplement_answer", summary="Answer the open supplement request with signed documents",
    description="multipart/form-data like a submission; the payload's type is zairyu.supplement/v1 and names the "
    "application and the supplement request. Only the person who filed may sign it.",
    parameters=[_NUMBER, _IDEMPOTENCY],
    request={"multipart/form-data": SignedRequest},
    responses={200: ApplicationStatus, **_problems(*_SIGNED_PROBLEMS)},
    examples=[
        OpenApiExample("payload", request_only=True, value={"payload": {
            "type": "zairyu.supplement/v1", "operator": "1234567890123", "application": "P-20261126-0000042",
            "supplement": 7, "note": "在職証明書を添付します。",
            "attachments": [{"part": "doc1", "kind": "document", "name": "certificate.pdf", "sha256": "…", "size": 30211}]},
            "signature": "(DER)"}),
        OpenApiExample("answered", response_only=True, status_codes=["200"], value={
            **_STATUS_EXAMPLE, "state": "under_examination", "state_label": {"ja": "審査中", "en": "Under examination (審査中)"},
            "supplements": [{**_STATUS_EXAMPLE["supplements"][0], "answered_at": "2026-12-03T09:30:00+09:00", "open": False}]}),
        _problem("supplement_not_open", 409, "This supplement request cannot be answered now."),
        _problem("signer_not_filer", 403, "The supplement must be signed by the person who filed the application."),
        *_COMMON_EXAMPLES,
    ],
)  # fmt: skip
