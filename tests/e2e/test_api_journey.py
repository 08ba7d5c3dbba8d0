"""The application API end to end (issue 7): the example client of docs/api.md, signing with the
virtual My Number Card over the real PC/SC path (pyscard → pcscd → vpcd), registers the card holder
and files an extension through a live server; the nightly run numbers it; a Tokyo reviewer, in
Chromium, starts the examination and asks for a supplement; the client answers it with a signed
document; the reviewer grants. After each step the client's ``status`` call shows the state.

The server trusts the roots the slot-0 card exported (``$RUN/card``) and imports the CRLs it
exported, so revocation is checked as production requires."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from applications import api_credentials
from applications.api_models import ApiSubmission
from applications.models import Application, ApplicationState, SupplementRequest
from applications.receipts import receipts_assign
from individuals import card_trust
from individuals.card_models import CardholderRegistration
from tests.applications.conftest import JPEG, PDF, make_pdf
from tests.e2e.journey import log_in
from tests.factories import persona_users, valid_corporate_number

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

if os.environ.get("START_PCSC") != "1":
    pytest.skip(
        "needs pcscd and the virtual card: scripts/services.sh up with START_PCSC=1 (make test does)",
        allow_module_level=True,
    )

SLOT0 = "Virtual PCD 00 00"
CLIENT = Path(__file__).resolve().parents[2] / "docs" / "examples" / "api_client.py"
SUPPLEMENT = "在職証明書を提出してください。"


def _card() -> dict[str, Any]:
    directory = Path(os.environ.get("RUN", "var/test-run")) / "card"
    info: dict[str, Any] = json.loads((directory / "card.json").read_text())
    info["dir"] = directory
    return info


class Client:
    """The example client as a private service would run it (its own process, the card over PC/SC)."""

    def __init__(self, server: str, token: str, operator: str, password: str) -> None:
        self.base = ["--server", server, "--token", token, "--operator", operator, "--reader", SLOT0]
        self.password = password

    def run(self, *args: str) -> dict[str, Any]:
        done = subprocess.run(
            [sys.executable, str(CLIENT), *self.base, *args], input=self.password + "\n", capture_output=True,
            text=True, timeout=120, env={**os.environ, "LANG": "C.UTF-8"},
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        assert self.password not in done.stdout + done.stderr, "the password is never echoed"
        answer: dict[str, Any] = json.loads(done.stdout)
        return answer

    def status(self, number: str) -> dict[str, Any]:
        return self.run("status", number)


def _step(page: Page, pk: int, name: str) -> Any:
    return page.locator(f"form[action$='/applications/{pk}/step/{name}/'] button[type=submit]")


def test_the_example_client_files_and_answers_a_supplement_through_the_api(
    live_server: Any, page: Page, screenshot_dir: Path, tmp_path: Path
) -> None:
    cast = persona_users()
    admin, reviewer = cast["users"]["admin"], cast["users"]["reviewer_tokyo"]
    card = _card()
    pinned = [card["sha256"]["signature_ca"], card["sha256"]["auth_ca"]]
    with override_settings(JPKI_PINNED_FINGERPRINTS=pinned, JPKI_API_REQUIRE_REVOCATION_CHECK=True):
        for name in ("signature_ca", "auth_ca"):
            card_trust.trust_anchor_load(actor=admin, data=(card["dir"] / f"{name}.der").read_bytes())
            card_trust.crl_import(actor=admin, data=(card["dir"] / f"{name}.crl").read_bytes())
        operator = api_credentials.operator_register(
            actor=admin, name="株式会社サンプル申請サービス", corporate_number=valid_corporate_number(5),
            contact_name="山田 花子", contact_email="api@sample.example", allowed_networks=["127.0.0.0/8", "::1/128"],
            rate_limit_per_minute=600,
        )  # fmt: skip
        _credential, token = api_credentials.credential_issue(actor=admin, operator_id=operator.pk)
        client = Client(live_server.url, token, operator.corporate_number, card["signature_password"])

        # --- The service files an extension; the card holder is registered from the signature. --
        until = timezone.localdate() + timedelta(days=45)
        (tmp_path / "application.json").write_text(json.dumps({
            "procedure": "extension", "residence_card_number": "ZZ98765432YY", "subject_name": "NGUYEN VAN AN",
            "nationality": "Viet Nam", "date_of_birth": "1990-04-01", "sex": "M",
            "status": "engineer_humanities_international", "current_status": "engineer_humanities_international",
            "period_of_stay_until": until.isoformat(), "prefecture": "13",
            "address": "東京都新宿区大久保一丁目2番3号", "notification_email": "an.nguyen@example.test",
        }, ensure_ascii=False), encoding="utf-8")  # fmt: skip
        (tmp_path / "register.json").write_text(json.dumps({
            "role": "foreign_national", "email": "an.nguyen@example.test", "phone": "080-1111-2222",
            "residence_card_number": "ZZ98765432YY",
        }))  # fmt: skip
        (tmp_path / "documents.pdf").write_bytes(PDF)
        (tmp_path / "photo.jpg").write_bytes(JPEG)
        (tmp_path / "certificate.pdf").write_bytes(make_pdf(text="在職証明書"))
        filed = client.run(
            "submit", str(tmp_path / "application.json"), "--register", str(tmp_path / "register.json"),
            "--attach", f"doc1=document:{tmp_path / 'documents.pdf'}", "--attach", f"photo=photo:{tmp_path / 'photo.jpg'}",
        )  # fmt: skip
        assert filed["registered"] is True
        registration = CardholderRegistration.objects.get()
        assert filed["filer"]["authentication_id"] == str(registration)
        assert registration.auth_cert_fingerprint is None  # only the signature certificate was seen
        (document,) = filed["applications"]
        number = document["id"]
        application = Application.objects.get(provisional_number=number)
        assert application.filer == registration.user and application.filing.operator == operator
        assert ApiSubmission.objects.get().revocation == "checked"
        assert (document["stage"], document["state"]) == ("intake", "submitted")
        assert client.status(number)["state"] == "submitted"

        # --- The nightly run numbers it. ---------------------------------------------------------
        receipts_assign(now=timezone.now() + timedelta(days=1))
        received = client.status(number)
        assert received["state"] == "received" and received["receipt_number"].startswith("東オン")

        # --- The Tokyo reviewer sees who filed it and through which service, and asks for more. --
        detail = f"/applications/{application.pk}/"
        log_in(page, live_server.url, detail, reviewer)
        expect(page.locator("#filed-through")).to_contain_text(operator.name)
        _step(page, application.pk, "start_examination").click()
        expect(page).to_have_url(f"{live_server.url}{detail}")
        assert client.status(number)["stage"] == "examination"
        due = timezone.localdate() + timedelta(days=14)
        page.locator("#examination details summary").click()
        form = page.locator("#supplement-form")
        form.locator("#id_message").fill(SUPPLEMENT)
        form.locator("#id_due_on").fill(due.isoformat())
        page.screenshot(path=str(screenshot_dir / "api-1-reviewer-requests-supplement.png"), full_page=True)
        form.locator("button[type=submit]").click()
        expect(page).to_have_url(f"{live_server.url}{detail}")
        waiting = client.status(number)
        assert waiting["state"] == "awaiting_supplement"
        (asked,) = waiting["supplements"]
        assert asked["open"] is True and asked["message"] == SUPPLEMENT and asked["due_on"] == due.isoformat()

        # --- The client answers with a signed document. ------------------------------------------
        answered = client.run(
            "supplement", number, "--supplement", str(asked["id"]), "--note", "在職証明書を添付します。",
            "--attach", f"doc1=document:{tmp_path / 'certificate.pdf'}",
        )  # fmt: skip
        assert answered["state"] == "under_examination"
        assert answered["supplements"][0]["answered_at"] and answered["supplements"][0]["open"] is False
        request = SupplementRequest.objects.get(application=application)
        assert list(request.attachments.values_list("original_name", flat=True)) == ["certificate.pdf"]

        # --- The reviewer grants; the status says so. --------------------------------------------
        page.reload()
        expect(page.locator("#attachments")).to_contain_text("certificate.pdf")
        _step(page, application.pk, "grant").click()
        expect(page).to_have_url(f"{live_server.url}{detail}")
        page.screenshot(path=str(screenshot_dir / "api-2-reviewer-granted.png"), full_page=True)
        granted = client.status(number)
        assert (granted["stage"], granted["state"], granted["decision"]) == ("decided", "granted", "granted")
        assert Application.objects.get(pk=application.pk).state == ApplicationState.GRANTED
        listed = client.run("list", "--authentication-id", str(registration))
        assert [a["id"] for a in listed["results"]] == [number]
