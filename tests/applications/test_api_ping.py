"""The API's ground floor through HTTP (applications/api/framework.py, views.py, urls.py): the
bearer credential, the address check, the per-operator rate limit, the request id, one audit event
per authenticated call, RFC 9457 problem details for every error, and the public OpenAPI schema and
its docs page served without a CDN."""

from __future__ import annotations

import json
import re
import types
from html.parser import HTMLParser
from typing import Any

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from applications import api_credentials as svc
from applications.api import framework
from applications.api_models import OperatorCredential, OperatorStatus, ServiceOperator
from backoffice.audit.models import AuditEvent
from tests.factories import valid_corporate_number

pytestmark = pytest.mark.django_db

INSIDE = "203.0.113.5"
INSIDE_V6 = "2001:db8::5"
OUTSIDE = "198.51.100.7"
PROBLEM_KEYS = {"type", "title", "status", "detail", "code", "request_id"}
GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture(autouse=True)
def _empty_rate_counters() -> Any:
    caches["api"].clear()
    yield
    caches["api"].clear()


@pytest.fixture
def admin(cast: dict[str, Any]) -> Any:
    return cast["users"]["admin"]


def make_operator(admin: Any, seed: int, **overrides: Any) -> ServiceOperator:
    values: dict[str, Any] = {
        "name": f"申請サービス{seed}",
        "corporate_number": valid_corporate_number(seed),
        "contact_name": "山田 花子",
        "contact_email": "api@sample.example",
        "allowed_networks": ["203.0.113.0/24", "2001:db8::/32"],
        "rate_limit_per_minute": 60,
    }
    values.update(overrides)
    return svc.operator_register(actor=admin, **values)


@pytest.fixture
def operator(admin: Any) -> ServiceOperator:
    return make_operator(admin, 8001)


@pytest.fixture
def issued(admin: Any, operator: ServiceOperator) -> tuple[OperatorCredential, str]:
    return svc.credential_issue(actor=admin, operator_id=operator.pk)


@pytest.fixture
def token(issued: tuple[OperatorCredential, str]) -> str:
    return issued[1]


def ping(token: str | None = None, *, address: str = INSIDE, method: str = "get", **headers: Any) -> Any:
    extra: dict[str, Any] = {"REMOTE_ADDR": address, **headers}
    if token is not None:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return getattr(Client(), method)(reverse("api_ping"), **extra)


def api_calls() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="api.call").order_by("global_seq"))


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].split(";")[0] == "application/problem+json"
    body = json.loads(response.content)
    assert set(body) >= PROBLEM_KEYS, body
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"].endswith("/" + code)
    assert body["title"] and body["detail"]
    assert body["request_id"]  # that it is the header's too: test_the_request_id_is_one_id
    return body


# --- the happy path -----------------------------------------------------------------------------


def test_ping_answers_with_the_operator_and_key(
    operator: ServiceOperator, issued: tuple[OperatorCredential, str]
) -> None:
    credential, token = issued
    response = ping(token)
    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == "application/json"
    body = response.json()
    assert body["operator"] == operator.name
    assert body["key_id"] == credential.key_id
    assert GENERATED_ID.match(body["request_id"])
    assert body["server_time"]
    assert token.partition(".")[2] not in response.content.decode()


def test_ping_from_an_ipv6_address_in_range(token: str) -> None:
    assert ping(token, address=INSIDE_V6).status_code == 200


def test_the_scheme_is_case_insensitive(token: str) -> None:
    response = Client().get(reverse("api_ping"), REMOTE_ADDR=INSIDE, HTTP_AUTHORIZATION=f"bearer {token}")
    assert response.status_code == 200


def test_a_call_records_last_used(issued: tuple[OperatorCredential, str]) -> None:
    credential, token = issued
    assert credential.last_used_at is None
    assert ping(token).status_code == 200
    credential.refresh_from_db()
    assert credential.last_used_at is not None


# --- the request id -----------------------------------------------------------------------------


@pytest.mark.parametrize("given", ["order-4711", "abc-1234", "a.b_c-D9", "x" * 64])
def test_a_valid_request_id_is_echoed(token: str, given: str) -> None:
    response = ping(token, HTTP_X_REQUEST_ID=given)
    assert response.status_code == 200
    assert response["X-Request-Id"] == given
    assert response.json()["request_id"] == given
    (event,) = api_calls()
    assert event.data["request_id"] == given


