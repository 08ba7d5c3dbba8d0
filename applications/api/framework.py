"""The API's ground: operator authentication (bearer ``<key id>.<secret>`` from an allowed address),
a per-operator rate limit, a request id and an audit event on every call, and errors as RFC 9457
problem details with stable codes. Bad input never yields a 500."""

from __future__ import annotations

import time
import uuid
from typing import Any

from django.core import exceptions as django_exceptions
from django.core.cache import caches
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.encoding import escape_uri_path
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView, exception_handler

from applications.api_credentials import address_allowed, credential_authenticate
from applications.api_models import OperatorCredential
from backoffice.audit.services import audit_log

PROBLEM_BASE = "https://zairyu.example/problems/"


class OperatorPrincipal:
    """What ``request.user`` is for an API call: the operator, never a person."""

    is_authenticated = True
    is_active = True
    role = None

    def __init__(self, credential: OperatorCredential) -> None:
        self.credential = credential
        self.operator = credential.operator

    def can(self, capability: str) -> bool:
        return False

    def __str__(self) -> str:
        return f"operator:{self.operator.pk}"


class Problem(exceptions.APIException):
    """An error with a stable ``code`` and its own status."""

    def __init__(self, status_code: int, code: str, detail: str, **extra: Any) -> None:
        super().__init__(detail=detail, code=code)
        self.status_code = status_code
        self.extra = extra


def client_address(request: HttpRequest) -> str:
    # Behind the production proxy REMOTE_ADDR is set from the trusted X-Forwarded-For by gunicorn's
    # forwarded_allow_ips; the API itself never reads client-supplied forwarding headers.
    return str(request.META.get("REMOTE_ADDR", ""))


def audit_path(request: HttpRequest | Request) -> str:
    """The path as it came on the wire (percent-encoded): whatever bytes a caller put in it, the audit
    row can store it (a decoded NUL is refused by PostgreSQL's JSON)."""
    return escape_uri_path(request.path)


class OperatorAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[OperatorPrincipal, OperatorCredential] | None:
        header = get_authorization_header(request).decode("latin-1", "replace").split()
        if not header:
            return None
        if len(header) != 2 or header[0].lower() != "bearer":
            raise Problem(401, "unauthenticated", "Send Authorization: Bearer <key id>.<secret>.")
        credential = credential_authenticate(header[1], now=timezone.now())
        if credential is None:
            raise Problem(
                401,
                "unauthenticated",
                "The credential is unknown, expired or revoked, or the operator is suspended.",
            )
        address = client_address(request._request)
        if not address_allowed(credential.operator, address):
            with transaction.atomic():  # a valid key from a wrong place is worth an audit row
                audit_log(
                    actor=None, action="api.refused_address", target=credential.operator, institution_id=None,
                    data={"key_id": credential.key_id, "address": address, "path": audit_path(request)},
                )  # fmt: skip
            raise Problem(
                403, "address_not_allowed", "Calls from this address are not allowed for this operator."
            )
        return OperatorPrincipal(credential), credential

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="zairyu-api"'


class OperatorRateThrottle(BaseThrottle):
    """A fixed one-minute window per operator, counted in the shared cache (Redis in production)."""

    def allow_request(self, request: Request, view: Any) -> bool:
        principal = request.user
        if not isinstance(principal, OperatorPrincipal):
            return True
        window = int(time.time() // 60)
        key = f"api-rate:{principal.operator.pk}:{window}"
        cache = caches["api"]
        cache.add(key, 0, timeout=120)
        try:
            count = cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=120)
            count = 1
        self._wait = 60 - time.time() % 60
        return count <= principal.operator.rate_limit_per_minute

    def wait(self) -> float | None:
        return getattr(self, "_wait", 60.0)


def _suspicious(exc: django_exceptions.SuspiciousOperation) -> Problem:
    """Django's refusals of a request body (too large, too many parts) as problems, not its HTML 400."""
    too_large = (
        django_exceptions.RequestDataTooBig,
        django_exceptions.TooManyFieldsSent,
        django_exceptions.TooManyFilesSent,
    )
    if isinstance(exc, too_large):
        return Problem(413, "too_large", "The request has too much data or too many parts.")
    return Problem(400, "malformed", "The request could not be read.")


