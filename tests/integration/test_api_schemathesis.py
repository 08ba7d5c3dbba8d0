"""Schemathesis against the live test server (issue 7): every operation of the published OpenAPI
schema (/api/schema/), authenticated as a registered operator, with schema-valid and deliberately
invalid data (the examples, coverage and fuzzing phases), and every built-in check: no 5xx, only
documented status codes, content types, bodies and headers. Any failure fails the build.

The run is deterministic (a fixed seed, no example database) and bounded (``MAX_EXAMPLES`` fuzzed
cases per operation and mode on top of the examples and coverage phases)."""

from __future__ import annotations

import json
import os
import secrets
import urllib.request
from collections import Counter
from typing import Any

import pytest
import schemathesis
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from hypothesis import HealthCheck, settings

from applications import api_credentials
from applications.api_models import OperatorCredential
from backoffice.audit.models import AuditEvent
from tests.factories import valid_corporate_number

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# Fixed by default; set either to dig deeper locally (e.g. API_FUZZ_SEED=$RANDOM API_FUZZ_EXAMPLES=500).
SEED = int(os.environ.get("API_FUZZ_SEED", "20261126"))
MAX_EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "100"))
# Signed submissions: the schema can describe the parts (a JSON payload, a detached CMS signature)
# but not that the signature verifies against a registered card, so schema-valid random parts are
# rightly refused with 400 (malformed) or 422 (signature, permission); positive data must still
# never meet a 5xx, an undocumented status, or a 401/403 once authenticated.
SIGNED_OPERATIONS = ["application_submit", "supplement_answer"]

# The operator's credential, known before the schema is loaded so that Schemathesis applies it as the
# schema's own security scheme (operatorKey): then it also knows when a case leaves it out on purpose
# (a negative case for the Authorization header) and must be refused with 401.
KEY_ID = f"{api_credentials.KEY_PREFIX}{secrets.token_hex(8)}"
SECRET = secrets.token_urlsafe(32)

# What reached the server: cases per operation label ("GET /api/v1/ping") and generation mode, and
# the answers per operation label and status code.
CALLS: Counter[tuple[str, str]] = Counter()
ANSWERS: Counter[tuple[str, int]] = Counter()


def _config() -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "database": "none"},
            "phases": {
                "examples": {"enabled": True},
                "coverage": {"enabled": True},
                "fuzzing": {"enabled": True},
            },
            "checks": {"enabled": True},
            "auth": {"openapi": {"operatorKey": {"bearer": f"{KEY_ID}.{SECRET}"}}},
            "operations": [
                {
                    "include-operation-id": SIGNED_OPERATIONS,
                    "checks": {
                        "positive_data_acceptance": {"expected-statuses": ["2xx", "400", "404", "409", "422"]}
                    },
                }
            ],
        }
    )


@pytest.fixture
def fuzz_operator(cast: dict[str, Any]) -> Any:
    """An operator allowed from loopback (where the live server sees the calls come from), with a
    rate limit the fuzz run never reaches, holding the credential ``KEY_ID.SECRET``."""
    admin = cast["users"]["admin"]
    operator = api_credentials.operator_register(
        actor=admin, name="株式会社ファズ検証", corporate_number=valid_corporate_number(97),
        contact_name="検証 太郎", contact_email="fuzz@sample.example", allowed_networks=["127.0.0.0/8", "::1/128"],
        rate_limit_per_minute=10_000,
    )  # fmt: skip
    credential, _token = api_credentials.credential_issue(actor=admin, operator_id=operator.pk)
    OperatorCredential.objects.filter(pk=credential.pk).update(
        key_id=KEY_ID, secret_hmac=api_credentials._secret_hmac(SECRET)
    )
    return operator


