"""Trust for the My Number Card: pinned roots only, CRL import by page, command and schedule."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from backoffice.audit.models import AuditEvent
from individuals import card_trust
from individuals.card_models import RevocationList, TrustAnchor
from individuals.tasks import crls_import
from jpki.testing.pki import TestPki, default_pki
from tests.individuals.test_card_flows import _fingerprint


@pytest.fixture
def pinned(settings: Any) -> TestPki:
    pki = default_pki()
    settings.JPKI_PINNED_FINGERPRINTS = [_fingerprint(pki.signature_ca), _fingerprint(pki.auth_ca)]
    return pki


@pytest.mark.django_db
def test_only_a_pinned_root_loads_and_the_page_says_why(pinned: TestPki, client_for: Any) -> None:
    admin = client_for("admin")
    url = reverse("individuals:card_trust")
    other = TestPki.create().signature_ca
    stranger = other.public_bytes(Encoding.PEM)
    refused = admin.post(url, {"kind": "anchor", "file": SimpleUploadedFile("x.pem", stranger)})
    errors = " ".join(refused.context["form"].errors["file"])
    assert refused.status_code == 400 and "一覧にない" in errors and _fingerprint(other) in errors
    assert TrustAnchor.objects.count() == 0
    good = pinned.signature_ca.public_bytes(Encoding.PEM)
    assert (
        admin.post(url, {"kind": "anchor", "file": SimpleUploadedFile("root.pem", good)}).status_code == 302
    )
    assert TrustAnchor.objects.get().fingerprint == _fingerprint(pinned.signature_ca)
    assert AuditEvent.objects.filter(action="trust_anchor.loaded").count() == 1
    crl = pinned.crl(kind="signature").public_bytes(Encoding.DER)
    assert admin.post(url, {"kind": "crl", "file": SimpleUploadedFile("s.crl", crl)}).status_code == 302
    assert RevocationList.objects.count() == 1 and admin.get(url).status_code == 200


@pytest.mark.django_db
def test_the_drop_folder_is_imported_once(pinned: TestPki, tmp_path: Path, settings: Any) -> None:
    for root in (pinned.signature_ca, pinned.auth_ca):
        card_trust.trust_anchor_load(actor=None, data=root.public_bytes(Encoding.DER))
    (tmp_path / "sign.crl").write_bytes(pinned.crl(kind="signature").public_bytes(Encoding.DER))
    (tmp_path / "auth.pem").write_bytes(pinned.crl(kind="authentication").public_bytes(Encoding.PEM))
    (tmp_path / "junk.crl").write_bytes(b"not a crl")
    settings.JPKI_CRL_DIR = str(tmp_path)
    assert crls_import() == {"imported": 2, "skipped": 0, "refused": 1}
    assert crls_import() == {"imported": 0, "skipped": 2, "refused": 1}, "idempotent"
    out = StringIO()
    (tmp_path / "junk.crl").unlink()
    call_command("jpki_crl_import", str(tmp_path), stdout=out)
    assert "'skipped': 2" in out.getvalue()
    foreign = TestPki.create().crl(kind="signature").public_bytes(Encoding.DER)
    (tmp_path / "foreign.crl").write_bytes(foreign)
    with pytest.raises(CommandError, match="refused"):
        call_command("jpki_crl_import", str(tmp_path / "foreign.crl"), stdout=StringIO())
    with pytest.raises(ValidationError):
        card_trust.crl_import(actor=None, data=foreign)
    assert RevocationList.objects.count() == 2
