"""API endpoints (versioned under /api/v1/). Thin: read the request, call a service, say what it
said; the schema (and its examples) is declared in ``applications.api.schema``."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from django.core.paginator import EmptyPage, Paginator
from django.http import HttpRequest, JsonResponse
from django.utils import timezone, translation
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from applications.api import schema
from applications.api.envelope import Refusal, field_error, invalid
from applications.api.framework import PROBLEM_BASE, OperatorAPIView, Problem
from applications.api.status import application_document
from applications.api_submissions import (
    Outcome,
    api_application_get,
    api_application_submit,
    api_applications,
    api_supplement_answer,
)
from backoffice.text import looks_like_my_number

IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{8,100}$")
PAGE_SIZE = 50


def _language(request: Request) -> str:
    """The API's language (docs/api.md): Accept-Language, ja or en, Japanese by default. The site's
    LanguageMiddleware ignores Accept-Language on purpose (pages follow the user's choice); an
    operator's program has no such choice but the header."""
    return translation.get_language_from_request(request._request)


def _problem(refusal: Refusal, request: Request) -> Problem:
    language = _language(request)
    return Problem(
        refusal.status, refusal.code, refusal.ja if language == "ja" else refusal.en,
        ja=refusal.ja, en=refusal.en, **refusal.extra,
    )  # fmt: skip


def _respond(outcome: Outcome) -> Response:
    response = Response(outcome.body, status=outcome.status)
    if outcome.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def _signed_parts(request: Request) -> tuple[str, bytes, bytes, dict[str, bytes]]:
    """The Idempotency-Key, the payload, the CMS and the attachments, or a Refusal."""
    key = request.headers.get("Idempotency-Key", "")
    if not IDEMPOTENCY_KEY.match(key) or looks_like_my_number(key):  # stored: never a My Number (§13 D12)
        raise Refusal(
            400, "idempotency_key_required",
            "Idempotency-Key ヘッダ（表示可能なASCII 8〜100字、送信ごとに一意）が必要です。",
            "Send an Idempotency-Key header (8–100 printable ASCII characters, unique per submission).",
        )  # fmt: skip
    # Two parts of one name (files or fields): which was meant is not guessed.
    getlist = getattr(request.data, "getlist", None)
    repeated = sorted(name for name in request.data if getlist is not None and len(getlist(name)) > 1)
    if repeated:
        raise invalid([field_error(name, "part_repeated", "同じ名前の部分が2つ以上あります。",
                                   "More than one part has this name.") for name in repeated])  # fmt: skip
    files = {name: request.FILES[name].read() for name in request.FILES}
    payload = files.pop("payload", None)
    if payload is None and isinstance(request.data.get("payload"), str):
        payload = request.data["payload"].encode("utf-8")
    signature = files.pop("signature", None)
    if signature is None and isinstance(request.data.get("signature"), str):
        try:
            signature = base64.b64decode(request.data["signature"], validate=True)
        except (binascii.Error, ValueError):
            raise invalid([field_error("signature", "base64", "signature は DER のファイル部分か base64 の文字列です。",
                                       "signature is a DER file part or a base64 string.")]) from None  # fmt: skip
    # A text field besides payload and signature is not covered by the signature: refused like an
    # unlisted file part, never silently dropped.
    unlisted = sorted(set(request.data.keys()) - set(request.FILES.keys()) - {"payload", "signature"})
    if unlisted:
        raise invalid([field_error(name, "part_unlisted", "attachments に載っていない部分です。",
                                   "This part is not listed in attachments.") for name in unlisted])  # fmt: skip
    missing = [name for name, value in (("payload", payload), ("signature", signature)) if not value]
    if missing:
        raise invalid(
            [field_error(name, "required", "必須の部分です。", "This part is required.") for name in missing]
        )
    assert payload is not None and signature is not None
    return key, payload, signature, files


class Ping(OperatorAPIView):
    """Check the credential, the address and the clock: the cheapest authenticated call."""

    @schema.ping
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        principal = request.user
        return Response(
            {"operator": principal.operator.name, "key_id": principal.credential.key_id,  # type: ignore[union-attr]
             "request_id": request.request_id, "server_time": timezone.localtime().isoformat()}  # type: ignore[attr-defined]
        )  # fmt: skip


class Applications(OperatorAPIView):
    """File a signed application; list the applications filed through this operator."""

    parser_classes = [MultiPartParser, FormParser]

    @schema.submit
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        operator = request.user.operator  # type: ignore[union-attr]
        try:
            key, payload, signature, uploads = _signed_parts(request)
            with translation.override(_language(request)):  # the services' own messages, too
                outcome = api_application_submit(
                    operator=operator, idempotency_key=key, payload=payload, signature=signature, uploads=uploads,
                    request_id=request.request_id,  # type: ignore[attr-defined]
                )  # fmt: skip
        except Refusal as refusal:
            raise _problem(refusal, request) from None
        return _respond(outcome)

    @schema.listing
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        operator = request.user.operator  # type: ignore[union-attr]
        found = api_applications(
            operator=operator, authentication_id=request.query_params.get("authentication_id", "")
        )
        raw_page = request.query_params.get("page", "1")
        if not (raw_page.isascii() and raw_page.isdigit()) or not 1 <= int(raw_page) <= 1_000_000:
            raise _problem(invalid([field_error("page", "page", "page は1以上の整数です。", "page is a whole number from 1.")]),
                           request)  # fmt: skip
        pages = Paginator(found.select_related("principal").prefetch_related("supplements"), PAGE_SIZE)
        try:
            page = pages.page(int(raw_page))
            results = [application_document(a, operator=operator) for a in page.object_list]
            has_next = page.has_next()
        except EmptyPage:
            results, has_next = [], False
        return Response({"count": pages.count, "page": int(raw_page), "page_size": PAGE_SIZE,
                         "next_page": int(raw_page) + 1 if has_next else None, "results": results})  # fmt: skip


class ApplicationDetail(OperatorAPIView):
    """The status of one application (受付・審査状況)."""

    @schema.detail
    def get(self, request: Request, number: str, *args: Any, **kwargs: Any) -> Response:
        operator = request.user.operator  # type: ignore[union-attr]
        application = api_application_get(operator=operator, number=number)
        if application is None:
            raise Problem(
                404, "not_found", "No application with this number was filed through this operator."
            )
        return Response(application_document(application, operator=operator))


class SupplementAnswer(OperatorAPIView):
    """Answer the open supplement request (追完) with signed documents."""

    parser_classes = [MultiPartParser, FormParser]

    @schema.supplement
    def post(self, request: Request, number: str, *args: Any, **kwargs: Any) -> Response:
        operator = request.user.operator  # type: ignore[union-attr]
        try:
            key, payload, signature, uploads = _signed_parts(request)
            with translation.override(_language(request)):  # the services' own messages, too
                outcome = api_supplement_answer(
                    operator=operator, idempotency_key=key, number=number, payload=payload, signature=signature,
                    uploads=uploads, request_id=request.request_id,  # type: ignore[attr-defined]
                )  # fmt: skip
        except Refusal as refusal:
            raise _problem(refusal, request) from None
        return _respond(outcome)


def unknown_path(request: HttpRequest) -> JsonResponse:
    """404 for any path under /api/ that names no endpoint, as a problem like every other error."""
    body = {
        "type": PROBLEM_BASE + "not_found", "title": "Not found", "status": 404,
        "detail": "No such endpoint. The API's paths are listed in /api/schema/ (no trailing slashes).",
        "code": "not_found", "request_id": getattr(request, "request_id", None),
    }  # fmt: skip
    return JsonResponse(body, status=404, content_type="application/problem+json")
