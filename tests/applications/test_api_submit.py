"""Signed submissions through the API (applications/api_submissions.py): the happy path end to end
through HTTP, and what it leaves behind."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from django.test import Client
from django.utils import timezone

from applications.api_models import ApiSubmission, ServiceOperator
from applications.models import Application, ApplicationState
from backoffice.audit.models import AuditEvent
from backoffice.text import my_number_check_digit
from individuals import card_trust
from individuals.card_models import CardholderRegistration, CardholderState
from individuals.card_services import _identity_key
from jpki.testing.pki import Person, TestPki
from tests.applications import api_support
from tests.applications.api_support import (
    ADDRESS,
    Operator,
    Submission,
    assert_problem,
    card_holder,
    counts,
    error_fields,
    extension_application,
    fingerprint,
    operator_with_token,
    sign,
    signed_submission,
)
from tests.applications.conftest import ENCRYPTED_PDF, JPEG, PDF, make_pdf

pytestmark = pytest.mark.django_db

# The shared fixtures, for pytest.
pki = api_support.pki
pki_without_crls = api_support.pki_without_crls


def test_a_signed_extension_is_filed_as_the_signer_through_the_operator(
    pki: Any, cast: dict[str, Any]
) -> None:
    api = operator_with_token(cast["users"]["admin"])
    registration, keys = card_holder(pki)
    submission = signed_submission(api.operator, keys)
    response = submission.post(api.client())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["filer"]["authentication_id"] == str(registration)
    (filed,) = body["applications"]
    application = Application.objects.get(provisional_number=filed["id"])
    assert application.state == ApplicationState.SUBMITTED
    assert application.filer == registration.user
    assert application.filing.operator == api.operator
    assert filed["stage"] == "intake" and filed["state"] == "submitted"
    assert application.attachments.count() == 2
    stored = ApiSubmission.objects.get()
    assert stored.revocation == "checked" and stored.filing == application.filing
    assert AuditEvent.objects.filter(action="api.application_submitted").count() == 1


# --- helpers ---------------------------------------------------------------------------------------


def person(name: str = "NGUYEN VAN AN", born: date = date(1990, 4, 1)) -> Person:
    return Person(name=name, date_of_birth=born, sex=1, address="東京都新宿区大久保一丁目2番3号")


def refused(response: Any, status: int, code: str, before: dict[str, int]) -> dict[str, Any]:
    """A problem document, and nothing stored: no application, no submission, no registration."""
    body = assert_problem(response, status, code)
    assert counts() == before
    return body


@pytest.fixture
def api(cast: dict[str, Any]) -> Operator:
    return operator_with_token(cast["users"]["admin"])


# --- the signature matrix --------------------------------------------------------------------------


def test_a_valid_signature_is_accepted(pki: Any, api: Operator) -> None:
    registration, keys = card_holder(pki)
    before = counts()
    response = signed_submission(api.operator, keys).post(api.client())
    assert response.status_code == 201, response.content
    assert response["Content-Type"].startswith("application/json")
    assert "Idempotent-Replayed" not in response
    after = counts()
    assert after["applications"] == before["applications"] + 1
    assert after["submissions"] == before["submissions"] + 1
    assert after["registrations"] == before["registrations"]
    assert response.json()["registered"] is False
    stored = ApiSubmission.objects.get()
    assert stored.signer_fingerprint == fingerprint(keys.signature_cert)
    assert stored.registration == registration and stored.status_code == 201


def test_a_payload_changed_after_signing_is_refused(pki: Any, api: Operator) -> None:
    _registration, keys = card_holder(pki)
    submission = signed_submission(api.operator, keys)
    submission.payload["application"]["address"] = "東京都港区六本木一丁目1番1号"
    before = counts()
    refused(submission.post(api.client()), 422, "signature_invalid", before)


def test_a_reordered_or_reformatted_payload_is_the_same_signed_content(pki: Any, api: Operator) -> None:
    """The signature covers the canonical bytes: whitespace and key order are the sender's business."""
    _registration, keys = card_holder(pki)
    submission = signed_submission(api.operator, keys)
    reordered = dict(reversed(list(submission.payload.items())))
    submission.payload_bytes = json.dumps(reordered, indent=4, ensure_ascii=True).encode()
    response = submission.post(api.client())
    assert response.status_code == 201, response.content


def test_an_attachment_changed_after_signing_is_refused(pki: Any, api: Operator) -> None:
    _registration, keys = card_holder(pki)
    submission = signed_submission(api.operator, keys)
    submission.files["doc1"] = make_pdf(text="差し替えられた書類")
    before = counts()
    body = refused(submission.post(api.client()), 422, "signature_invalid", before)
    assert body["field"] == "attachments[0]"


def test_an_attachment_of_the_same_size_but_other_bytes_is_refused(pki: Any, api: Operator) -> None:
    _registration, keys = card_holder(pki)
    submission = signed_submission(api.operator, keys)
    photo = bytearray(submission.files["photo"])
    photo[-1] ^= 0x01
    submission.files["photo"] = bytes(photo)
    before = counts()
    refused(submission.post(api.client()), 422, "signature_invalid", before)


def test_a_signature_by_the_authentication_key_is_the_wrong_certificate(pki: Any, api: Operator) -> None:
    _registration, keys = card_holder(pki)
    before = counts()
    response = signed_submission(api.operator, keys, use_auth_key=True).post(api.client())
    refused(response, 422, "certificate_wrong_type", before)


def test_a_signature_certificate_with_the_authentication_policy_is_the_wrong_type(
    pki: Any, api: Operator
) -> None:
    keys = pki.issue_card(person(), swap_policies=True)
    card_holder(pki, keys=keys)
    before = counts()
    refused(signed_submission(api.operator, keys).post(api.client()), 422, "certificate_wrong_type", before)


def test_an_expired_certificate_is_refused(pki: Any, api: Operator) -> None:
    now = datetime.now(UTC)
    keys = pki.issue_card(person(), not_before=now - timedelta(days=900), not_after=now - timedelta(days=1))
    card_holder(pki, keys=keys)
    before = counts()
    refused(signed_submission(api.operator, keys).post(api.client()), 422, "certificate_expired", before)


