"""Work done by the real Celery worker that ``scripts/services.sh up`` started, reached through
Redis: no eager mode and no in-process worker. The worker reads the test database (test_app),
so every test here commits its data (transaction=True)."""

from __future__ import annotations

import csv
import email
import email.policy
import hashlib
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import translation

from backoffice.audit.models import AuditEvent
from backoffice.workbench.exports import export_columns
from backoffice.workbench.models import ExportJob, Notification, OutboxMessage
from backoffice.workbench.registry import RECORD_KINDS
from backoffice.workbench.services import comment_post, export_job_create
from institutions.lists import InstitutionResource
from institutions.models import Institution
from tests.factories import InstitutionFactory, persona_users
from tests.integration.conftest import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

FORMULA_NAME = '=HYPERLINK("http://evil.example/","クリックしてください")'


def _wait_for_export(job_id: int) -> ExportJob:
    def finished() -> ExportJob | None:
        job = ExportJob.objects.get(pk=job_id)
        if job.status == ExportJob.Status.FAILED:
            pytest.fail(f"the worker failed export job {job_id}: {job.error}", pytrace=False)
        return job if job.status == ExportJob.Status.DONE else None

    return wait_until(finished, what=f"export job {job_id} to be done by the worker")


def _read_export(path: Path, file_format: str) -> list[list[Any]]:
    if file_format == "csv":
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 BOM for Excel"
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return [row for row in csv.reader(handle)]
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    try:
        return [["" if v is None else v for v in row] for row in book["export"].iter_rows(values_only=True)]
    finally:
        book.close()


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_export_job_is_run_by_the_external_worker(external_worker: str, file_format: str) -> None:
    cast = persona_users()
    reviewer = cast["users"]["supervisor_tokyo"]  # exporting is the supervisors' and auditors'
    InstitutionFactory(name=FORMULA_NAME)

    job = export_job_create(
        actor=reviewer, list_key="institutions", title="所属機関一覧", params={}, file_format=file_format
    )
    assert job.status == ExportJob.Status.QUEUED
    job = _wait_for_export(job.pk)

    assert job.file_name == f"export-{job.pk}-institutions.{file_format}"
    path = Path(settings.MEDIA_ROOT) / "exports" / job.file_name
    assert path.is_file(), f"{path} was not written (does the worker share ZAIRYU_VAR_DIR?)"
    # The worker recorded the file's hash, and audited it with the row count (issue 8).
    assert job.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    completed = AuditEvent.objects.get(action="export.completed", target_id=str(job.pk))
    assert completed.data["sha256"] == job.sha256 and completed.data["rows"] == job.done
    rows = _read_export(path, file_format)

    # No language in the job's parameters: the worker writes Japanese headers, the default.
    with translation.override("ja"):
        expected_headers, _getters = export_columns(InstitutionResource(), Institution)
    assert [str(h) for h in rows[0]] == expected_headers
    assert "法人番号" in expected_headers
    name_col = [f.attribute for f in InstitutionResource().get_export_fields()].index("name")
    names = [row[name_col] for row in rows[1:]]
    # Scoped to the reviewer's bureau: the Tokyo institutions, not the Osaka one.
    assert "みどり食品株式会社" in names
    assert "株式会社さくら製作所" in names
    assert "大阪介護サービス" not in names
    assert job.done == len(rows) - 1 == job.total
    # A cell that a spreadsheet would run as a formula is quoted, and otherwise unchanged.
    assert "'" + FORMULA_NAME in names
    assert FORMULA_NAME not in names
    assert not any(str(cell).startswith("=") for row in rows for cell in row)


def test_mention_in_a_comment_is_mailed_by_the_external_worker(external_worker: str) -> None:
    cast = persona_users()
    hr, reviewer, company = cast["users"]["hr"], cast["users"]["reviewer_tokyo"], cast["company"]
    # A marker of this run: the mail folder may hold messages from earlier runs.
    marker = f"check-{uuid.uuid4().hex}"
    body = f"@hr 在留カードの写しを確認してください ({marker})"

    event = comment_post(
        actor=reviewer, kind=RECORD_KINDS["institutions.institution"], target=company, body=body
    )
    assert event.data["mentions"] == ["hr"]

    notice = Notification.objects.get(recipient=hr, verb="mention")
    assert "在留カードの写し" in notice.text
    assert notice.url == f"/institutions/{company.pk}/"
    message = OutboxMessage.objects.get(recipient=hr.email)

    def sent() -> OutboxMessage | None:
        current = OutboxMessage.objects.get(pk=message.pk)
        return current if current.sent_at is not None else None

    delivered = wait_until(sent, what=f"outbox message {message.pk} to be sent by the worker")
    assert delivered.attempts == 1
    assert delivered.last_error == ""

    mail_dir = Path(settings.EMAIL_FILE_PATH)

    def mail_for_hr() -> list[email.message.EmailMessage]:
        found = []
        for path in sorted(mail_dir.glob("*")) if mail_dir.is_dir() else []:
            # The file backend writes one or more messages per file, separated by a line of dashes.
            for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                if not chunk.strip():
                    continue
                msg = email.message_from_bytes(chunk, policy=email.policy.default)
                if msg["To"] == hr.email and marker in msg.get_content():
                    found.append(msg)
        return found

    mails = wait_until(mail_for_hr, timeout=5, what=f"a mail file for {hr.email} in {mail_dir}")
    assert len(mails) == 1
    content = mails[0].get_content()
    assert "在留カードの写し" in content
    assert f"/institutions/{company.pk}/" in content
    assert mails[0]["From"] == settings.DEFAULT_FROM_EMAIL
