"""Every URL × every role → the expected status code. Grows with each issue.

200 shown, 302 sent to log in, 403 role not allowed, 404 outside the user's scope.
A URL pattern missing from this table fails the completeness test below.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.applications.bulk_support import bulk_import_of
from tests.conftest import login_as
from tests.individuals.factories import register_entry

ROLES = [
    "anonymous",
    "hr",
    "hr_other",
    "support",
    "public_interest",
    "reviewer_tokyo",
    "supervisor_tokyo",
    "reviewer_osaka",
    "auditor",
    "admin",
    "foreign_national",
    "lawyer",
]
BACK_OFFICE = {
    "hr",
    "hr_other",
    "support",
    "public_interest",
    "reviewer_tokyo",
    "supervisor_tokyo",
    "reviewer_osaka",
    "auditor",
    "admin",
}


def expect(default: int, anonymous: int = 302, **overrides: int) -> dict[str, int]:
    table = {role: default for role in ROLES}
    table["anonymous"] = anonymous
    table.update(overrides)
    return table


def back_office(ok: int = 200, **overrides: int) -> dict[str, int]:
    table = {role: (ok if role in BACK_OFFICE else 403) for role in ROLES}
    table["anonymous"] = 302
    table.update(overrides)
    return table


def only(allowed: set[str], ok: int = 200, **overrides: int) -> dict[str, int]:
    table = {role: (ok if role in allowed else 403) for role in ROLES}
    table["anonymous"] = 302
    table.update(overrides)
    return table


EDITORS = {
    "hr",
    "hr_other",
    "support",
    "public_interest",
    "reviewer_tokyo",
    "supervisor_tokyo",
    "reviewer_osaka",
    "admin",
}
BUREAU_AND_ADMIN = {"reviewer_tokyo", "supervisor_tokyo", "reviewer_osaka", "admin"}
# Those who file residence applications (Cap.APPLICATION_FILE).
FILERS = {"hr", "hr_other", "support", "public_interest", "foreign_national", "lawyer"}

# Tokyo company "みどり食品": hr is staff; support holds an active delegation from it.
COMPANY_SCOPE = dict(hr_other=404, public_interest=404, reviewer_osaka=404)

ENTITY_KEYS = ["officer", "sentence", "filing", "employee", "membership", "delegation"]

# The submitted request below is the Tokyo company's, filed by its HR officer.
REQUEST_SCOPE = dict(hr_other=404, public_interest=404, reviewer_osaka=404, support=404)


def _trail_number(cast: dict[str, Any]) -> list[str]:
    """An issued document: the audit trail of the submitted request."""
    from reporting.documents import document_issue

    document, _new = document_issue(
        actor=cast["users"]["auditor"], record=cast["usage_request"], kind="audit_trail", language="ja"
    )
    return [document.number]


TABLE: list[tuple[str, Any, dict[str, int]]] = [
    ("workbench:home", (), expect(200)),
    ("workbench:activities", (), only(EDITORS)),
    ("workbench:notifications", (), expect(200)),
    # Exporting is a permission of its own: supervising reviewers and auditors (access/exports.py).
    ("workbench:exports", (), only({"supervisor_tokyo", "auditor"})),
    ("audit:events", (), only({"auditor", "admin"})),
    ("audit:verify", (), only({"auditor", "admin"})),
    ("institutions:list", (), back_office()),
    ("institutions:create", (), only(BUREAU_AND_ADMIN)),
    ("institutions:detail", lambda c: [c["company"].pk], back_office(**COMPANY_SCOPE)),
    ("institutions:edit", lambda c: [c["company"].pk], only(EDITORS, **COMPANY_SCOPE, support=403)),
    ("institutions:officer_list", (), back_office()),
    ("institutions:officer_create", (), only(EDITORS)),
    (
        "institutions:officer_detail",
        lambda c: [c["company"].officers.first().pk],
        back_office(**COMPANY_SCOPE),
    ),
    (
        "institutions:officer_edit",
        lambda c: [c["company"].officers.first().pk],
        only(EDITORS, **COMPANY_SCOPE, support=403),
    ),
    ("institutions:sentence_list", (), back_office()),
    ("institutions:sentence_create", (), only(EDITORS)),
    ("institutions:filing_list", (), back_office()),
    ("institutions:filing_create", (), only(EDITORS)),
    ("institutions:employee_list", (), back_office()),
    ("institutions:employee_create", (), only(EDITORS)),
    ("institutions:membership_list", (), back_office()),
    ("institutions:membership_create", (), only(BUREAU_AND_ADMIN)),
    (
        "institutions:membership_detail",
        lambda c: [c["company"].memberships.first().pk],
        back_office(**COMPANY_SCOPE),
    ),
    ("institutions:delegation_list", (), back_office()),
    ("institutions:delegation_create", (), only({"hr", "hr_other", *BUREAU_AND_ADMIN})),
    (
        "institutions:delegation_detail",
        lambda c: [c["company"].delegations_given.first().pk],
        back_office(**COMPANY_SCOPE),
    ),
    (
        "institutions:delegation_edit",
        lambda c: [c["company"].delegations_given.first().pk],
        only({"hr", "hr_other", *BUREAU_AND_ADMIN}, **{**COMPANY_SCOPE, "public_interest": 403}, support=403),
    ),
    ("reviews:what_if", (), only(EDITORS)),
    ("usage_requests:list", (), back_office()),
    ("usage_requests:delegations", (), back_office()),
    # Read-only lists, scoped like the request list (tests/backoffice/test_export_resources.py).
    ("usage_requests:auth_ids", (), back_office()),
    ("usage_requests:revocations", (), back_office()),
    (  # POST only: those who may reach it get 405 on GET; the service then decides who withdraws.
        "usage_requests:delegation_withdraw",
        lambda c: [c["company"].delegations_given.first().pk],
        only({"hr", "hr_other", *BUREAU_AND_ADMIN}, ok=405),
    ),
    (
        "usage_requests:create",
        (),
        only({"hr", "hr_other", "support", "public_interest"}, support=302, public_interest=302),
    ),
    (
        "usage_requests:detail",
        lambda c: [c["usage_request"].pk],
        back_office(hr_other=404, public_interest=404, reviewer_osaka=404, support=404, admin=200),
    ),
    (
        "usage_requests:pledge",
        lambda c: [c["usage_request"].pk],
        back_office(hr_other=404, public_interest=404, reviewer_osaka=404, support=404, admin=200),
    ),
    (  # the filer's wizard; this request is submitted, so its filer is sent to the record page
        "usage_requests:file",
        lambda c: [c["usage_request"].pk, "answers"],
        only({"hr", "hr_other", "support", "public_interest"}, ok=404, hr=302),
    ),
    ("usage_requests:record_paper", (), only({"reviewer_tokyo", "supervisor_tokyo", "reviewer_osaka"})),
    # Only a session opened with an authentication ID has an ID password to change.
    ("usage_requests:change_password", (), expect(404)),
    # Lawyers and gyoseishoshi register themselves (public); the register is the bureaus'.
    ("individuals:agent_register", (), expect(200, anonymous=200)),
    ("individuals:register_list", (), only({*BUREAU_AND_ADMIN, "auditor"})),
    ("individuals:register_create", (), only(BUREAU_AND_ADMIN)),
    ("individuals:register_import", (), only(BUREAU_AND_ADMIN)),
    (  # a Tokyo entry: Osaka's reviewer does not see it
        "individuals:register_detail",
        lambda c: [register_entry().pk],
        only({*BUREAU_AND_ADMIN, "auditor"}, reviewer_osaka=404),
    ),
    (
        "individuals:register_edit",
        lambda c: [register_entry().pk],
        only(BUREAU_AND_ADMIN, reviewer_osaka=404),
    ),
    ("individuals:card_start", (), expect(200, anonymous=200)),
    # Individuals registered with the card: anyone else logged in has no registration to show.
    ("individuals:card_me", (), expect(404)),
    ("individuals:card_trust", (), only({"admin"})),
    ("applications:list", (), expect(200)),
    # Individuals without an active registration are sent back to the list with the reason.
    (
        "applications:new",
        (),
        only({"hr", "hr_other", "support", "public_interest"}, foreign_national=302, lawyer=302),
    ),
    ("applications:matrix", (), expect(200, anonymous=200)),
    # Bulk input (一括): the roles that file; an import is its uploader's alone (others: 404).
    ("applications:bulk", (), only(FILERS)),
    ("applications:bulk_template", ("extension", "csv"), only(FILERS)),
    (
        "applications:bulk_detail",
        lambda c: [bulk_import_of(c["users"]["hr"]).pk],
        only(FILERS, ok=404, hr=200),
    ),
    (  # POST only: those who may reach it get 405 on GET
        "applications:bulk_commit",
        lambda c: [bulk_import_of(c["users"]["hr"]).pk],
        only(FILERS, ok=405),
    ),
    (
        "applications:bulk_errors",
        lambda c: [bulk_import_of(c["users"]["hr"]).pk],
        only(FILERS, ok=404, hr=200),
    ),
    # The application API's service operators: administrators only (Cap.API_OPERATOR_MANAGE).
    ("applications:operators", (), only({"admin"})),
    ("applications:operator_new", (), only({"admin"})),
    # Statistics: supervising reviewers (their bureau) and auditors (every bureau); Cap.EXPORT.
    ("reporting:statistics", (), only({"supervisor_tokyo", "auditor"})),
    ("reporting:statistics_csv", (), only({"supervisor_tokyo", "auditor"})),
    (  # POST only (the view then refuses anyone but auditors: tests/reporting/test_monthly.py)
        "reporting:statistics_rebuild",
        (),
        only({"supervisor_tokyo", "auditor"}, ok=405),
    ),
    # Issued documents (tests/reporting/test_document_views.py): the register is the auditors' and
    # administrators'; one document (here the request's audit trail) follows its record's scope,
    # and individuals, who reach no usage request, get 404. Issuing is a POST (405 on GET).
    ("reporting:documents", (), only({"auditor", "admin"})),
    ("reporting:document_issue", ("usage-request", 1, "audit_trail", "ja"), expect(405)),
    ("reporting:document", _trail_number, back_office(**REQUEST_SCOPE, foreign_national=404, lawyer=404)),
    ("reporting:document_pdf", _trail_number, back_office(**REQUEST_SCOPE, foreign_national=404, lawyer=404)),
    # The public verification pages a document's QR code opens (tests/reporting/test_verify.py).
    ("verify_index", (), expect(200, anonymous=200)),
    ("verify_document", _trail_number, expect(200, anonymous=200)),
    ("admin:index", (), expect(403, admin=200)),
    ("access:login", (), expect(302, anonymous=200)),
    ("access:locked", (), expect(429, anonymous=429)),
]

# POST-only or parameterised views checked in their own tests, named here so that the
# completeness test knows they are covered.
COVERED_ELSEWHERE = {
    "access:otp",
    "access:otp_enrol",
    "access:logout",
    "set_language",
    "institutions:transition",
    "workbench:comment",
    "workbench:activity_create",
    "workbench:activity_done",
    "workbench:export_detail",
    "workbench:export_download",
    "usage_requests:transition",
    "usage_requests:settle",
    "usage_requests:revoke_id",
    "usage_requests:document_upload",  # POST; tests/usage_requests/test_document_upload.py
    "usage_requests:document",
    "usage_requests:document_delete",
    "usage_requests:set_password",  # public, token-guarded: tests/usage_requests/test_auth_id_flow.py
    # JSON for the card client, or token-guarded pages: tests/individuals/test_card_flows.py
    "individuals:card_nonce",
    "individuals:card_identify",
    "individuals:card_complete",
    "individuals:card_register",
    "individuals:card_login",
    "individuals:card_continue",
    "individuals:card_relink",
    # A record and its POST steps, per role and scope: tests/applications/test_views.py
    "applications:detail",
    "applications:step",
    "applications:submit",
    "applications:attach",
    "applications:attachment",
    "applications:supplement_request",
    "applications:supplement_answer",
    "applications:fee_confirm",
    "applications:card_mail",
    # An operator's page and its POST steps, per role: tests/applications/test_api_operator_pages.py
    "applications:operator",
    "applications:operator_status",
    "applications:credential_issue",
    "applications:credential_revoke",
    # The API authenticates operators itself (bearer token, address, rate limit), and its schema and
    # docs are public: tests/applications/test_api_ping.py
    "api_ping",
    # The signed-submission endpoints: tests/applications/test_api_submit.py and their neighbours
    "api_applications",
    "api_application",
    "api_supplement",
    "api_unknown",
    "api_schema",
    "api_docs",
    # A monthly report's PDF, per role and bureau: tests/reporting/test_monthly.py
    "reporting:statistics_report",
    *(f"institutions:{k}_delete" for k in ENTITY_KEYS),
    *(f"institutions:{k}_detail" for k in ["sentence", "filing", "employee"]),
    *(f"institutions:{k}_edit" for k in ["sentence", "filing", "employee", "membership"]),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name,args,expected", TABLE, ids=[row[0] for row in TABLE])
def test_url_role_matrix(cast: dict[str, Any], name: str, args: Any, expected: dict[str, int]) -> None:
    from usage_requests.services import usage_request_create, usage_request_transition

    # A submitted request of the Tokyo company, filed by its HR officer (not through the
    # support organisation, whose staff therefore do not see it).
    cast["usage_request"] = usage_request_create(
        actor=cast["users"]["hr"], institution=cast["company"], acting_for=None, kind="new", declared_facts={}
    )
    usage_request_transition(actor=cast["users"]["hr"], request_id=cast["usage_request"].pk, name="submit")
    url = reverse(name, args=args(cast) if callable(args) else args)
    got = {}
    for role in ROLES:
        client = Client()
        if role != "anonymous":
            login_as(client, cast["users"][role])
        got[role] = client.get(url).status_code
    assert got == expected


@pytest.mark.django_db
def test_second_factor_roles_without_otp_are_sent_to_the_otp_page(cast: dict[str, Any]) -> None:
    for role in ["reviewer_tokyo", "supervisor_tokyo", "auditor", "admin"]:
        client = Client()
        client.force_login(cast["users"][role])
        response = client.get(reverse("institutions:list"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("access:otp"))


def _named_patterns(resolver: URLResolver, prefix: str = "") -> set[str]:
    names = set()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            if entry.namespace == "admin":
                continue
            names |= _named_patterns(entry, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(prefix + entry.name)
    return names


def test_every_named_url_is_in_the_table() -> None:
    covered = {row[0] for row in TABLE} | COVERED_ELSEWHERE
    missing = _named_patterns(get_resolver()) - covered
    assert not missing, f"add these URLs to the role × URL table: {sorted(missing)}"