def problem_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, django_exceptions.SuspiciousOperation):
        exc = _suspicious(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None  # a real fault: Django's 500 (and the error log), never a problem document lie
    request = context.get("request")
    code, extra = "error", {}
    if isinstance(exc, Problem):
        code, extra = str(exc.get_codes()), exc.extra
    elif isinstance(exc, exceptions.ValidationError):
        code, extra = "invalid", {"errors": response.data}
    elif isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        code = "unauthenticated"
    elif isinstance(exc, exceptions.Throttled):
        code = "rate_limited"
    elif isinstance(exc, exceptions.NotFound | Http404):
        code = "not_found"
    elif isinstance(exc, exceptions.PermissionDenied | django_exceptions.PermissionDenied):
        code = "forbidden"
    elif isinstance(exc, exceptions.MethodNotAllowed):
        code = "method_not_allowed"
    elif isinstance(exc, exceptions.NotAcceptable):
        code = "not_acceptable"
    elif isinstance(exc, exceptions.ParseError | exceptions.UnsupportedMediaType):
        code = "malformed"
    detail = exc.detail if isinstance(exc, exceptions.APIException) and isinstance(exc.detail, str) else ""
    body = {
        "type": PROBLEM_BASE + code,
        "title": code.replace("_", " ").capitalize(),
        "status": response.status_code,
        "detail": str(detail) or _status_text(response.status_code),
        "code": code,
        "request_id": getattr(request, "request_id", None) if request is not None else None,
        **extra,
    }
    response.data = body
    response.content_type = "application/problem+json"
    if response.status_code == 401:
        response["WWW-Authenticate"] = 'Bearer realm="zairyu-api"'
    return response


def _status_text(code: int) -> str:
    from http import HTTPStatus

    return HTTPStatus(code).phrase


class _NoFormatOverride:
    URL_FORMAT_OVERRIDE = None

    def __getattr__(self, name: str) -> Any:
        return getattr(api_settings, name)


class OperatorContentNegotiation(DefaultContentNegotiation):
    """DRF's negotiation on the Accept header alone: ``?format=`` is no switch of this API (DRF would
    answer an unknown format with a 404 for an endpoint that exists)."""

    settings = _NoFormatOverride()


def _nul_errors(request: Request, path_parameters: dict[str, Any]) -> list[dict[str, str]]:
    """Parameters holding a NUL character, which no text column can store (PostgreSQL refuses it
    with an error): they are bad input, to be refused before any lookup."""
    where = list(path_parameters.items())
    where += [(name, value) for name, values in request.query_params.lists() for value in [name, *values]]
    names = sorted({name for name, value in where if "\x00" in str(value)})
    return [
        {"field": name, "code": "nul", "ja": "NUL文字は使えません。", "en": "A NUL character is not allowed."}
        for name in names
    ]


class OperatorAPIView(APIView):
    """Every endpoint: operator authentication, the rate limit, a request id, an audit event."""

    authentication_classes = [OperatorAuthentication]
    throttle_classes = [OperatorRateThrottle]
    permission_classes: list[Any] = []
    content_negotiation_class = OperatorContentNegotiation

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # One id per request: the one RequestIdMiddleware gave (the caller's X-Request-ID if sane),
        # which it also puts on the audit rows and in the response header.
        request.request_id = getattr(request._request, "request_id", "") or uuid.uuid4().hex  # type: ignore[attr-defined]
        super().initial(request, *args, **kwargs)
        if not isinstance(request.user, OperatorPrincipal):
            raise Problem(401, "unauthenticated", "Send Authorization: Bearer <key id>.<secret>.")
        errors = _nul_errors(request, kwargs)
        if errors:
            raise Problem(400, "invalid", "A parameter holds a NUL character (see errors).", errors=errors)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        request_id = getattr(request, "request_id", None)
        principal = getattr(request, "_user", None)
        if isinstance(principal, OperatorPrincipal):
            with transaction.atomic():
                audit_log(
                    actor=None, action="api.call", target=principal.operator, institution_id=None,
                    data={"request_id": request_id, "method": request.method, "path": audit_path(request),
                          "status": response.status_code, "key_id": principal.credential.key_id},
                )  # fmt: skip
            OperatorCredential.objects.filter(pk=principal.credential.pk).update(last_used_at=timezone.now())
        return response


__all__ = ["OperatorAPIView", "Problem", "problem_handler", "status"]


class OperatorAuthenticationScheme(OpenApiAuthenticationExtension):  # type: ignore[misc]
    """How the schema describes OperatorAuthentication: an HTTP bearer token ``<key id>.<secret>``."""

    target_class = "applications.api.framework.OperatorAuthentication"
    name = "operatorKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "bearerFormat": "<key id>.<secret>"}
