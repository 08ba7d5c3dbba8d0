"""Exports auditors can trust (issue 8 §1): a permission of its own per role and list, an audit
event with the filter, the row count and the file's SHA-256, formulas neutralised in CSV and XLSX,
Japanese text kept (UTF-8 with BOM; Shift_JIS on request, refusing what it cannot hold), small
exports at once, large ones in the background, and download links that expire."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from backoffice.access.exports import DEFAULT_EXPORTERS, exporting_roles, may_export
from backoffice.access.roles import ROLE_CAPABILITIES, Cap, Role
from backoffice.audit.models import AuditEvent
from backoffice.workbench.models import ExportJob
from backoffice.workbench.tasks import export_dir, exports_expire
from tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://evil.example","x")'


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_export_pages_go_with_the_export_permission() -> None:
    assert {Role.AUDITOR, Role.SUPERVISOR} == DEFAULT_EXPORTERS
    with_cap = {role for role, caps in ROLE_CAPABILITIES.items() if Cap.EXPORT in caps}
    assert with_cap == exporting_roles()
    assert not may_export(Role.REVIEWER, "institutions") and not may_export(
        Role.INSTITUTION_STAFF, "institutions"
    )
    assert may_export(Role.AUDITOR, "audit_events") and not may_export(None, "institutions")


@pytest.mark.parametrize(
    "persona,allowed",
    [
        ("hr", False),
        ("reviewer_tokyo", False),
        ("admin", False),
        ("supervisor_tokyo", True),
        ("auditor", True),
    ],
)
def test_export_is_a_permission_separate_from_seeing_the_list(
    client_for: Any, cast: dict[str, Any], persona: str, allowed: bool
) -> None:
    client = client_for(persona)
    page = client.get(reverse("institutions:list"))
    assert page.status_code == 200, "everyone here sees the list"
    assert ("export=csv" in page.content.decode()) is allowed
    response = client.get(reverse("institutions:list"), {"export": "csv"})
    assert response.status_code == (200 if allowed else 403)
    assert ExportJob.objects.exists() is allowed


def test_a_small_export_downloads_at_once_and_is_audited_with_its_hash(
    client_for: Any, cast: dict[str, Any]
) -> None:
    InstitutionFactory(name=FORMULA)
    response = client_for("auditor").get(reverse("institutions:list"), {"export": "csv", "q": "HYPERLINK"})
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    data = _body(response)
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM, so that Excel reads Japanese"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 2 and "'" + FORMULA in rows[1], "the formula is kept, quoted, not stripped"
    job = ExportJob.objects.get()
    event = AuditEvent.objects.get(action="export.completed")
    assert event.data["rows"] == 1 and event.data["filter"]["q"] == "HYPERLINK"
    assert event.data["sha256"] == job.sha256 == hashlib.sha256(data).hexdigest()
    assert event.actor_id == cast["users"]["auditor"].pk


def test_xlsx_has_no_formulas(client_for: Any, cast: dict[str, Any]) -> None:
    InstitutionFactory(name=FORMULA)
    InstitutionFactory(name="+81 3-1234-5678 株式会社")
    response = client_for("auditor").get(reverse("institutions:list"), {"export": "xlsx"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(_body(response)))
    cells = [cell for row in book["export"].iter_rows() for cell in row]
    assert cells and not [c.coordinate for c in cells if c.data_type == "f"]
    values = {c.value for c in cells}
    assert "'" + FORMULA in values and "'+81 3-1234-5678 株式会社" in values


def test_shift_jis_on_request_keeps_japanese(client_for: Any, cast: dict[str, Any]) -> None:
    InstitutionFactory(name="髙橋①商事株式会社")  # CP932's extensions, as Japanese Windows writes them
    response = client_for("auditor").get(
        reverse("institutions:list"), {"export": "csv", "encoding": "cp932", "q": "商事"}
    )
    assert response.status_code == 200
    text = _body(response).decode("cp932")
    assert "髙橋①商事株式会社" in text and "法人番号" in text


def test_shift_jis_reports_the_characters_it_cannot_hold(client_for: Any, cast: dict[str, Any]) -> None:
    InstitutionFactory(name="𠮷野家ホールディングス")  # 𠮷 (U+20BB7) is outside Shift_JIS
    response = client_for("auditor").get(
        reverse("institutions:list"), {"export": "csv", "encoding": "cp932", "q": "野家"}
    )
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "workbench:export_detail", args=[job.pk]
    )
    assert job.status == ExportJob.Status.FAILED and "𠮷" in job.error and "2行目" in job.error
    assert not (export_dir() / f"export-{job.pk}-institutions.csv").exists(), "no half-written file is left"
    failed = AuditEvent.objects.get(action="export.failed")
    assert failed.data["cells"][0][2] == "𠮷"
    page = client_for("auditor").get(reverse("workbench:export_detail", args=[job.pk]))
    assert "𠮷" in page.content.decode()


def test_a_large_export_goes_to_the_worker_and_its_link_expires(
    client_for: Any, cast: dict[str, Any], settings: Any
) -> None:
    from backoffice.workbench.tasks import export_run

    settings.WORKBENCH_EXPORT_INLINE_ROWS = 1
    client = client_for("auditor")
    response = client.get(reverse("institutions:list"), {"export": "csv"})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and job.status == ExportJob.Status.QUEUED
    export_run(job.pk)  # the worker's function, in process (the real worker: tests/integration)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.expires_at is not None
    assert abs((job.expires_at - timezone.now()) - timedelta(hours=24)) < timedelta(minutes=1)
    download = reverse("workbench:export_download", args=[job.pk])
    assert client.get(download).status_code == 200
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = client.get(download)
    assert expired.status_code == 410 and 'id="export-expired"' in expired.content.decode()
    assert exports_expire() == 1
    assert not (export_dir() / job.file_name).exists()
    assert ExportJob.objects.get(pk=job.pk).file_name == ""


def test_shift_jis_writes_the_yen_sign_and_the_wave_dash_as_cp932_does(
    client_for: Any, cast: dict[str, Any]
) -> None:
    # Found in the demo data: "¥15,000,000" in a category reason stopped a Shift_JIS export. ¥ and 〜
    # are JIS characters whose CP932 code points differ from Unicode's usual ones.
    InstitutionFactory(name="株式会社〜円〜 ¥商事")
    response = client_for("auditor").get(
        reverse("institutions:list"), {"export": "csv", "encoding": "cp932", "q": "商事"}
    )
    assert response.status_code == 200, ExportJob.objects.get().error
    assert "株式会社～円～ ￥商事" in _body(response).decode("cp932")
