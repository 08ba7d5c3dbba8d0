"""Records in the states that have documents, built through the real services, and the poppler
tools that look at a PDF (pdffonts, pdftoppm, pdftotext).

Fixtures are imported by the test modules (``from tests.reporting.document_support import …``)."""

from __future__ import annotations

import copy
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from applications.models import Application
from applications.receipts import receipts_assign
from tests.applications.conftest import JPEG, PDF, activate_id, cast_apps  # noqa: F401  (fixtures)
from tests.applications.test_lifecycle import filed
from tests.usage_requests.conftest import APPROVAL, GOOD_FACTS, cast_ur, file_and_approve  # noqa: F401
from usage_requests.id_services import auth_id_revoke
from usage_requests.models import AuthenticationId, UsageRequest
from usage_requests.services import usage_request_create, usage_request_transition

REJECTION_REASON = "誓約書が提出されていないため、承認しないこととしました。"
REVOCATION_NOTE = "利用規約に反する代理入力が確認されたため。"


# --- records ---------------------------------------------------------------------------------------


@pytest.fixture
def approved(cast_ur: dict[str, Any]) -> UsageRequest:  # noqa: F811
    """A new usage request of みどり食品 filed by hr, approved by the Tokyo supervisor."""
    request = file_and_approve(cast_ur)
    return UsageRequest.objects.get(pk=request.pk)


@pytest.fixture
def rejected(cast_ur: dict[str, Any]) -> UsageRequest:  # noqa: F811
    """A request without the pledge: REQ-PLEDGE fails; recommended for rejection and rejected."""
    users = cast_ur["users"]
    facts = copy.deepcopy(GOOD_FACTS)
    facts["institution"]["pledge_submitted"] = False
    request = usage_request_create(
        actor=users["hr"], institution=cast_ur["company"], acting_for=None, kind="new", declared_facts=facts
    )
    for who, name, reason in [
        ("hr", "submit", ""),
        ("reviewer_tokyo", "start_review", ""),
        ("reviewer_tokyo", "recommend_rejection", "誓約書が未提出です。"),
        ("supervisor_tokyo", "reject", REJECTION_REASON),
    ]:
        usage_request_transition(actor=users[who], request_id=request.pk, name=name, reason=reason)
    return UsageRequest.objects.get(pk=request.pk)


@pytest.fixture
def active_id(approved: UsageRequest) -> AuthenticationId:
    return activate_id(approved.auth_id)


@pytest.fixture
def periodic(cast_ur: dict[str, Any], active_id: AuthenticationId) -> UsageRequest:  # noqa: F811
    """A periodic report of みどり食品, filed in time and approved: its live ID is extended."""
    users = cast_ur["users"]
    report = usage_request_create(
        actor=users["hr"], institution=cast_ur["company"], acting_for=None, kind="periodic_report",
        declared_facts=copy.deepcopy(GOOD_FACTS),
    )  # fmt: skip
    for who, name in APPROVAL:
        usage_request_transition(actor=users[who], request_id=report.pk, name=name)
    return UsageRequest.objects.get(pk=report.pk)


@pytest.fixture
def revoked(cast_ur: dict[str, Any], active_id: AuthenticationId) -> AuthenticationId:  # noqa: F811
    """The active ID, revoked by the Tokyo reviewer as a sanction."""
    auth_id_revoke(
        actor=cast_ur["users"]["reviewer_tokyo"],
        auth_id_pk=active_id.pk,
        reason="sanction",
        note=REVOCATION_NOTE,
    )
    return AuthenticationId.objects.select_related("holder", "institution").get(pk=active_id.pk)


@pytest.fixture
def received(cast_apps: dict[str, Any]) -> Application:  # noqa: F811
    """An extension (with a re-entry permit) for NGUYEN VAN AN, filed by hr, numbered overnight."""
    application = filed(cast_apps)
    receipts_assign(now=timezone.now() + timedelta(days=1))
    return Application.objects.get(pk=application.pk)


# --- looking at a PDF ------------------------------------------------------------------------------


def write(tmp_path: Path, data: bytes, name: str = "document.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def fonts(path: Path) -> dict[str, str]:
    """{font name without the subset prefix: emb} for every font pdffonts lists."""
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    found = {}
    for line in out.splitlines()[2:]:
        parts = line.split()
        found[parts[0].split("+")[-1]] = parts[-5]
    return found


def text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def png(path: Path, resolution: int = 50) -> Path:
    """The first page as a PNG (pdftoppm -png -r 50 -singlefile)."""
    stem = path.with_suffix("")
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(resolution), "-f", "1", "-singlefile", str(path), str(stem)],
        check=True,
    )
    return stem.with_suffix(".png")


def pages(path: Path) -> int:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in out.splitlines() if line.startswith("Pages:")))
