"""The bulk input pages: upload, progress, preview, commit, the error file, and who sees what."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications.bulk.services import bulk_import_create, bulk_import_validate
from applications.bulk_models import BulkImport
from applications.models import Application, Filing
from tests.applications.bulk_support import csv_bytes, make_bulk_cast, row_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def bulk_cast(cast: dict[str, Any]) -> dict[str, Any]:
    return make_bulk_cast(cast)


def _upload(client: Any, content: bytes, name: str = "staff.csv", procedure: str = "extension") -> Any:
    with mock.patch("applications.bulk.tasks.bulk_validate.delay"):
        return client.post(
            reverse("applications:bulk"),
            {"procedure": procedure, "file": SimpleUploadedFile(name, content, content_type="text/csv")},
        )


def test_upload_progress_preview_commit(bulk_cast: dict[str, Any], client_for: Any) -> None:
    from applications.bulk.tasks import bulk_validate

    client = client_for("hr")
    page = client.get(reverse("applications:bulk"))
    assert page.status_code == 200
    assert reverse("applications:bulk_template", args=["extension", "xlsx"]) in page.content.decode()
    rows = [row_for(e) for e in bulk_cast["employees"][:2]]
    rows[0]["with_reentry"] = "1"
    response = _upload(client, csv_bytes(rows))
    bulk = BulkImport.objects.get()
    detail = reverse("applications:bulk_detail", args=[bulk.pk])
    assert response.status_code == 302 and response["Location"] == detail

    waiting = client.get(detail)
    assert waiting.status_code == 200 and 'hx-trigger="every 1s"' in waiting.content.decode()
    fragment = client.get(detail, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and "bulk-progress" in fragment.content.decode()

    bulk_validate(bulk.pk)  # the worker's function, in-process (tests/integration runs the real worker)
    done = client.get(detail, HTTP_HX_REQUEST="true")
    assert done.status_code == 204 and done["HX-Refresh"] == "true", "the page reloads to show the preview"
    preview = client.get(detail).content.decode()
    assert "bulk-commit" in preview and bulk_cast["employees"][0].name in preview
    assert "hx-trigger" not in preview

    committed = client.post(reverse("applications:bulk_commit", args=[bulk.pk]), follow=True)
    assert committed.status_code == 200
    filing = Filing.objects.get()
    assert filing.mode == "bulk" and Application.objects.filter(filing=filing).count() == 3
    text = committed.content.decode()
    assert "committed" in text and "bulk-commit" not in text
    first = Application.objects.filter(filing=filing, principal__isnull=True).order_by("pk").first()
    assert reverse("applications:detail", args=[first.pk]) in text, "each row links to its draft"


def test_an_invalid_file_shows_every_row_with_its_errors_and_no_commit(
    bulk_cast: dict[str, Any], client_for: Any
) -> None:
    client = client_for("hr")
    staff = bulk_cast["employees"]
    rows = [row_for(staff[0]), row_for(staff[1], sex="X"), row_for(bulk_cast["stranger"])]
    _upload(client, csv_bytes(rows))
    bulk = bulk_import_validate(import_id=BulkImport.objects.get().pk)
    detail = client.get(reverse("applications:bulk_detail", args=[bulk.pk]))
    text = detail.content.decode()
    assert "bulk-commit" not in text
    assert "性別は M（男）又は F（女）で入力してください" in text, (
        "the errors in the reader's language (ja by default)"
    )
    assert text.count('class="has-errors"') == 2
    only = client.get(
        reverse("applications:bulk_detail", args=[bulk.pk]), {"only": "errors"}
    ).content.decode()
    assert only.count("<tr") == text.count("<tr") - 1
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(reverse("applications:bulk_commit", args=[bulk.pk]), follow=True)
    text = response.content.decode()
    assert "Only a checked file without errors can be committed." in text
    assert "Sex must be M or F" in text
    assert Application.objects.count() == 0

    errors = client.get(reverse("applications:bulk_errors", args=[bulk.pk]))
    assert errors.status_code == 200 and errors.content.startswith(b"\xef\xbb\xbf")
    lines = errors.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "row,column,code,message_ja,message_en"
    assert lines[1].startswith("3,sex,BULK-SEX,")
    assert any(line.startswith("4,employee_id,PERM-NOT-AFFILIATED,") for line in lines)


def test_commit_of_an_invalid_import_saves_nothing(bulk_cast: dict[str, Any], client_for: Any) -> None:
    client = client_for("hr")
    _upload(client, csv_bytes([row_for(bulk_cast["employees"][0], sex="")]))
    bulk = bulk_import_validate(import_id=BulkImport.objects.get().pk)
    response = client.post(reverse("applications:bulk_commit", args=[bulk.pk]), follow=True)
    assert (
        "Only a checked file without errors can be committed." in response.content.decode()
        or response.status_code == 200
    )
    assert Application.objects.count() == 0 and Filing.objects.count() == 0


def test_a_file_refused_at_upload_says_why(bulk_cast: dict[str, Any], client_for: Any) -> None:
    response = _upload(client_for("hr"), b"%PDF-1.7", name="scan.pdf")
    assert response.status_code == 400 and "scan.pdf" in response.content.decode()
    assert not BulkImport.objects.exists()


def test_another_users_import_is_404(bulk_cast: dict[str, Any], client_for: Any) -> None:
    bulk = bulk_import_create(
        actor=bulk_cast["users"]["hr"], procedure="extension", file_name="a.csv",
        content=csv_bytes([row_for(bulk_cast["employees"][0])]), enqueue=False,
    )  # fmt: skip
    bulk_import_validate(import_id=bulk.pk)
    other = client_for("hr_other")
    assert other.get(reverse("applications:bulk_detail", args=[bulk.pk])).status_code == 404
    assert other.get(reverse("applications:bulk_errors", args=[bulk.pk])).status_code == 404
    assert other.post(reverse("applications:bulk_commit", args=[bulk.pk])).status_code == 404
    assert Application.objects.count() == 0
    assert bulk.original_name not in other.get(reverse("applications:bulk")).content.decode()
    reviewer = client_for("reviewer_tokyo")
    assert reviewer.get(reverse("applications:bulk_detail", args=[bulk.pk])).status_code == 403
    assert client_for("hr").get(reverse("applications:bulk")).content.decode().count(bulk.original_name) == 1