def test_a_certificate_not_valid_yet_is_refused(pki: Any, api: Operator) -> None:
    now = datetime.now(UTC)
    keys = pki.issue_card(person(), not_before=now + timedelta(days=2), not_after=now + timedelta(days=900))
    card_holder(pki, keys=keys)
    before = counts()
    refused(
        signed_submission(api.operator, keys).post(api.client()), 422, "certificate_not_yet_valid", before
    )


def test_a_card_from_another_root_is_untrusted(pki: Any, api: Operator) -> None:
    keys = TestPki.create().issue_card(person())
    card_holder(pki, keys=keys)
    before = counts()
    refused(signed_submission(api.operator, keys).post(api.client()), 422, "certificate_untrusted", before)


def test_a_revoked_signature_certificate_is_refused(pki: Any, api: Operator, cast: dict[str, Any]) -> None:
    _registration, keys = card_holder(pki)
    # Newer than the fixture's CRL (a CRL older than the one held is ignored).
    crl = pki.crl(kind="signature", revoked=[keys.signature_cert], this_update=datetime.now(UTC))
    card_trust.crl_import(actor=cast["users"]["admin"], data=crl.public_bytes(Encoding.DER))
    before = counts()
    refused(signed_submission(api.operator, keys).post(api.client()), 422, "certificate_revoked", before)


def test_without_a_crl_the_submission_waits_for_one(pki_without_crls: Any, api: Operator) -> None:
    _registration, keys = card_holder(pki_without_crls)
    before = counts()
    response = signed_submission(api.operator, keys).post(api.client())
    refused(response, 422, "revocation_not_checked", before)


def test_without_a_crl_an_installation_may_accept_unchecked(
    pki_without_crls: Any, api: Operator, settings: Any
) -> None:
    settings.JPKI_API_REQUIRE_REVOCATION_CHECK = False
    _registration, keys = card_holder(pki_without_crls)
    response = signed_submission(api.operator, keys).post(api.client())
    assert response.status_code == 201, response.content
    assert ApiSubmission.objects.get().revocation == "not_checked"
    event = AuditEvent.objects.get(action="api.application_submitted")
    assert event.data["revocation"] == "not_checked"


@pytest.mark.parametrize("signature", [b"garbage", b"", b"\x30\x03\x02\x01\x01", b"\x30" * 5000])
def test_garbage_in_place_of_the_signature_is_malformed(pki: Any, api: Operator, signature: bytes) -> None:
    _registration, keys = card_holder(pki)
    submission = signed_submission(api.operator, keys)
    submission.signature = signature
    before = counts()
    response = submission.post(api.client())
    if signature:
        refused(response, 400, "signature_malformed", before)
    else:  # an empty part is a missing part
        body = refused(response, 400, "invalid", before)
        assert error_fields(body) == {"signature": "required"}


def test_a_signature_over_other_content_is_invalid(pki: Any, api: Operator) -> None:
    _registration, keys = card_holder(pki)
    submission = signed_submission(api.operator, keys)
    other = signed_submission(
        api.operator, keys, application=extension_application(address="大阪府大阪市北区1-1")
    )
    submission.signature = other.signature
    before = counts()
    refused(submission.post(api.client()), 422, "signature_invalid", before)


# --- idempotency -----------------------------------------------------------------------------------


def test_a_retry_with_the_same_key_and_body_gets_the_same_answer(pki: Any, api: Operator) -> None:
    _registration, keys = card_holder(pki)
    submission = signed_submission(api.operator, keys)
    first = submission.post(api.client())
    assert first.status_code == 201, first.content
    again = submission.post(api.client())
    assert again.status_code == 201, again.content
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Application.objects.count() == 1 and ApiSubmission.objects.count() == 1
    assert AuditEvent.objects.filter(action="api.application_submitted").count() == 1


def test_the_same_key_with_another_body_is_refused(pki: Any, api: Operator) -> None:
    _registration, keys = card_holder(pki)
    first = signed_submission(api.operator, keys)
    assert first.post(api.client()).status_code == 201
    other = signed_submission(
        api.operator, keys, key=first.key, application=extension_application(address="大阪府大阪市北区1-1")
    )
    before = counts()
    refused(other.post(api.client()), 422, "idempotency_key_reused", before)


def test_the_same_key_of_another_operator_is_another_submission(
    pki: Any, api: Operator, cast: dict[str, Any]
) -> None:
    """Keys are per operator; the same key elsewhere is not a replay of this operator's answer."""
    _registration, keys = card_holder(pki)
    first = signed_submission(api.operator, keys)
    assert first.post(api.client()).status_code == 201
    other_api = operator_with_token(cast["users"]["admin"], seed=72)
    second = signed_submission(
        other_api.operator,
        keys,
        key=first.key,
        application=extension_application(address="大阪府大阪市北区1-1"),
    )
    response = second.post(other_api.client())
    assert response.status_code == 201, response.content
    assert "Idempotent-Replayed" not in response


def test_the_same_signed_payload_under_a_new_key_is_a_duplicate(pki: Any, api: Operator) -> None:
    _registration, keys = card_holder(pki)
    first = signed_submission(api.operator, keys)
    accepted = first.post(api.client())
    assert accepted.status_code == 201
    again = Submission(first.payload, first.files, first.signature, key="another-key-0001")
    before = counts()
    body = refused(again.post(api.client()), 409, "duplicate_submission", before)
    assert body["submitted"] == accepted.json()["applications"][0]["id"]


def test_a_refused_submission_does_not_use_up_its_key(pki: Any, api: Operator) -> None:
    """Only an accepted submission is remembered: after a refusal the same key may carry the fix."""
    _registration, keys = card_holder(pki)
    bad = signed_submission(api.operator, keys, application=extension_application(sex="X"))
    assert_problem(bad.post(api.client()), 400, "invalid")
    fixed = signed_submission(api.operator, keys, key=bad.key)
    response = fixed.post(api.client())
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("key", [None, "", "short", "x" * 101, "with space in it", "鍵鍵鍵鍵鍵鍵鍵鍵"])
def test_the_idempotency_key_is_required(pki: Any, api: Operator, key: str | None) -> None:
    _registration, keys = card_holder(pki)
    submission = signed_submission(api.operator, keys)
    before = counts()
    if key is None:
        response = api.client().post("/api/v1/applications", submission.form())
    else:
        submission.key = key
        response = submission.post(api.client())
    refused(response, 400, "idempotency_key_required", before)