@pytest.mark.parametrize("given", ["bad id!", "x" * 65, "<script>", "abc-123", "A"])
def test_an_invalid_request_id_is_replaced(token: str, given: str) -> None:
    response = ping(token, HTTP_X_REQUEST_ID=given)
    assert response.status_code == 200
    made = response.json()["request_id"]
    assert made != given and GENERATED_ID.match(made)
    assert response["X-Request-Id"] == made
    (event,) = api_calls()
    assert event.data["request_id"] == made


def test_the_request_id_is_one_id(token: str) -> None:
    """Without an X-Request-Id the server makes one: the same in the header, the body, and the audit
    event, for a success and for an error."""
    ok = ping(token)
    assert ok.json()["request_id"] == ok["X-Request-Id"]
    assert api_calls()[-1].data["request_id"] == ok["X-Request-Id"]
    refused = ping("zk_0000000000000000.wrong")
    assert json.loads(refused.content)["request_id"] == refused["X-Request-Id"]


def test_an_error_carries_the_request_id(token: str) -> None:
    response = ping("zk_0000000000000000.wrong", HTTP_X_REQUEST_ID="order-4712")
    body = assert_problem(response, 401, "unauthenticated")
    assert body["request_id"] == "order-4712"


# --- auditing -----------------------------------------------------------------------------------


def test_one_audit_event_per_authenticated_call(
    operator: ServiceOperator, issued: tuple[OperatorCredential, str]
) -> None:
    credential, token = issued
    first = ping(token, HTTP_X_REQUEST_ID="order-0001")
    second = ping(token, HTTP_X_REQUEST_ID="order-0002")
    assert first.status_code == second.status_code == 200
    events = api_calls()
    assert len(events) == 2
    for event, request_id in zip(events, ["order-0001", "order-0002"], strict=True):
        assert event.actor_id is None
        assert (event.target_type, event.target_id) == ("applications.serviceoperator", str(operator.pk))
        assert event.data == {
            "request_id": request_id,
            "method": "GET",
            "path": reverse("api_ping"),
            "status": 200,
            "key_id": credential.key_id,
        }
        assert token.partition(".")[2] not in repr(event.data)


def test_the_audit_rows_request_id_is_the_calls(token: str) -> None:
    """The row's own request_id column (from RequestIdMiddleware) is the id the caller sees."""
    for given in ("order-4711", "abc-1234"):
        response = ping(token, HTTP_X_REQUEST_ID=given)
        event = api_calls()[-1]
        assert event.request_id == response["X-Request-Id"] == given


def test_a_refused_call_writes_no_call_event(token: str) -> None:
    ping(None)
    ping("zk_0000000000000000.wrong")
    ping(token.replace("zk_", "xx_"))
    assert api_calls() == []


def test_a_405_of_an_authenticated_call_is_audited_with_its_status(token: str) -> None:
    ping(token, method="post", HTTP_X_REQUEST_ID="order-0405")
    (event,) = api_calls()
    assert event.data["status"] == 405 and event.data["method"] == "POST"
    assert event.data["request_id"] == "order-0405"


# --- authentication errors ----------------------------------------------------------------------


def test_a_missing_header_is_401_with_a_challenge() -> None:
    response = ping(None)
    assert_problem(response, 401, "unauthenticated")
    assert response["WWW-Authenticate"].lower().startswith("bearer")


@pytest.mark.parametrize(
    "header",
    [
        "Basic dXNlcjpwYXNz",
        "Token zk_0000000000000000.abc",
        "Bearer",
        "Bearer a b",
        "Bearer ",
        "zk_0000000000000000.abc",
    ],
)
def test_a_wrong_scheme_or_shape_is_401(token: str, header: str) -> None:
    response = Client().get(reverse("api_ping"), REMOTE_ADDR=INSIDE, HTTP_AUTHORIZATION=header)
    assert_problem(response, 401, "unauthenticated")


@pytest.mark.parametrize(
    "make",
    [
        lambda t: "zk_0000000000000000." + t.partition(".")[2],  # unknown key
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # tampered secret
        lambda t: t.replace(".", ""),  # no dot
        lambda t: t.replace("zk_", "pk_", 1),  # wrong prefix
        lambda t: t + "A" * (500 - len(t)),  # 500 characters
        lambda t: "A" * 5000,
        lambda t: "zk_é.ü",  # latin-1, not ASCII
        lambda t: "zk_.",
    ],
)
def test_a_bad_token_is_401(token: str, make: Any) -> None:
    response = ping(make(token))
    assert_problem(response, 401, "unauthenticated")


