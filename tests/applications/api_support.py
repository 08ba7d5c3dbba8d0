"""What the API's tests share: a trusted test PKI with current CRLs, an operator with a credential,
a registered card holder, and a signed multipart submission built the way docs/api.md tells a
private service to build it (canonical payload, detached CMS from the card's signature key)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from django.test import Client
from django.utils import timezone

from applications import api_credentials
from applications.api.canonical import canonical
from individuals import card_trust
from individuals.card_models import CardholderRegistration, CardholderRole
from jpki.cms import detached_signed_data
from jpki.testing.pki import CardKeys, Person, TestPki, default_pki
from jpki.testing.virtual_card import raw_rsa_sign
from tests.applications.conftest import JPEG, PDF
from tests.factories import valid_corporate_number

ADDRESS = "203.0.113.9"


def der(cert: Any) -> bytes:
    return bytes(cert.public_bytes(Encoding.DER))


def fingerprint(cert: Any) -> str:
    return hashlib.sha256(der(cert)).hexdigest()


def trust_test_pki(settings: Any, admin: Any, *, crls: bool = True) -> TestPki:
    """The test J-LIS roots pinned and loaded; with ``crls``, a current CRL for each (nothing revoked)."""
    # The stores are cached by the rows' primary keys, which a rolled-back test gives out again.
    card_trust._stores.clear()
    pki = default_pki()
    settings.JPKI_PINNED_FINGERPRINTS = [fingerprint(pki.signature_ca), fingerprint(pki.auth_ca)]
    for root in (pki.signature_ca, pki.auth_ca):
        card_trust.trust_anchor_load(actor=admin, data=der(root))
    for kind in ("signature", "authentication") if crls else ():
        card_trust.crl_import(actor=admin, data=pki.crl(kind=kind).public_bytes(Encoding.DER))  # type: ignore[arg-type]
    return pki


@pytest.fixture
def pki(db: Any, settings: Any, cast: dict[str, Any]) -> TestPki:
    """The test J-LIS roots pinned and loaded, and a current CRL for each (nothing revoked)."""
    return trust_test_pki(settings, cast["users"]["admin"])


@pytest.fixture
def pki_without_crls(db: Any, settings: Any, cast: dict[str, Any]) -> TestPki:
    """The roots pinned and loaded, but no CRL imported: revocation cannot be checked."""
    return trust_test_pki(settings, cast["users"]["admin"], crls=False)


@dataclass
class Operator:
    operator: Any
    token: str

    def client(self) -> Client:
        return Client(HTTP_AUTHORIZATION=f"Bearer {self.token}", REMOTE_ADDR=ADDRESS)


def operator_with_token(admin: Any, seed: int = 71) -> Operator:
    operator = api_credentials.operator_register(
        actor=admin, name=f"株式会社申請サービス{seed}", corporate_number=valid_corporate_number(seed),
        contact_name="山田 花子", contact_email="api@sample.example", allowed_networks=["203.0.113.0/24"],
        rate_limit_per_minute=1000,
    )  # fmt: skip
    _credential, token = api_credentials.credential_issue(actor=admin, operator_id=operator.pk)
    return Operator(operator, token)


_serial = iter(range(10_000, 99_999))


def card_holder(pki: TestPki, *, born: date = date(1990, 4, 1), name: str = "NGUYEN VAN AN",
                role: str = CardholderRole.FOREIGN_NATIONAL, relationship: str = "",
                keys: CardKeys | None = None) -> tuple[CardholderRegistration, CardKeys]:  # fmt: skip
    """A registered individual bound to a fresh card, as card registration leaves them."""
    from django.contrib.auth import get_user_model

    from backoffice.access.roles import Role
    from individuals.card_services import _identity_key

    keys = keys or pki.issue_card(
        Person(name=name, date_of_birth=born, sex=1, address="東京都新宿区大久保一丁目2番3号")
    )
    n = next(_serial)
    code = f"9{n:05d}{n:06d}"[:12]
    user = get_user_model().objects.create(
        username=code, role={"foreign_national": Role.FOREIGN_NATIONAL, "relative": Role.RELATIVE,
                             "legal_representative": Role.LEGAL_REPRESENTATIVE}[role],
        display_name=name, email=f"holder{n}@example.test",
    )  # fmt: skip
    registration = CardholderRegistration.objects.create(
        user=user, role=role, relationship=relationship, auth_code=code, name=name, date_of_birth=born, sex="1",
        address="東京都新宿区大久保一丁目2番3号", identity_key=_identity_key(name, born), phone="090-1234-5678",
        residence_card_number="AB12345678CD" if role == CardholderRole.FOREIGN_NATIONAL else "",
        signature_cert_fingerprint=fingerprint(keys.signature_cert), auth_cert_fingerprint=fingerprint(keys.auth_cert),
        certificate_not_after=keys.signature_cert.not_valid_after_utc,
    )  # fmt: skip
    return registration, keys


def extension_application(**overrides: Any) -> dict[str, Any]:
    today = timezone.localdate()
    body = {
        "procedure": "extension", "residence_card_number": "AB12345678CD", "subject_name": "NGUYEN VAN AN",
        "nationality": "Viet Nam", "date_of_birth": "1990-04-01", "sex": "M", "status": "engineer_humanities_international",
        "current_status": "engineer_humanities_international", "period_of_stay_until": (today + timedelta(days=60)).isoformat(),
        "prefecture": "13", "address": "東京都新宿区大久保一丁目2番3号", "notification_email": "an@example.test",
    }  # fmt: skip
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


@dataclass
class Submission:
    """A multipart submission: change any part after signing to tamper with it."""

    payload: dict[str, Any]
    files: dict[str, bytes]
    signature: bytes
    key: str
    payload_bytes: bytes = b""
    extra_headers: dict[str, str] = field(default_factory=dict)

    def form(self) -> dict[str, Any]:
        """The multipart parts, to post as they are or after changing one."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        data: dict[str, Any] = {
            "payload": SimpleUploadedFile("payload.json", self.payload_bytes or json.dumps(self.payload).encode(),
                                          content_type="application/json"),
            "signature": SimpleUploadedFile("signature.p7s", self.signature, content_type="application/pkcs7-signature"),
        }  # fmt: skip
        for part, content in self.files.items():
            data[part] = SimpleUploadedFile(part, content, content_type="application/octet-stream")
        return data

    def post(self, client: Client, path: str = "/api/v1/applications") -> Any:
        return client.post(path, self.form(), HTTP_IDEMPOTENCY_KEY=self.key, **self.extra_headers)