def _published_schema() -> dict[str, Any]:
    """The OpenAPI document /api/schema/?format=json serves, built here at collection time (before any
    server runs) so that every operation becomes a test item of its own."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))  # type: ignore[no-any-return]


PUBLISHED = _published_schema()
schema = schemathesis.openapi.from_dict(PUBLISHED, config=_config())


@schema.parametrize()
# The operator and its token are meant to be the same for every generated case.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_fuzz_every_operation(case: Any, live_server: Any, fuzz_operator: Any) -> None:
    mode = case.meta.generation.mode.value if case.meta is not None else "explicit"
    CALLS[(case.operation.label, mode)] += 1
    response = case.call_and_validate(base_url=live_server.url)
    ANSWERS[(case.operation.label, response.status_code)] += 1


def test_the_fuzz_run_reached_every_operation_of_the_live_schema(live_server: Any) -> None:
    with urllib.request.urlopen(f"{live_server.url}/api/schema/?format=json", timeout=30) as answer:
        live = json.loads(answer.read())
    assert live == PUBLISHED, "the fuzzed schema is the one the live server publishes"
    operations = [result.ok().label for result in schema.get_all_operations()]
    assert len(operations) >= 5, operations
    if not CALLS:
        pytest.fail("run test_fuzz_every_operation first (this test checks what it reached)", pytrace=False)
    seen = f"cases sent: {dict(CALLS)}; answers: {dict(ANSWERS)}"
    for label in operations:
        assert CALLS[(label, "positive")] > 0, f"no schema-valid case reached {label}; {seen}"
        assert CALLS[(label, "negative")] > 0, f"no invalid case reached {label}; {seen}"
        # The credential worked: not everything stopped at the door.
        past_the_door = sum(n for (op, code), n in ANSWERS.items() if op == label and code not in (401, 403))
        assert past_the_door > 0, f"every case for {label} was refused as unauthenticated; {seen}"
    assert ANSWERS[("GET /api/v1/ping", 200)] > 0, seen
    assert sum(n for (_op, code), n in ANSWERS.items() if code == 401) > 0, (
        f"no case left the credential out; {seen}"
    )


# What fuzzing found, kept as plain regression checks on PostgreSQL (SQLite stores a NUL that
# PostgreSQL refuses): each hostile request gets a problem document with a status that its operation
# documents, never a 500 or Django's HTML error page, and is audited like any authenticated call.
def _multipart(fields: dict[str, str]) -> tuple[str, bytes]:
    return MULTIPART_CONTENT, encode_multipart(BOUNDARY, fields)


DETAIL, SUPPLEMENT = "/api/v1/applications/{number}", "/api/v1/applications/{number}/supplement"
HOSTILE = [
    pytest.param("GET", "/api/v1/applications/P-1%00", DETAIL, {}, None, 400, id="nul-in-path"),
    pytest.param("GET", "/api/v1/applications?authentication_id=1234-5678-9012%00", "/api/v1/applications", {},
                 None, 400, id="nul-in-query"),
    pytest.param("GET", "/api/v1/ping?x%00=1", "/api/v1/ping", {}, None, 400, id="nul-in-query-name"),
    pytest.param("GET", "/api/v1/ping", "/api/v1/ping", {"HTTP_ACCEPT": "text/html"}, None, 406, id="not-json"),
    pytest.param("GET", "/api/v1/ping?format=xml", "/api/v1/ping", {}, None, 200, id="format-is-no-switch"),
    pytest.param("POST", "/api/v1/applications", "/api/v1/applications", {}, ("text/plain", b"hello"), 415,
                 id="not-multipart"),
    pytest.param("POST", "/api/v1/applications", "/api/v1/applications", {},
                 _multipart({f"part{i}": "x" for i in range(1200)}), 413, id="too-many-parts"),
    pytest.param("POST", "/api/v1/applications/P-1/supplement", SUPPLEMENT, {},
                 _multipart({"payload": "x" * 3_000_000}), 413, id="too-large"),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "operation", "headers", "body", "status"), HOSTILE)
def test_hostile_requests_get_documented_problems(
    fuzz_operator: Any, method: str, path: str, operation: str, headers: dict[str, str],
    body: tuple[str, bytes] | None, status: int,
) -> None:  # fmt: skip
    client = Client(HTTP_AUTHORIZATION=f"Bearer {KEY_ID}.{SECRET}", REMOTE_ADDR="127.0.0.1")
    content_type, data = body or ("", b"")
    response = client.generic(
        method, path, data, content_type=content_type, HTTP_IDEMPOTENCY_KEY="hostile-0001", **headers
    )
    assert response.status_code == status, response.content[:500]
    documented = PUBLISHED["paths"][operation][method.lower()]["responses"][str(status)]["content"]
    assert response["Content-Type"] in documented, (response["Content-Type"], list(documented))
    if status >= 400:
        assert json.loads(response.content)["status"] == status
    if status != 406:  # content negotiation comes before authentication: no operator to audit yet
        assert AuditEvent.objects.filter(action="api.call", data__status=status).exists()