@pytest.mark.parametrize(
    "header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer zk_0000000000000000.unknown", "Bearer zk_no-dot"]
)
def test_every_401_carries_a_challenge(token: str, header: str) -> None:
    """RFC 9110 §15.5.2: a 401 response MUST send WWW-Authenticate."""
    response = Client().get(reverse("api_ping"), REMOTE_ADDR=INSIDE, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].lower().startswith("bearer")


def test_revoked_and_suspended_are_401(admin: Any, operator: ServiceOperator, token: str) -> None:
    svc.operator_set_status(actor=admin, operator_id=operator.pk, status=OperatorStatus.SUSPENDED)
    assert_problem(ping(token), 401, "unauthenticated")
    svc.operator_set_status(actor=admin, operator_id=operator.pk, status=OperatorStatus.ACTIVE)
    assert ping(token).status_code == 200
    credential = OperatorCredential.objects.get(operator=operator)
    svc.credential_revoke(actor=admin, credential_id=credential.pk)
    assert_problem(ping(token), 401, "unauthenticated")


def test_a_rotated_out_token_is_401(admin: Any, operator: ServiceOperator, token: str) -> None:
    _new, new_token = svc.credential_rotate(actor=admin, operator_id=operator.pk, grace_hours=0)
    assert_problem(ping(token), 401, "unauthenticated")
    assert ping(new_token).status_code == 200


# --- the address --------------------------------------------------------------------------------


@pytest.mark.parametrize("address", [OUTSIDE, "127.0.0.1", "2001:db9::1", "", "unknown"])
def test_an_address_outside_the_ranges_is_403(token: str, address: str) -> None:
    response = ping(token, address=address)
    assert_problem(response, 403, "address_not_allowed")


def test_forwarding_headers_are_not_trusted(token: str) -> None:
    response = ping(token, address=OUTSIDE, HTTP_X_FORWARDED_FOR=INSIDE, HTTP_X_REAL_IP=INSIDE)
    assert_problem(response, 403, "address_not_allowed")


def test_an_operator_without_ranges_is_refused_everywhere(admin: Any) -> None:
    operator = make_operator(admin, 8002, allowed_networks=[])
    _credential, token = svc.credential_issue(actor=admin, operator_id=operator.pk)
    for address in (INSIDE, "127.0.0.1", "::1"):
        assert_problem(ping(token, address=address), 403, "address_not_allowed")


# --- the rate limit -----------------------------------------------------------------------------


@pytest.fixture
def frozen_minute(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The throttle's clock, fixed inside one minute (so a test never straddles two windows)."""
    clock = types.SimpleNamespace(now=1_800_000_000.0 + 5)
    monkeypatch.setattr(framework, "time", types.SimpleNamespace(time=lambda: clock.now))
    return clock


def test_the_rate_limit_is_per_operator_per_minute(admin: Any, frozen_minute: Any) -> None:
    limited = make_operator(admin, 8003, rate_limit_per_minute=3)
    _c, token = svc.credential_issue(actor=admin, operator_id=limited.pk)
    other = make_operator(admin, 8004, rate_limit_per_minute=3)
    _o, other_token = svc.credential_issue(actor=admin, operator_id=other.pk)
    assert [ping(token).status_code for _ in range(3)] == [200, 200, 200]
    fourth = ping(token)
    assert_problem(fourth, 429, "rate_limited")
    assert 0 < int(fourth["Retry-After"]) <= 60
    assert ping(other_token).status_code == 200  # another operator has its own count
    # a second credential of the same operator shares the operator's count
    _c2, token2 = svc.credential_issue(actor=admin, operator_id=limited.pk)
    assert_problem(ping(token2), 429, "rate_limited")
    # the throttled calls are audited with their status
    statuses = [e.data["status"] for e in api_calls() if e.target_id == str(limited.pk)]
    assert statuses == [200, 200, 200, 429, 429]
    # the next minute starts afresh
    frozen_minute.now += 60
    assert ping(token).status_code == 200


def test_refused_calls_do_not_use_up_the_limit(admin: Any, frozen_minute: Any) -> None:
    limited = make_operator(admin, 8005, rate_limit_per_minute=2)
    _c, token = svc.credential_issue(actor=admin, operator_id=limited.pk)
    for _ in range(5):
        ping(token, address=OUTSIDE)
        ping(token[:-1] + "?")
    assert [ping(token).status_code for _ in range(2)] == [200, 200]


# --- methods and never a 500 --------------------------------------------------------------------


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_other_methods_are_405_problems(token: str, method: str) -> None:
    response = ping(token, method=method)
    assert_problem(response, 405, "method_not_allowed")


def test_a_post_with_a_broken_body_is_still_a_problem(token: str) -> None:
    response = Client().post(
        reverse("api_ping"), data=b"{not json", content_type="application/json",
        REMOTE_ADDR=INSIDE, HTTP_AUTHORIZATION=f"Bearer {token}",
    )  # fmt: skip
    assert response.status_code in (400, 405)
    assert response["Content-Type"].split(";")[0] == "application/problem+json"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_AUTHORIZATION": "Bearer zk_" + "\x7f" * 40 + ".x"},
        {"HTTP_AUTHORIZATION": "Bearer zk_a.b", "HTTP_X_REQUEST_ID": "\x00"},
        {"HTTP_AUTHORIZATION": "Bearer zk_a.b", "REMOTE_ADDR": "not-an-ip"},
        {"HTTP_AUTHORIZATION": "Bearer " + "zk_" + "9" * 197 + ".x"},
        {"HTTP_AUTHORIZATION": "Bearer zk_x.y", "HTTP_ACCEPT": "text/html"},
        {"HTTP_AUTHORIZATION": "Bearer zk_x.y", "HTTP_ACCEPT": "application/xml"},
    ],
)
@pytest.mark.parametrize("method", ["get", "post", "options", "head"])
def test_errors_are_problems_never_500(headers: dict[str, str], method: str) -> None:
    extra = {"REMOTE_ADDR": INSIDE, **headers}
    response = getattr(Client(), method)(reverse("api_ping"), **extra)
    assert response.status_code < 500
    assert 400 <= response.status_code < 500
    assert response["Content-Type"].split(";")[0] == "application/problem+json"
    if method != "head":
        assert json.loads(response.content)["status"] == response.status_code


