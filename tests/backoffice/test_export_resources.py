"""What the exports hold (issue 8 §1): usage requests with their rule results, applications
with their steps, authentication IDs (never a secret) and their revocations; each export asks
the database the same number of questions for one row as for five."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from applications.lists import STEPS, ApplicationResource
from applications.models import Application
from reviews.models import Review
from tests.applications.conftest import cast_apps  # noqa: F401  (a fixture, re-used)
from tests.applications.test_views import file_and_submit, received
from tests.usage_requests.conftest import cast_ur, file_and_approve  # noqa: F401  (a fixture, re-used)
from usage_requests import auth_ids
from usage_requests.id_lists import AuthIdResource, RevocationResource
from usage_requests.lists import UsageRequestResource
from usage_requests.models import AuthenticationId, AuthIdState, UsageRequest

pytestmark = pytest.mark.django_db

TOKEN_HASH = "f" * 64


RESOURCES = {
    "usage_requests:list": UsageRequestResource,
    "applications:list": ApplicationResource,
    "usage_requests:auth_ids": AuthIdResource,
    "usage_requests:revocations": RevocationResource,
}


def _export(client: Any, url_name: str, **params: str) -> list[dict[str, str]]:
    """The export's rows, keyed by the resource's field names (the headers are the fields'
    names in the user's language)."""
    response = client.get(reverse(url_name), {"export": "csv", **params})
    assert response.status_code == 200, response.content[:500]
    data = b"".join(response.streaming_content) if response.streaming else response.content
    assert data.startswith(b"\xef\xbb\xbf")
    header, *rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    names = [str(field.column_name) for field in RESOURCES[url_name]().get_export_fields()]
    assert len(header) == len(names)
    return [dict(zip(names, row, strict=True)) for row in rows]


def _headers(client: Any, url_name: str) -> list[str]:
    response = client.get(reverse(url_name), {"export": "csv"})
    data = b"".join(response.streaming_content) if response.streaming else response.content
    return next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _queries(client: Any, url_name: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        _export(client, url_name)
    return len(queries)


def _submitted(cast: dict[str, Any]) -> UsageRequest:
    from usage_requests.services import usage_request_create, usage_request_transition

    request = usage_request_create(
        actor=cast["users"]["hr"], institution=cast["company"], acting_for=None, kind="new", declared_facts={}
    )
    usage_request_transition(actor=cast["users"]["hr"], request_id=request.pk, name="submit")
    return UsageRequest.objects.select_related("review").get(pk=request.pk)


# Usage requests, with their rule results --------------------------------------------------


def test_usage_requests_export_the_rule_results_of_the_latest_evaluation(
    client_for: Any,
    cast_ur: dict[str, Any],  # noqa: F811
) -> None:
    approved = file_and_approve(cast_ur)
    review = Review.objects.get(usage_request=approved)
    assert review.results, "the approval evaluated the rules"
    settled = _submitted(cast_ur)
    Review.objects.filter(usage_request=settled).update(
        results=[
            {"code": "REQ-CAT34", "outcome": "pass"},
            {"code": "REQ-PLEDGE", "outcome": "fail"},
            {"code": "REQ-AGENT", "outcome": "needs_review"},
        ],
        overrides={"REQ-AGENT": {"outcome": "pass", "by": "reviewer"}},
    )
    rows = {row["id"]: row for row in _export(client_for("auditor"), "usage_requests:list")}
    expected = "; ".join(f"{r['code']}: {r['outcome']}" for r in review.results)
    assert rows[str(approved.pk)]["rule_results"] == expected
    assert (
        rows[str(settled.pk)]["rule_results"]
        == "REQ-CAT34: pass; REQ-PLEDGE: fail; REQ-AGENT: needs_review → pass"
    )
    assert rows[str(approved.pk)]["bureau"] == review.bureau.name_ja


def test_the_usage_request_export_does_not_query_per_row(
    client_for: Any,
    cast_ur: dict[str, Any],  # noqa: F811
) -> None:
    auditor = client_for("auditor")
    _submitted(cast_ur)
    one = _queries(auditor, "usage_requests:list")
    for _ in range(4):
        _submitted(cast_ur)
    assert len(_export(auditor, "usage_requests:list")) == 5
    assert _queries(auditor, "usage_requests:list") == one


# Applications, with their steps ---------------------------------------------------------


def _copies(application: Application, n: int) -> None:
    """``n`` more applications like ``application`` (without its unique numbers)."""
    for _ in range(n):
        application.pk = None
        application.provisional_number = application.receipt_number = None
        application.receipt_year = application.receipt_serial = None
        application.save()


def test_applications_export_their_numbers_dates_fee_and_steps(
    client_for: Any,
    cast_apps: dict[str, Any],  # noqa: F811
) -> None:
    application = received(client_for("hr"), cast_apps)
    when = timezone.make_aware(datetime(2025, 5, 1, 10, 0))
    Application.objects.filter(pk=application.pk).update(
        decided_at=when, fee_yen=4000, fee_confirmed_at=when, tracking_number="EJ123456789JP", mailed_at=when
    )
    application.refresh_from_db()
    rows = {row["id"]: row for row in _export(client_for("auditor"), "applications:list")}
    row = rows[str(application.pk)]
    assert row["receipt_number"] == application.receipt_number and application.receipt_number
    assert row["provisional_number"] == (application.provisional_number or "")
    assert row["fee_yen"] == "4000" and row["tracking_number"] == "EJ123456789JP"
    assert row["submitted_at"] and row["received_at"] and row["decided_at"]
    filed = timezone.localdate(application.submitted_at).isoformat()
    got = timezone.localdate(application.received_at).isoformat()
    with translation.override(settings.LANGUAGE_CODE):  # the export's language
        label = {name: str(text) for name, text in STEPS}
    assert row["steps"] == "; ".join(
        [f"{label['submitted_at']} {filed}", f"{label['received_at']} {got}"]
        + [f"{label[name]} 2025-05-01" for name in ("decided_at", "fee_confirmed_at", "mailed_at")]
    )


def test_the_application_export_does_not_query_per_row(
    client_for: Any,
    cast_apps: dict[str, Any],  # noqa: F811
) -> None:
    auditor = client_for("auditor")
    application = file_and_submit(client_for("hr"), cast_apps)
    Application.objects.exclude(pk=application.pk).delete()  # the re-entry filed with it
    one = _queries(auditor, "applications:list")
    _copies(application, 4)
    assert len(_export(auditor, "applications:list")) == 5
    assert _queries(auditor, "applications:list") == one


# Authentication IDs and revocations ------------------------------------------------------


def _ids(cast: dict[str, Any], n: int, *, revoked: bool) -> list[AuthenticationId]:
    """``n`` IDs of the company's HR officer, each on a request of its own, with a password
    and a pending one-time link that no export may show."""
    made = []
    for _ in range(n):
        request = _submitted(cast)
        made.append(
            AuthenticationId.objects.create(
                code=auth_ids.generate(),
                holder=cast["users"]["hr"],
                institution=cast["company"],
                usage_request=request,
                validity_years=3,
                password=make_password("s3cret-pass"),
                password_token_hash=TOKEN_HASH,
                password_token_expires_at=timezone.now(),
                state=AuthIdState.REVOKED if revoked else AuthIdState.ACTIVE,
                revoked_at=timezone.now() if revoked else None,
                revocation_reason="sanction" if revoked else "",
                revocation_note="名義貸しの疑い" if revoked else "",
            )
        )
    return made


def _no_secrets(rows: list[dict[str, str]], made: list[AuthenticationId], headers: list[str]) -> None:
    """No secret column (by field name or by its header in the export's language) and no
    secret-looking value: password hashes, the one-time link's hash."""
    secret_fields = {"password", "password_token_hash", "password_token_expires_at"}
    assert not secret_fields & set(rows[0])
    assert not [name for name in rows[0] if "token" in name or "hash" in name or "secret" in name]
    meta = AuthenticationId._meta
    secret_headers = {str(meta.get_field(name).verbose_name).lower() for name in secret_fields}
    assert not secret_headers & {h.lower() for h in headers}, headers
    cells = {cell for row in rows for cell in row.values()}
    for auth_id in made:
        assert auth_id.password not in cells and TOKEN_HASH not in cells
    assert not [cell for cell in cells if "$" in cell or len(cell) >= 64], cells


def test_authentication_ids_export_without_secrets(client_for: Any, cast_ur: dict[str, Any]) -> None:  # noqa: F811
    made = _ids(cast_ur, 1, revoked=False)
    rows = _export(client_for("auditor"), "usage_requests:auth_ids")
    assert [row["code"] for row in rows] == [made[0].code]
    row = rows[0]
    assert row["holder"] == cast_ur["users"]["hr"].username
    assert row["institution"] == cast_ur["company"].name
    assert row["usage_request"] == str(made[0].usage_request_id)
    assert row["state"] == str(AuthIdState.ACTIVE.label)
    _no_secrets(rows, made, _headers(client_for("auditor"), "usage_requests:auth_ids"))


def test_revocations_export_when_why_and_the_note(client_for: Any, cast_ur: dict[str, Any]) -> None:  # noqa: F811
    _ids(cast_ur, 1, revoked=False)
    made = _ids(cast_ur, 1, revoked=True)
    rows = _export(client_for("auditor"), "usage_requests:revocations")
    assert [row["code"] for row in rows] == [made[0].code], "only the revoked IDs"
    assert rows[0]["revocation_note"] == "名義貸しの疑い" and rows[0]["revoked_at"]
    assert rows[0]["revocation_reason"] == str(dict(AuthenticationId._meta.get_field(
        "revocation_reason").flatchoices)["sanction"])  # fmt: skip
    _no_secrets(rows, made, _headers(client_for("auditor"), "usage_requests:revocations"))


@pytest.mark.parametrize("url_name", ["usage_requests:auth_ids", "usage_requests:revocations"])
def test_the_id_exports_do_not_query_per_row(
    client_for: Any,
    cast_ur: dict[str, Any],  # noqa: F811
    url_name: str,
) -> None:
    auditor = client_for("auditor")
    _ids(cast_ur, 1, revoked=True)
    one = _queries(auditor, url_name)
    _ids(cast_ur, 4, revoked=True)
    assert len(_export(auditor, url_name)) == 5
    assert _queries(auditor, url_name) == one


def test_the_id_lists_are_scoped_and_searchable_by_the_printed_id(
    client_for: Any,
    cast_ur: dict[str, Any],  # noqa: F811
) -> None:
    (auth_id,) = _ids(cast_ur, 1, revoked=True)
    for url_name in ("usage_requests:auth_ids", "usage_requests:revocations"):
        tokyo = client_for("reviewer_tokyo").get(reverse(url_name), {"q": str(auth_id)})
        assert tokyo.status_code == 200 and str(auth_id) in tokyo.content.decode()
        assert "-" in str(auth_id), "searched as printed, with hyphens"
        osaka = client_for("reviewer_osaka").get(reverse(url_name))
        assert osaka.status_code == 200 and str(auth_id) not in osaka.content.decode()
        other = client_for("hr_other").get(reverse(url_name))
        assert other.status_code == 200 and str(auth_id) not in other.content.decode()
    filtered = client_for("auditor").get(reverse("usage_requests:auth_ids"), {"f": "active"})
    assert str(auth_id) not in filtered.content.decode()
    revoked = client_for("auditor").get(reverse("usage_requests:auth_ids"), {"f": "revoked"})
    assert str(auth_id) in revoked.content.decode()