def test_an_idempotency_key_that_looks_like_a_my_number_is_refused(pki: Any, api: Operator) -> None:
    _registration, keys = card_holder(pki)
    digits = "12345678901"
    submission = signed_submission(api.operator, keys, key=f"id-{digits}{my_number_check_digit(digits)}")
    before = counts()
    refused(submission.post(api.client()), 400, "idempotency_key_required", before)


# --- the signer --------------------------------------------------------------------------------------


def test_an_unregistered_signer_is_refused(pki: Any, api: Operator) -> None:
    keys = pki.issue_card(person("TRAN THI BINH", date(1992, 6, 15)))
    before = counts()
    refused(signed_submission(api.operator, keys).post(api.client()), 403, "signer_not_registered", before)


def test_a_registered_person_signing_with_a_new_card_must_link_it_first(pki: Any, api: Operator) -> None:
    card_holder(pki)
    new_card = pki.issue_card(person())
    before = counts()
    response = signed_submission(api.operator, new_card).post(api.client())
    refused(response, 403, "signer_card_not_linked", before)


def register(**overrides: Any) -> dict[str, Any]:
    details = {"role": "foreign_national", "email": "binh@example.test", "phone": "090-2345-6789",
               "residence_card_number": "CD87654321EF"}  # fmt: skip
    details.update(overrides)
    return details