# --- the schema and the docs --------------------------------------------------------------------


def _check_schema(document: dict[str, Any]) -> None:
    assert str(document["openapi"]).startswith("3.")
    assert "/api/v1/ping" in document["paths"]
    assert all(path.startswith("/api/v1/") for path in document["paths"]), document["paths"].keys()
    operation = document["paths"]["/api/v1/ping"]["get"]
    assert operation["security"] == [{"operatorKey": []}]
    scheme = document["components"]["securitySchemes"]["operatorKey"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"


def test_the_schema_is_public_openapi_yaml() -> None:
    response = Client().get(reverse("api_schema"))
    assert response.status_code == 200
    _check_schema(yaml.safe_load(response.content))


def test_the_schema_as_json() -> None:
    response = Client().get(reverse("api_schema") + "?format=json")
    assert response.status_code == 200
    _check_schema(json.loads(response.content))


def test_the_schema_is_the_same_for_a_logged_in_administrator(client_for: Any) -> None:
    anonymous = json.loads(Client().get(reverse("api_schema") + "?format=json").content)
    admin = json.loads(client_for("admin").get(reverse("api_schema") + "?format=json").content)
    assert anonymous == admin


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href") and value is not None:
                self.urls.append(value)


def test_the_docs_page_uses_no_cdn() -> None:
    response = Client().get(reverse("api_docs"))
    assert response.status_code == 200
    html = response.content.decode()
    parser = _Assets()
    parser.feed(html)
    assert any(url.endswith(".js") for url in parser.urls), parser.urls
    for url in parser.urls:
        assert url.startswith("/static/"), url
        assert finders.find(url.removeprefix("/static/")), f"{url} is not a packaged static file"
    assert "https://" not in html and "http://" not in html
    assert reverse("api_schema") in html


def test_a_valid_key_from_a_wrong_address_is_refused_and_audited(token: str) -> None:
    assert_problem(ping(token, address="198.51.100.7"), 403, "address_not_allowed")
    (event,) = AuditEvent.objects.filter(action="api.refused_address")
    assert event.data["address"] == "198.51.100.7"
    assert token.split(".", 1)[1] not in str(event.data)


@pytest.mark.parametrize(
    "path", ["/api/v1/ping/", "/api/v2/ping", "/api/v1/applications/P-1%2F2/supplement/x"]
)
def test_a_path_that_names_no_endpoint_is_a_problem_not_an_html_page(path: str) -> None:
    response = Client().get(path, HTTP_X_REQUEST_ID="order-4711-unknown")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "not_found" and body["request_id"] == "order-4711-unknown"
    assert set(body) >= PROBLEM_KEYS