def sign(payload: dict[str, Any], keys: CardKeys, *, use_auth_key: bool = False) -> bytes:
    cert, key = (keys.auth_cert, keys.auth_key) if use_auth_key else (keys.signature_cert, keys.signature_key)
    return detached_signed_data(
        canonical(payload), certificate_der=der(cert), sign=lambda di: raw_rsa_sign(key, di)
    )


def signed_submission(
    operator: Any, keys: CardKeys, *, application: dict[str, Any] | None = None,
    files: dict[str, tuple[str, str, bytes]] | None = None, key: str = "", use_auth_key: bool = False,
    **top: Any,
) -> Submission:  # fmt: skip
    """``files``: part → (kind, name, bytes); by default a PDF and a photo."""
    files = (
        files
        if files is not None
        else {"doc1": ("document", "documents.pdf", PDF), "photo": ("photo", "photo.jpg", JPEG)}
    )
    payload = {
        "type": "zairyu.application/v1", "operator": operator.corporate_number,
        "application": application if application is not None else extension_application(),
        "attachments": [{"part": part, "kind": kind, "name": name, "sha256": hashlib.sha256(data).hexdigest(),
                         "size": len(data)} for part, (kind, name, data) in files.items()],
        **top,
    }  # fmt: skip
    return Submission(
        payload,
        {part: data for part, (_k, _n, data) in files.items()},
        sign(payload, keys, use_auth_key=use_auth_key),
        key or f"key-{next(_serial)}-{len(files)}",
    )


def counts() -> dict[str, int]:
    """What a refused submission must leave as it was."""
    from django.contrib.auth import get_user_model

    from applications.api_models import ApiSubmission
    from applications.models import Application, Attachment, Filing, SupplementRequest

    return {
        "applications": Application.objects.count(), "filings": Filing.objects.count(),
        "attachments": Attachment.objects.count(), "submissions": ApiSubmission.objects.count(),
        "registrations": CardholderRegistration.objects.count(), "users": get_user_model().objects.count(),
        "answered": SupplementRequest.objects.filter(answered_at__isnull=False).count(),
    }  # fmt: skip


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    """An RFC 9457 problem document with the API's stable code; its body."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json"), response["Content-Type"]
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    assert body["status"] == status
    return body


def error_fields(body: dict[str, Any]) -> dict[str, str]:
    """``errors`` of an ``invalid`` problem as field → code (each error checked for both languages)."""
    for error in body["errors"]:
        assert set(error) == {"field", "code", "ja", "en"}, error
        assert error["ja"] and error["en"], error
    return {error["field"]: error["code"] for error in body["errors"]}