def test_an_unregistered_signer_is_registered_when_the_payload_asks(pki: Any, api: Operator) -> None:
    keys = pki.issue_card(person("TRAN THI BINH", date(1992, 6, 15)))
    application = extension_application(subject_name="TRAN THI BINH", date_of_birth="1992-06-15", sex="F",
                                        residence_card_number="CD87654321EF")  # fmt: skip
    before = counts()
    response = signed_submission(api.operator, keys, application=application, register=register()).post(
        api.client()
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["registered"] is True
    registration = CardholderRegistration.objects.get(
        signature_cert_fingerprint=fingerprint(keys.signature_cert)
    )
    assert registration.auth_cert_fingerprint is None
    assert registration.name == "TRAN THI BINH" and registration.date_of_birth == date(1992, 6, 15)
    assert registration.role == "foreign_national" and registration.residence_card_number == "CD87654321EF"
    assert registration.user.email == "binh@example.test"
    assert body["filer"] == {"authentication_id": str(registration), "role": "foreign_national"}
    assert counts()["registrations"] == before["registrations"] + 1
    application_row = Application.objects.get()
    assert application_row.filer == registration.user
    assert ApiSubmission.objects.get().registration == registration
    event = AuditEvent.objects.get(action="cardholder.registered")
    assert event.data["via"] == f"api:{api.operator.pk}"


def test_a_registration_is_rolled_back_when_the_application_is_refused(pki: Any, api: Operator) -> None:
    keys = pki.issue_card(person("TRAN THI BINH", date(1992, 6, 15)))
    application = extension_application(subject_name="TRAN THI BINH", date_of_birth="1992-06-15", sex="X")
    before = counts()
    response = signed_submission(api.operator, keys, application=application, register=register()).post(
        api.client()
    )
    body = refused(response, 400, "invalid", before)
    assert error_fields(body) == {"application.sex": "BULK-SEX"}
    assert not CardholderRegistration.objects.filter(
        identity_key=_identity_key("TRAN THI BINH", date(1992, 6, 15))
    )
    assert not AuditEvent.objects.filter(action="cardholder.registered").exists()


def test_a_registration_is_rolled_back_when_an_attachment_is_refused(pki: Any, api: Operator) -> None:
    keys = pki.issue_card(person("TRAN THI BINH", date(1992, 6, 15)))
    application = extension_application(subject_name="TRAN THI BINH", date_of_birth="1992-06-15", sex="F")
    files = {"doc1": ("document", "documents.pdf", ENCRYPTED_PDF), "photo": ("photo", "photo.jpg", JPEG)}
    before = counts()
    submission = signed_submission(
        api.operator, keys, application=application, files=files, register=register()
    )
    body = refused(submission.post(api.client()), 400, "invalid", before)
    assert error_fields(body) == {"attachments[0]": "encrypted"}


def test_registration_details_are_checked(pki: Any, api: Operator) -> None:
    keys = pki.issue_card(person("TRAN THI BINH", date(1992, 6, 15)))
    details = register(email="not-an-address", phone="phone", residence_card_number="12")
    before = counts()
    response = signed_submission(api.operator, keys, register=details).post(api.client())
    body = refused(response, 400, "invalid", before)
    assert error_fields(body) == {
        "register.email": "invalid", "register.phone": "invalid", "register.residence_card_number": "invalid",
    }  # fmt: skip


def test_registration_needs_a_role(pki: Any, api: Operator) -> None:
    keys = pki.issue_card(person("TRAN THI BINH", date(1992, 6, 15)))
    before = counts()
    response = signed_submission(api.operator, keys, register=register(role="king")).post(api.client())
    body = refused(response, 400, "invalid", before)
    assert "register.role" in error_fields(body)


def test_a_relative_registers_with_a_relationship(pki: Any, api: Operator) -> None:
    keys = pki.issue_card(person("SATO HANAKO", date(1985, 1, 1)))
    before = counts()
    details = register(role="relative", relationship="")
    response = signed_submission(api.operator, keys, register=details).post(api.client())
    body = refused(response, 400, "invalid", before)
    assert "register.relationship" in error_fields(body)


def test_register_for_someone_already_registered_in_that_role_is_refused(pki: Any, api: Operator) -> None:
    _registration, keys = card_holder(pki)
    before = counts()
    response = signed_submission(api.operator, keys, register=register()).post(api.client())
    refused(response, 409, "already_registered", before)


def test_a_suspended_signer_is_refused(pki: Any, api: Operator) -> None:
    registration, keys = card_holder(pki)
    registration.state = CardholderState.SUSPENDED
    registration.save(update_fields=["state"])
    before = counts()
    refused(signed_submission(api.operator, keys).post(api.client()), 403, "signer_inactive", before)


def test_a_signer_whose_account_is_disabled_is_refused(pki: Any, api: Operator) -> None:
    registration, keys = card_holder(pki)
    registration.user.is_active = False
    registration.user.save(update_fields=["is_active"])
    before = counts()
    refused(signed_submission(api.operator, keys).post(api.client()), 403, "signer_inactive", before)


def test_a_revoked_registration_is_no_registration(pki: Any, api: Operator) -> None:
    registration, keys = card_holder(pki)
    registration.state = CardholderState.REVOKED
    registration.save(update_fields=["state"])
    before = counts()
    refused(signed_submission(api.operator, keys).post(api.client()), 403, "signer_not_registered", before)


def test_the_payload_must_name_the_calling_operator(pki: Any, api: Operator, cast: dict[str, Any]) -> None:
    _registration, keys = card_holder(pki)
    other = operator_with_token(cast["users"]["admin"], seed=73)
    before = counts()
    body = refused(signed_submission(other.operator, keys).post(api.client()), 400, "invalid", before)
    assert error_fields(body) == {"operator": "operator"}


def test_a_signer_registered_in_two_roles_names_one(pki: Any, api: Operator) -> None:
    registration, keys = card_holder(pki)
    # Registered again through the API, as a relative: the same signature certificate, no
    # authentication certificate.
    relative, _keys = card_holder(pki, role="relative", relationship="spouse")
    CardholderRegistration.objects.filter(pk=relative.pk).update(
        signature_cert_fingerprint=fingerprint(keys.signature_cert), auth_cert_fingerprint=None
    )
    before = counts()
    body = refused(signed_submission(api.operator, keys).post(api.client()), 400, "invalid", before)
    assert error_fields(body) == {"filer_role": "required"}
    response = signed_submission(api.operator, keys, filer_role="foreign_national").post(api.client())
    assert response.status_code == 201, response.content
    assert response.json()["filer"]["authentication_id"] == str(registration)
    assert Application.objects.get().filer == registration.user != relative.user


# --- the application's fields ----------------------------------------------------------------------


def test_bad_fields_are_listed_with_the_bulk_codes(pki: Any, api: Operator) -> None:
    _registration, keys = card_holder(pki)
    application = extension_application(sex="X", notification_email="not-an-address", date_of_birth="1990-13-01",
                                        prefecture="99", subject_name=None)  # fmt: skip
    before = counts()
    body = refused(signed_submission(api.operator, keys, application=application).post(api.client()), 400,
                   "invalid", before)  # fmt: skip
    assert error_fields(body) == {
        "application.sex": "BULK-SEX", "application.notification_email": "BULK-EMAIL",
        "application.date_of_birth": "BULK-DATE", "application.prefecture": "BULK-PREFECTURE",
        "application.subject_name": "BULK-REQUIRED",
    }  # fmt: skip
    assert body["ja"] and body["en"]


def test_a_period_of_stay_already_ended_is_refused(pki: Any, api: Operator) -> None:
    _registration, keys = card_holder(pki)
    ended = (timezone.localdate() - timedelta(days=1)).isoformat()
    before = counts()
    response = signed_submission(
        api.operator, keys, application=extension_application(period_of_stay_until=ended)
    ).post(api.client())
    body = refused(response, 400, "invalid", before)
    assert error_fields(body) == {"application.period_of_stay_until": "BULK-PERIOD-ENDED"}


def test_a_my_number_in_a_field_is_refused(pki: Any, api: Operator) -> None:
    _registration, keys = card_holder(pki)
    digits = "12345678901"
    number = f"{digits}{my_number_check_digit(digits)}"
    before = counts()
    response = signed_submission(
        api.operator, keys, application=extension_application(address=f"東京都新宿区 {number}")
    ).post(api.client())
    body = refused(response, 400, "invalid", before)
    assert error_fields(body) == {"application.address": "BULK-MY-NUMBER"}


def test_an_unknown_field_is_refused(pki: Any, api: Operator) -> None:
    _registration, keys = card_holder(pki)
    before = counts()
    response = signed_submission(
        api.operator, keys, application=extension_application(favourite_colour="blue")
    ).post(api.client())
    body = refused(response, 400, "invalid", before)
    assert error_fields(body) == {"application.favourite_colour": "unknown"}


def test_an_unknown_top_level_field_is_refused(pki: Any, api: Operator) -> None:
    _registration, keys = card_holder(pki)
    before = counts()
    response = signed_submission(api.operator, keys, comment="hello").post(api.client())
    body = refused(response, 400, "invalid", before)
    assert error_fields(body) == {"comment": "unknown"}


@pytest.mark.parametrize("procedure", ["permanent_residence", "reentry", "extra_activity", "", None, 3])
def test_a_procedure_not_filed_alone_is_refused(pki: Any, api: Operator, procedure: Any) -> None:
    _registration, keys = card_holder(pki)
    application = extension_application(procedure=procedure)  # None: left out
    before = counts()
    response = signed_submission(api.operator, keys, application=application).post(api.client())
    body = refused(response, 400, "invalid", before)
    assert error_fields(body) == {"application.procedure": "procedure"}


def test_the_last_day_of_stay_is_denied_by_the_matrix(pki: Any, api: Operator) -> None:
    _registration, keys = card_holder(pki)
    today = timezone.localdate().isoformat()
    before = counts()
    response = signed_submission(
        api.operator, keys, application=extension_application(period_of_stay_until=today)
    ).post(api.client())
    body = refused(response, 422, "not_permitted", before)
    assert [r["code"] for r in body["reasons"]] == ["PERM-LAST-DAY-OF-STAY"]
    assert all(r["ja"] and r["en"] for r in body["reasons"])


def test_a_relative_may_not_file_for_an_adult_who_can_file_personally(pki: Any, api: Operator) -> None:
    keys = pki.issue_card(person("SATO HANAKO", date(1985, 1, 1)))
    card_holder(
        pki, keys=keys, name="SATO HANAKO", born=date(1985, 1, 1), role="relative", relationship="spouse"
    )
    before = counts()
    body = refused(signed_submission(api.operator, keys).post(api.client()), 422, "not_permitted", before)
    assert [r["code"] for r in body["reasons"]] == ["PERM-NOTE3-NOT-MET"]
    assert {e["field"]: e["code"] for e in body["errors"]} == {
        "application.subject_unable": "PERM-NOTE3-NOT-MET"
    }


def test_a_relative_may_file_for_someone_who_cannot_file_personally(pki: Any, api: Operator) -> None:
    keys = pki.issue_card(person("SATO HANAKO", date(1985, 1, 1)))
    card_holder(
        pki, keys=keys, name="SATO HANAKO", born=date(1985, 1, 1), role="relative", relationship="spouse"
    )
    application = extension_application(subject_unable=True)
    response = signed_submission(api.operator, keys, application=application).post(api.client())
    assert response.status_code == 201, response.content


def test_the_photo_is_required_for_an_extension(pki: Any, api: Operator) -> None:
    _registration, keys = card_holder(pki)
    before = counts()
    submission = signed_submission(api.operator, keys, files={"doc1": ("document", "documents.pdf", PDF)})
    body = refused(submission.post(api.client()), 400, "invalid", before)
    assert error_fields(body) == {"attachments": "photo_required"}


def test_a_document_is_required(pki: Any, api: Operator) -> None:
    _registration, keys = card_holder(pki)
    before = counts()
    submission = signed_submission(api.operator, keys, files={"photo": ("photo", "photo.jpg", JPEG)})
    body = refused(submission.post(api.client()), 400, "invalid", before)
    assert error_fields(body) == {"attachments": "document_required"}


def test_an_encrypted_pdf_is_refused_with_the_upload_rule(pki: Any, api: Operator) -> None:
    _registration, keys = card_holder(pki)
    files = {"doc1": ("document", "documents.pdf", ENCRYPTED_PDF), "photo": ("photo", "photo.jpg", JPEG)}
    before = counts()
    body = refused(
        signed_submission(api.operator, keys, files=files).post(api.client()), 400, "invalid", before
    )
    assert error_fields(body) == {"attachments[0]": "encrypted"}


def test_a_photo_that_is_not_an_image_and_a_document_that_is_not_a_pdf(pki: Any, api: Operator) -> None:
    _registration, keys = card_holder(pki)
    files = {"doc1": ("document", "documents.pdf", b"hello"), "photo": ("photo", "photo.jpg", PDF)}
    before = counts()
    body = refused(
        signed_submission(api.operator, keys, files=files).post(api.client()), 400, "invalid", before
    )
    assert error_fields(body) == {"attachments[0]": "not_pdf", "attachments[1]": "photo_format"}


def test_one_photo_per_application(pki: Any, api: Operator) -> None:
    _registration, keys = card_holder(pki)
    files = {"doc1": ("document", "documents.pdf", PDF), "photo": ("photo", "photo.jpg", JPEG),
             "photo2": ("photo", "photo2.jpg", JPEG + b"\x00")}  # fmt: skip
    before = counts()
    body = refused(
        signed_submission(api.operator, keys, files=files).post(api.client()), 400, "invalid", before
    )
    assert error_fields(body) == {"attachments[2]": "photo_unexpected"}


# --- never a 500 -----------------------------------------------------------------------------------


GARBAGE_PAYLOADS: dict[str, tuple[bytes, str]] = {
    "not json": (b"{this is not json", "payload"),
    "json array": (b'[{"type": "zairyu.application/v1"}]', "payload"),
    "json string": (b'"zairyu.application/v1"', "payload"),
    "json null": (b"null", "payload"),
    "float": (b'{"type": "zairyu.application/v1", "attachments": [], "size": 1.5}', "payload"),
    "exponent": (b'{"type": "zairyu.application/v1", "n": 1e3}', "payload"),
    "NaN": (b'{"type": "zairyu.application/v1", "n": NaN}', "payload"),
    "duplicate keys": (b'{"type": "zairyu.application/v1", "type": "zairyu.supplement/v1"}', "type"),
    "huge int": (b'{"type": "zairyu.application/v1", "n": 123456789012345678901234567890}', "n"),
    "huge negative int": (b'{"type": "zairyu.application/v1", "n": -9007199254740992}', "n"),
    "byte-order mark": (b'\xef\xbb\xbf{"type": "zairyu.application/v1"}', "payload"),
    "not utf-8": (b'{"type": "zairyu.application/v1", "n": "\xff\xfe"}', "payload"),
    "lone surrogate": (b'{"type": "zairyu.application/v1", "n": "\\ud800"}', "n"),
    "deep nesting": (b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "payload"),
    "nested too deep": (b'{"a": ' + b"[" * 40 + b"]" * 40 + b"}", "a" + "[0]" * 16),
    "trailing data": (b'{"type": "zairyu.application/v1"} {}', "payload"),
}


@pytest.mark.parametrize("name", list(GARBAGE_PAYLOADS))
def test_a_payload_that_is_not_the_json_subset_is_invalid(pki: Any, api: Operator, name: str) -> None:
    _registration, keys = card_holder(pki)
    raw, field = GARBAGE_PAYLOADS[name]
    submission = signed_submission(api.operator, keys)
    submission.payload_bytes = raw
    before = counts()
    body = refused(submission.post(api.client()), 400, "invalid", before)
    (error,) = body["errors"]
    assert error["code"] == "json" and error["field"] == field, error


SHAPES: dict[str, tuple[dict[str, Any], dict[str, str]]] = {
    "wrong type": ({"type": "zairyu.supplement/v1"}, {"type": "type"}),
    "type missing": ({"type": None}, {"type": "type"}),
    "type not text": ({"type": 1}, {"type": "type"}),
    "application not an object": ({"application": "extension"}, {"application": "type"}),
    "application a list": ({"application": [extension_application()]}, {"application": "type"}),
    "application missing": ({"application": None}, {"application": "required"}),
    "attachments missing": ({"attachments": None}, {"attachments": "required"}),
    "attachments not a list": ({"attachments": {"part": "doc1"}}, {"attachments": "type"}),
    "attachment not an object": ({"attachments": ["doc1"]}, {"attachments[0]": "shape"}),
    "attachment with an extra key": (
        {"attachments": [{"part": "doc1", "kind": "document", "name": "a.pdf", "sha256": "0" * 64, "size": 1,
                          "mime": "application/pdf"}]},
        {"attachments[0]": "shape"},
    ),
    "attachment fields wrong": (
        {"attachments": [{"part": "payload", "kind": "video", "name": "../a.pdf", "sha256": "ABC", "size": True}]},
        {"attachments[0].part": "part", "attachments[0].kind": "kind", "attachments[0].name": "name",
         "attachments[0].sha256": "sha256", "attachments[0].size": "size"},
    ),
    "attachment size zero": (
        {"attachments": [{"part": "doc1", "kind": "document", "name": "a.pdf", "sha256": "0" * 64, "size": 0}]},
        {"attachments[0].size": "size"},
    ),
    "attachment part twice": (
        {"attachments": [{"part": "doc1", "kind": "document", "name": "a.pdf", "sha256": "0" * 64, "size": 1}] * 2},
        {"attachments[1].part": "part_repeated"},
    ),
    "too many attachments": (
        {"attachments": [{"part": f"d{i}", "kind": "document", "name": "a.pdf", "sha256": "0" * 64, "size": 1}
                         for i in range(21)]},
        {"attachments": "too_many"},
    ),
    "register not an object": ({"register": "yes"}, {"register": "type"}),
    "filer_role not text": ({"filer_role": ["foreign_national"]}, {"filer_role": "type"}),
}  # fmt: skip


@pytest.mark.parametrize("name", list(SHAPES))
def test_a_payload_of_the_wrong_shape_is_invalid(pki: Any, api: Operator, name: str) -> None:
    _registration, keys = card_holder(pki)
    changes, expected = SHAPES[name]
    submission = signed_submission(api.operator, keys)
    payload = {**submission.payload, **changes}
    payload = {k: v for k, v in payload.items() if v is not None}
    tampered = Submission(payload, {}, sign(payload, keys), submission.key)
    before = counts()
    body = refused(tampered.post(api.client()), 400, "invalid", before)
    assert error_fields(body) == expected


@pytest.mark.parametrize(
    "field, value",
    [("sex", {"value": "M"}), ("date_of_birth", ["1990-04-01"]), ("subject_unable", None)],
)
def test_an_application_value_that_is_not_a_scalar_is_invalid(
    pki: Any, api: Operator, field: str, value: Any
) -> None:
    _registration, keys = card_holder(pki)
    application = extension_application()
    application[field] = value
    before = counts()
    response = signed_submission(api.operator, keys, application=application).post(api.client())
    if value is None:  # null is "not given": subject_unable is optional
        assert response.status_code == 201, response.content
        return
    body = refused(response, 400, "invalid", before)
    assert error_fields(body) == {f"application.{field}": "type"}


@pytest.mark.parametrize(
    "field, value, code",
    [("date_of_birth", 19900401, "BULK-DATE"), ("sex", True, "BULK-SEX"), ("subject_unable", "perhaps", "BULK-BOOLEAN"),
     ("residence_card_number", 12345678, "BULK-CARD"), ("with_reentry", 2, "BULK-BOOLEAN")],
)  # fmt: skip
def test_scalars_of_the_wrong_kind_are_read_as_the_bulk_file_would_be(
    pki: Any, api: Operator, field: str, value: Any, code: str
) -> None:
    _registration, keys = card_holder(pki)
    before = counts()
    response = signed_submission(
        api.operator, keys, application=extension_application(**{field: value})
    ).post(api.client())
    body = refused(response, 400, "invalid", before)
    assert error_fields(body) == {f"application.{field}": code}


def test_missing_parts_are_listed(pki: Any, api: Operator) -> None:
    _registration, keys = card_holder(pki)
    submission = signed_submission(api.operator, keys)
    before = counts()
    for drop, expected in (("payload", {"payload": "required"}), ("signature", {"signature": "required"}),
                           ("both", {"payload": "required", "signature": "required"})):  # fmt: skip
        form = submission.form()
        for part in ("payload", "signature") if drop == "both" else (drop,):
            del form[part]
        response = api.client().post("/api/v1/applications", form, HTTP_IDEMPOTENCY_KEY=submission.key)
        assert error_fields(refused(response, 400, "invalid", before)) == expected


def test_an_empty_request_is_invalid(pki: Any, api: Operator) -> None:
    before = counts()
    response = api.client().post("/api/v1/applications", {}, HTTP_IDEMPOTENCY_KEY="empty-request-1")
    body = refused(response, 400, "invalid", before)
    assert error_fields(body) == {"payload": "required", "signature": "required"}


def test_a_listed_attachment_that_was_not_sent_is_missing(pki: Any, api: Operator) -> None:
    _registration, keys = card_holder(pki)
    submission = signed_submission(api.operator, keys)
    del submission.files["photo"]
    before = counts()
    body = refused(submission.post(api.client()), 400, "invalid", before)
    assert error_fields(body) == {"attachments[1]": "part_missing"}


def test_a_part_not_listed_in_the_payload_is_refused(pki: Any, api: Operator) -> None:
    _registration, keys = card_holder(pki)
    submission = signed_submission(api.operator, keys)
    submission.files["extra"] = PDF
    before = counts()
    body = refused(submission.post(api.client()), 400, "invalid", before)
    assert error_fields(body) == {"extra": "part_unlisted"}


def test_a_text_field_besides_the_parts_is_refused_like_an_unlisted_part(pki: Any, api: Operator) -> None:
    """Nothing outside the signature is taken, and nothing sent is silently dropped."""
    _registration, keys = card_holder(pki)
    submission = signed_submission(api.operator, keys)
    form = {**submission.form(), "comment": "hello"}
    before = counts()
    response = api.client().post("/api/v1/applications", form, HTTP_IDEMPOTENCY_KEY=submission.key)
    body = refused(response, 400, "invalid", before)
    assert error_fields(body) == {"comment": "part_unlisted"}


def test_the_payload_may_be_a_plain_text_field(pki: Any, api: Operator) -> None:
    _registration, keys = card_holder(pki)
    submission = signed_submission(api.operator, keys)
    form = {**submission.form(), "payload": json.dumps(submission.payload, ensure_ascii=False)}
    response = api.client().post("/api/v1/applications", form, HTTP_IDEMPOTENCY_KEY=submission.key)
    assert response.status_code == 201, response.content


def test_the_signature_may_be_a_base64_text_field(pki: Any, api: Operator) -> None:
    _registration, keys = card_holder(pki)
    submission = signed_submission(api.operator, keys)
    form = {**submission.form(), "signature": base64.b64encode(submission.signature).decode()}
    response = api.client().post("/api/v1/applications", form, HTTP_IDEMPOTENCY_KEY=submission.key)
    assert response.status_code == 201, response.content


def test_a_signature_text_field_that_is_not_base64_is_invalid(pki: Any, api: Operator) -> None:
    _registration, keys = card_holder(pki)
    submission = signed_submission(api.operator, keys)
    form = {**submission.form(), "signature": "this is not base64!"}
    before = counts()
    response = api.client().post("/api/v1/applications", form, HTTP_IDEMPOTENCY_KEY=submission.key)
    body = refused(response, 400, "invalid", before)
    assert error_fields(body) == {"signature": "base64"}


def test_a_garbage_text_payload_is_invalid(pki: Any, api: Operator) -> None:
    _registration, keys = card_holder(pki)
    submission = signed_submission(api.operator, keys)
    before = counts()
    for text in ("not json", "[]", '{"type": 1.0}', "\x00\x01"):
        form = {**submission.form(), "payload": text}
        response = api.client().post("/api/v1/applications", form, HTTP_IDEMPOTENCY_KEY=submission.key)
        refused(response, 400, "invalid", before)


def test_a_json_body_is_not_a_submission(pki: Any, api: Operator) -> None:
    before = counts()
    response = api.client().post(
        "/api/v1/applications",
        {"payload": {}},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="json-body-01",
    )
    refused(response, 415, "malformed", before)


def test_a_broken_multipart_body_is_not_a_500(pki: Any, api: Operator) -> None:
    before = counts()
    response = api.client().post(
        "/api/v1/applications", b"--xyz\r\nContent-Disposition: form-data; name=\"payload\"\r\n\r\n{",
        content_type="multipart/form-data; boundary=xyz", HTTP_IDEMPOTENCY_KEY="broken-multipart-1",
    )  # fmt: skip
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert counts() == before


def test_without_a_credential_nothing_is_read(pki: Any) -> None:
    _registration, keys = card_holder(pki)
    submission = signed_submission(ServiceOperator(corporate_number="1234567890123"), keys)
    before = counts()
    response = Client(REMOTE_ADDR=ADDRESS).post(
        "/api/v1/applications", submission.form(), HTTP_IDEMPOTENCY_KEY=submission.key
    )
    refused(response, 401, "unauthenticated", before)


@pytest.mark.parametrize("name", ["..", ".", "???", "  ", "申請書.pdf", "a" * 200, "con:tent<>.pdf"])
def test_any_listed_file_name_is_stored_or_refused_but_never_a_500(
    pki: Any, api: Operator, name: str
) -> None:
    _registration, keys = card_holder(pki)
    files = {"doc1": ("document", name, PDF), "photo": ("photo", "photo.jpg", JPEG)}
    response = signed_submission(api.operator, keys, files=files).post(api.client())
    assert response.status_code == 201, response.content
    assert Application.objects.get().attachments.get(kind="document").original_name == name


@pytest.mark.parametrize("role", ["relative", "legal_representative", "king"])
def test_a_role_the_signer_is_not_registered_in_is_not_a_card_problem(
    pki: Any, api: Operator, role: str
) -> None:
    """Registered with this very card, but not in the role named: not registered (in that role), not
    'bound to another card'."""
    _registration, keys = card_holder(pki)
    before = counts()
    response = signed_submission(api.operator, keys, filer_role=role).post(api.client())
    refused(response, 403, "signer_not_registered", before)


def test_an_extension_with_a_re_entry_permit_files_both(pki: Any, api: Operator) -> None:
    _registration, keys = card_holder(pki)
    application = extension_application(with_reentry=True, reentry_multiple=True)
    response = signed_submission(api.operator, keys, application=application).post(api.client())
    assert response.status_code == 201, response.content
    principal, reentry = response.json()["applications"]
    assert (principal["procedure"], principal["principal"]) == ("extension", None)
    assert (reentry["procedure"], reentry["principal"]) == ("reentry", principal["id"])
    assert {a.state for a in Application.objects.all()} == {ApplicationState.SUBMITTED}
    assert Application.objects.get(procedure="extension").attachments.count() == 2


def test_a_multiple_re_entry_without_re_entry_is_invalid(pki: Any, api: Operator) -> None:
    _registration, keys = card_holder(pki)
    before = counts()
    application = extension_application(reentry_multiple=True)
    response = signed_submission(api.operator, keys, application=application).post(api.client())
    body = refused(response, 400, "invalid", before)
    assert error_fields(body) == {"application.reentry_multiple": "BULK-REENTRY-MULTIPLE"}


def test_an_employee_id_is_not_for_an_individual(pki: Any, api: Operator) -> None:
    _registration, keys = card_holder(pki)
    before = counts()
    application = extension_application(employee_id="12")
    response = signed_submission(api.operator, keys, application=application).post(api.client())
    body = refused(response, 400, "invalid", before)
    assert error_fields(body) == {"application.employee_id": "BULK-EMPLOYEE-NOT-FILER"}


def test_a_coe_takes_no_period_of_stay_but_a_photo(pki: Any, api: Operator) -> None:
    _registration, keys = card_holder(pki)
    application = extension_application(procedure="coe", status="student", current_status=None,
                                        period_of_stay_until=None)  # fmt: skip
    before = counts()
    no_photo = signed_submission(api.operator, keys, application=application,
                                 files={"doc1": ("document", "documents.pdf", PDF)})  # fmt: skip
    assert error_fields(refused(no_photo.post(api.client()), 400, "invalid", before)) == {
        "attachments": "photo_required"
    }
    response = signed_submission(api.operator, keys, application=application).post(api.client())
    assert response.status_code == 201, response.content
    (filed,) = response.json()["applications"]
    assert (filed["procedure"], filed["status_of_residence"]) == ("coe", "student")


def test_fields_of_another_procedure_are_unknown(pki: Any, api: Operator) -> None:
    _registration, keys = card_holder(pki)
    application = extension_application(procedure="coe", status="student", current_status=None,
                                        period_of_stay_until=None, with_reentry=True)  # fmt: skip
    before = counts()
    response = signed_submission(api.operator, keys, application=application).post(api.client())
    body = refused(response, 400, "invalid", before)
    assert error_fields(body) == {"application.with_reentry": "unknown"}


@pytest.mark.parametrize("part", ["doc1", "payload", "signature"])
def test_a_part_sent_twice_is_refused(pki: Any, api: Operator, part: str) -> None:
    """Which of two parts of one name was meant is not guessed."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    _registration, keys = card_holder(pki)
    submission = signed_submission(api.operator, keys)
    form = submission.form()
    form[part] = [SimpleUploadedFile("x", b"decoy", content_type="application/octet-stream"), form[part]]
    before = counts()
    response = api.client().post("/api/v1/applications", form, HTTP_IDEMPOTENCY_KEY=submission.key)
    body = refused(response, 400, "invalid", before)
    assert error_fields(body) == {part: "part_repeated"}


def test_a_signature_over_the_sent_bytes_rather_than_the_canonical_form_is_invalid(
    pki: Any, api: Operator
) -> None:
    from jpki.cms import detached_signed_data
    from jpki.testing.virtual_card import raw_rsa_sign

    _registration, keys = card_holder(pki)
    submission = signed_submission(api.operator, keys)
    submission.payload_bytes = json.dumps(submission.payload, indent=2).encode()
    submission.signature = detached_signed_data(
        submission.payload_bytes, certificate_der=keys.signature_cert.public_bytes(Encoding.DER),
        sign=lambda digest_info: raw_rsa_sign(keys.signature_key, digest_info),
    )  # fmt: skip
    before = counts()
    refused(submission.post(api.client()), 422, "signature_invalid", before)


def test_problems_speak_the_callers_language(pki: Any, api: Operator) -> None:
    _registration, keys = card_holder(pki)
    submission = signed_submission(api.operator, keys, application=extension_application(sex="X"))
    english = api.client().post("/api/v1/applications", submission.form(), HTTP_IDEMPOTENCY_KEY=submission.key,
                                HTTP_ACCEPT_LANGUAGE="en")  # fmt: skip
    body = assert_problem(english, 400, "invalid")
    assert body["detail"] == body["en"] != body["ja"]
    japanese = api.client().post("/api/v1/applications", submission.form(), HTTP_IDEMPOTENCY_KEY=submission.key,
                                 HTTP_ACCEPT_LANGUAGE="ja")  # fmt: skip
    body = assert_problem(japanese, 400, "invalid")
    assert body["detail"] == body["ja"] != body["en"]


def test_a_submission_that_loses_the_race_for_its_key_gets_the_winners_answer(
    pki: Any, api: Operator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two requests with one key at once: the one that commits second answers as the first did."""
    from applications import api_submissions

    registration, keys = card_holder(pki)
    submission = signed_submission(api.operator, keys)
    verify = api_submissions.signature_verify
    winner = {"applications": [{"id": "P-20260101-0000042"}], "filer": {}, "registered": False}

    def verify_then_lose(envelope: Any, cms: bytes, *, at: Any) -> Any:
        result = verify(envelope, cms, at=at)
        ApiSubmission.objects.create(
            operator=api.operator, idempotency_key=submission.key, kind="application",
            content_sha256=envelope.content_sha256, signer_fingerprint=result.certificate_fingerprint,
            revocation=result.revocation, registration=registration, status_code=201, response=winner,
        )  # fmt: skip
        return result

    monkeypatch.setattr(api_submissions, "signature_verify", verify_then_lose)
    response = submission.post(api.client())
    assert response.status_code == 201, response.content
    assert response.json() == winner and response["Idempotent-Replayed"] == "true"
    assert Application.objects.count() == 0 and ApiSubmission.objects.count() == 1


@pytest.mark.parametrize(
    "details, expected",
    [
        (register(my_number="123456789018"), {"register.my_number": "unknown"}),
        (register(email=["binh@example.test"]), {"register.email": "type"}),
        (register(phone=9012345678), {"register.phone": "type"}),
    ],
)
def test_register_takes_only_its_documented_text_fields(
    pki: Any, api: Operator, details: dict[str, Any], expected: dict[str, str]
) -> None:
    keys = pki.issue_card(person("TRAN THI BINH", date(1992, 6, 15)))
    before = counts()
    response = signed_submission(api.operator, keys, register=details).post(api.client())
    assert error_fields(refused(response, 400, "invalid", before)) == expected


def test_a_foreign_national_files_only_for_themselves(pki: Any, api: Operator) -> None:
    """The portal's rule, said per field: the subject's date of birth is the signer's."""
    _registration, keys = card_holder(pki)
    before = counts()
    application = extension_application(subject_name="NGUYEN VAN BINH", date_of_birth="2001-02-03")
    response = signed_submission(api.operator, keys, application=application).post(api.client())
    body = refused(response, 400, "invalid", before)
    assert error_fields(body) == {"application.date_of_birth": "own_application"}


def test_a_crl_past_its_next_update_is_no_revocation_check(
    pki_without_crls: Any, api: Operator, cast: dict[str, Any]
) -> None:
    _registration, keys = card_holder(pki_without_crls)
    now = datetime.now(UTC)
    stale = pki_without_crls.crl(
        kind="signature", this_update=now - timedelta(days=3), next_update=now - timedelta(days=2)
    )
    card_trust.crl_import(actor=cast["users"]["admin"], data=stale.public_bytes(Encoding.DER))
    before = counts()
    refused(signed_submission(api.operator, keys).post(api.client()), 422, "revocation_not_checked", before)


def test_a_revoked_authentication_certificate_does_not_stop_a_signature(
    pki: Any, api: Operator, cast: dict[str, Any]
) -> None:
    """The signature certificate is what signs; the card's other certificate is not asked about."""
    _registration, keys = card_holder(pki)
    crl = pki.crl(kind="authentication", revoked=[keys.auth_cert], this_update=datetime.now(UTC))
    card_trust.crl_import(actor=cast["users"]["admin"], data=crl.public_bytes(Encoding.DER))
    response = signed_submission(api.operator, keys).post(api.client())
    assert response.status_code == 201, response.content
    assert ApiSubmission.objects.get().revocation == "checked"
