"""Registration, login and re-linking with the My Number Card (§13 D6), server side.

The real client program (jpki.client.main) drives the real views, in process: its HTTP calls go
through Django's test client, its card is the virtual My Number Card over the in-process
transport. The PC/SC path and a live server are covered in tests/integration and tests/e2e."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from backoffice.audit.models import AuditEvent
from backoffice.workbench.models import OutboxMessage
from individuals import card_nonces, card_trust
from individuals.card_models import CardholderRegistration, CardNonce
from jpki import client as card_client
from jpki.card import CertKind, JpkiCard, KeyKind, PinKind
from jpki.testing.pki import CardKeys, TestPki, default_pki, demo_person
from jpki.testing.virtual_card import VirtualJpkiCard
from jpki.transport import InProcessTransport

PIN, PASSWORD = "1234", "ABC123"
DETAILS = ["--email", "nguyen@example.test", "--phone", "090-1234-5678", "--residence-card", "AB12345678CD"]


class DjangoServer(card_client.Server):
    """The client's Server, with Django's test client instead of urllib (one session)."""

    def __init__(self, web: Client) -> None:
        self.web = web

    def post(self, path: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        response = self.web.post(path, json.dumps(payload), content_type="application/json")
        return response.status_code, response.json()


def _fingerprint(cert: Any) -> str:
    return hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest()


@pytest.fixture
def trusted(db: Any, settings: Any, cast: dict[str, Any]) -> TestPki:
    pki = default_pki()
    settings.JPKI_PINNED_FINGERPRINTS = [_fingerprint(pki.signature_ca), _fingerprint(pki.auth_ca)]
    admin = cast["users"]["admin"]
    for root in (pki.signature_ca, pki.auth_ca):
        card_trust.trust_anchor_load(actor=admin, data=root.public_bytes(Encoding.DER))
    return pki


def _run(command: list[str], keys: CardKeys, web: Client, *, answers: list[str] | None = None,
         card: VirtualJpkiCard | None = None) -> tuple[int, str]:  # fmt: skip
    card = card or VirtualJpkiCard(keys, auth_pin=PIN, signature_password=PASSWORD)
    out = io.StringIO()
    secrets_given = iter([PIN] if command[0] == "login" else [PASSWORD, PIN])
    typed = iter(answers or [])
    console = card_client.Console("en", out, lambda _prompt: next(secrets_given), lambda _prompt: next(typed))
    code = card_client.main(
        ["--lang", "en", *command], transport_factory=lambda _reader: InProcessTransport(card),
        console=console, server_factory=lambda _url: DjangoServer(web),
    )  # fmt: skip
    return code, out.getvalue()


def _register(keys: CardKeys, web: Client | None = None, extra: list[str] | None = None) -> tuple[int, str]:
    return _run(["register", "--server", "http://testserver", *(extra or DETAILS)], keys, web or Client())


@pytest.mark.django_db
def test_the_client_registers_and_the_id_logs_in(trusted: TestPki) -> None:
    keys = trusted.issue_card(demo_person())
    code, said = _register(keys)
    assert code == 0, said
    registration = CardholderRegistration.objects.get()
    assert registration.name == "NGUYEN VAN AN" and registration.date_of_birth == date(1990, 4, 1)
    assert (
        registration.residence_card_number == "AB12345678CD" and registration.user.role == "foreign_national"
    )
    assert "NGUYEN VAN AN" in said and str(registration) in said, "the certificate's data is shown"
    assert not registration.user.has_usable_password()
    mail = OutboxMessage.objects.get(recipient="nguyen@example.test")
    assert str(registration) in mail.body
    assert AuditEvent.objects.filter(action="cardholder.registered").count() == 1

    web = Client()
    code, said = _run(
        ["login", "--server", "http://testserver", "--id", str(registration).lower()], keys, web
    )
    assert code == 0, said
    assert web.get(reverse("individuals:card_me")).status_code == 200, "the client's session is logged in"
    link = said.strip().splitlines()[-1].replace("http://testserver", "")
    browser = Client()
    assert browser.get(link)["Location"] == reverse("individuals:card_me")
    assert browser.get(reverse("individuals:card_me")).status_code == 200
    assert Client().get(link)["Location"] == reverse("access:login"), "the browser link works once"


@pytest.mark.django_db
def test_the_browser_form_completes_a_registration(trusted: TestPki) -> None:
    keys = trusted.issue_card(replace(demo_person(), name="山田 花子", date_of_birth=date(1985, 2, 3), sex=2))
    web = Client()
    nonce = card_nonces.nonce_issue(session_key=_session(web), purpose="register")
    body = _signed_both(keys, "register", nonce)
    identity = web.post(reverse("individuals:card_identify"), json.dumps({"nonce": nonce, **body}),
                        content_type="application/json").json()  # fmt: skip
    form_url = identity["form_url"].replace("http://testserver", "")
    page = web.get(form_url)
    assert page.status_code == 200 and "山田 花子" in page.content.decode()
    bad = web.post(form_url, {"role": "relative", "email": "h@example.test", "phone": "03-1234-5678"})
    assert bad.status_code == 400 and "relationship" in bad.context["form"].errors
    done = web.post(form_url, {"role": "relative", "relationship": "spouse", "email": "h@example.test",
                               "phone": "03-1234-5678"})  # fmt: skip
    assert done["Location"] == reverse("individuals:card_me")
    assert CardholderRegistration.objects.get().relationship == "spouse"
    assert web.get(form_url).status_code == 410, "the form works once"


def _session(web: Client) -> str:
    web.get(reverse("individuals:card_start"))
    session = web.session
    session.save()
    web.cookies["sessionid"] = session.session_key
    return str(session.session_key)


def _signed_both(
    keys: CardKeys, purpose: str, nonce: str, *, card: VirtualJpkiCard | None = None
) -> dict[str, str]:
    jpki = JpkiCard(
        InProcessTransport(card or VirtualJpkiCard(keys, auth_pin=PIN, signature_password=PASSWORD))
    )
    jpki.select()
    message = card_client.signed_message(purpose, nonce)
    jpki.verify(PinKind.SIGNATURE, PASSWORD)
    signed = {"certificate": jpki.read_certificate(CertKind.SIGNATURE),
              "signature": jpki.sign_sha256(KeyKind.SIGNATURE, message)}  # fmt: skip
    jpki.verify(PinKind.AUTH, PIN)
    signed |= {"auth_certificate": jpki.read_certificate(CertKind.AUTH),
               "auth_signature": jpki.sign_sha256(KeyKind.AUTH, message)}  # fmt: skip
    return {key: base64.b64encode(value).decode() for key, value in signed.items()}


def _identify(web: Client, body: dict[str, Any]) -> Any:
    return web.post(reverse("individuals:card_identify"), json.dumps(body), content_type="application/json")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "case,code",
    [
        ("tampered", "signature_invalid"),
        ("wrong_policy", "wrong_policy"),
        ("expired", "expired"),
        ("not_yet_valid", "not_yet_valid"),
        ("untrusted_root", "untrusted_root"),
        ("revoked", "revoked"),
        ("replayed", "nonce_replayed"),
        ("other_session", "nonce_unknown"),
        ("expired_nonce", "nonce_expired"),
        ("login_nonce", "nonce_unknown"),
    ],
)
def test_every_bad_signature_is_refused_with_its_reason(trusted: TestPki, case: str, code: str) -> None:
    person = demo_person()
    now = timezone.now()
    keys = {
        "wrong_policy": lambda: trusted.issue_card(person, swap_policies=True),
        "expired": lambda: trusted.issue_card(person, not_before=now - timedelta(days=800),
                                              not_after=now - timedelta(days=1)),
        "not_yet_valid": lambda: trusted.issue_card(person, not_before=now + timedelta(days=2),
                                                    not_after=now + timedelta(days=900)),
        "untrusted_root": lambda: TestPki.create().issue_card(person),
    }.get(case, lambda: trusted.issue_card(person))()  # fmt: skip
    web = Client()
    purpose = "login" if case == "login_nonce" else "register"
    nonce = card_nonces.nonce_issue(session_key=_session(web), purpose=purpose)
    body = {"nonce": nonce, **_signed_both(keys, "register", nonce)}
    if case == "tampered":
        body["signature"] = base64.b64encode(b"\0" + base64.b64decode(body["signature"])[1:]).decode()
    if case == "revoked":
        crl = trusted.crl(kind="signature", revoked=[keys.signature_cert])
        card_trust.crl_import(actor=None, data=crl.public_bytes(Encoding.DER))
    if case == "replayed":
        assert _identify(web, body).status_code == 200
    if case == "other_session":
        web = Client()
    if case == "expired_nonce":
        CardNonce.objects.update(expires_at=now - timedelta(seconds=1))
    response = _identify(web, body)
    assert response.status_code in {400, 403}, response.content
    assert response.json()["code"] == code, response.json()
    assert response.json()["message_ja"] and response.json()["message_en"]
    assert CardholderRegistration.objects.count() == 0


@pytest.mark.django_db
def test_production_can_require_a_revocation_check(trusted: TestPki, settings: Any) -> None:
    settings.JPKI_REQUIRE_REVOCATION_CHECK = True
    keys = trusted.issue_card(demo_person())
    code, said = _register(keys)
    assert code == 1 and "Revocation could not be checked" in said
    for kind in ("signature", "authentication"):
        card_trust.crl_import(actor=None, data=trusted.crl(kind=kind).public_bytes(Encoding.DER))  # type: ignore[arg-type]
    code, said = _register(keys)
    assert code == 0, said


@pytest.mark.django_db
@pytest.mark.parametrize(
    "person_change,extra,message",
    [
        ({"date_of_birth": date.today().replace(year=date.today().year - 14)}, DETAILS, "age of 15"),
        ({}, ["--email", "x@example.test", "--phone", "090-1234-5678", "--residence-card", "A1234567CD"],
         "two letters, eight digits"),
        ({}, ["--email", "x@example.test", "--phone", "123456789018", "--residence-card", "AB12345678CD"],
         "My Number"),
    ],
)  # fmt: skip
def test_details_are_checked(
    trusted: TestPki, person_change: dict[str, Any], extra: list[str], message: str
) -> None:
    keys = trusted.issue_card(replace(demo_person(), **person_change))
    code, said = _register(keys, extra=extra)
    assert code == 1 and message in said, said
    assert CardholderRegistration.objects.count() == 0


@pytest.mark.django_db
def test_a_second_registration_and_a_foreign_card_are_refused(trusted: TestPki) -> None:
    keys = trusted.issue_card(demo_person())
    assert _register(keys)[0] == 0
    code, said = _register(keys)
    assert code == 1 and "already registered" in said
    registration = CardholderRegistration.objects.get()
    stranger = trusted.issue_card(replace(demo_person(), name="TRAN THI BINH"))
    code, said = _run(
        ["login", "--server", "http://testserver", "--id", str(registration)], stranger, Client()
    )
    assert code == 1 and "do not go together" in said


@pytest.mark.django_db
def test_a_new_card_relinks_only_for_the_same_person(trusted: TestPki) -> None:
    old = trusted.issue_card(demo_person())
    assert _register(old)[0] == 0
    registration = CardholderRegistration.objects.get()
    stranger = trusted.issue_card(replace(demo_person(), name="TRAN THI BINH"))
    code, said = _run(
        ["relink", "--server", "http://testserver", "--id", str(registration)], stranger, Client()
    )
    assert code == 1 and "do not match" in said
    new = trusted.issue_card(replace(demo_person(), address="大阪府大阪市北区梅田一丁目1番1号"))
    code, said = _run(["relink", "--server", "http://testserver", "--id", str(registration)], new, Client())
    assert code == 0, said
    assert CardholderRegistration.objects.get().address.startswith("大阪府")
    login = ["login", "--server", "http://testserver", "--id", str(registration)]
    assert _run(login, new, Client())[0] == 0
    assert _run(login, old, Client())[0] == 1, "the old card no longer logs in"


@pytest.mark.django_db
def test_the_client_refuses_the_last_try_unless_confirmed(trusted: TestPki) -> None:
    keys = trusted.issue_card(demo_person())
    card = VirtualJpkiCard(keys, auth_pin=PIN, signature_password=PASSWORD, signature_tries_left=1)
    code, said = _run(["register", "--server", "http://testserver", *DETAILS], keys, Client(), answers=["n"],
                      card=card)  # fmt: skip
    assert code == 1 and "Stopped" in said
    assert card.tries_left(PinKind.SIGNATURE) == 1, "nothing was sent to the card"


def test_the_signed_message_binds_purpose_and_nonce() -> None:
    assert card_nonces.signed_message("login", "abc") == b"zairyu:login:abc"
    assert card_nonces.signed_message("login", "abc") != card_nonces.signed_message("register", "abc")
