"""The monthly report: the PDF (fonts embedded, renders), its storage as an issued document,
the scheduled run (first business day only, once, mailed to the auditors), rebuilds that keep
the earlier documents, the command, and the download and rebuild pages."""

from __future__ import annotations

import hashlib
import re
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from backoffice.accounts.models import RegionalBureau
from backoffice.audit.models import AuditEvent
from reporting.models import DocumentKind, IssuedDocument, MonthlyReport
from reporting.monthly import build_monthly_report, monthly_reports_run
from tests.factories import UserFactory
from tests.reporting.test_statistics import seed_november

BUREAUS = 8


def pdf_text(content: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture
def seeded(cast: dict[str, Any]) -> dict[str, Any]:
    seed_november(cast)
    return cast


@pytest.mark.django_db
def test_a_monthly_report_verifies_through_its_qr_code_and_a_tampered_copy_does_not(
    seeded: dict[str, Any], tmp_path: Path
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from reporting.documents import verify_url
    from reporting.verification import normalise_document_number

    report = build_monthly_report(month=date(2026, 11, 1), today=date(2026, 12, 5))
    document = report.document
    assert normalise_document_number(document.number) == document.number, "numbered as every document"
    content = bytes(document.content)
    text = pdf_text(content, tmp_path)
    assert document.number in text and verify_url(document.number) in text, "the QR code's address is printed"
    url = reverse("verify_document", args=[document.number])

    def verdict(data: bytes) -> str:
        response = Client().post(
            url, {"file": SimpleUploadedFile("r.pdf", data, content_type="application/pdf")}
        )
        assert response.status_code == 200
        return response.content.decode()

    assert 'class="badge ok"' in verdict(content)
    middle = len(content) // 2
    tampered = content[:middle] + bytes([content[middle] ^ 0x01]) + content[middle + 1 :]
    assert 'class="badge bad"' in verdict(tampered)


@pytest.mark.django_db
def test_the_pdf_embeds_the_ipaex_fonts_renders_and_holds_the_figures(
    seeded: dict[str, Any], tmp_path: Path
) -> None:
    tokyo = RegionalBureau.objects.get(code="tokyo")
    report = build_monthly_report(month=date(2026, 11, 1), bureau=tokyo, today=date(2026, 12, 5))
    document = report.document
    content = bytes(document.content)
    assert content.startswith(b"%PDF")
    assert document.kind == DocumentKind.MONTHLY_REPORT
    assert document.subject_type == "reporting.monthlyreport" and document.subject_id == str(report.pk)
    assert document.sha256 == hashlib.sha256(content).hexdigest() and document.size == len(content)
    assert document.bureau == tokyo
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    names = [line.split()[0] for line in fonts.splitlines()[2:]]
    assert any(name.endswith("+IPAexGothic") for name in names)
    assert any(name.endswith("+IPAexMincho") for name in names)
    assert all("IPAex" in name for name in names), fonts  # no Helvetica left to the viewer
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])  # embedded
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")], check=True
    )
    assert (tmp_path / "page-1.png").stat().st_size > 5000
    text = pdf_text(content, tmp_path)
    assert "月次統計報告" in text and "Monthly statistics report" in text
    assert document.number in text
    assert "東京出入国在留管理局" in text
    assert re.search(r"目標内の割合 / Share within the target\s+75\.0 %", text)
    assert re.search(r"抹消済み / Revoked.*\s1\b", text)


@pytest.mark.django_db
def test_a_month_that_has_not_ended_is_refused(cast: dict[str, Any]) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        build_monthly_report(month=date(2026, 12, 1), today=date(2026, 12, 5))


@pytest.mark.django_db
def test_a_rebuild_makes_a_new_document_and_keeps_the_old_one(seeded: dict[str, Any]) -> None:
    first = build_monthly_report(month=date(2026, 11, 1), today=date(2026, 12, 5))
    old = first.document
    auditor = seeded["users"]["auditor"]
    again = build_monthly_report(month=date(2026, 11, 1), actor=auditor, today=date(2026, 12, 6))
    assert again.pk == first.pk
    assert again.document.number != old.number
    assert MonthlyReport.objects.count() == 1
    kept = IssuedDocument.objects.get(number=old.number)  # still there, byte for byte
    assert hashlib.sha256(bytes(kept.content)).hexdigest() == old.sha256
    assert IssuedDocument.objects.filter(kind=DocumentKind.MONTHLY_REPORT).count() == 2
    event = AuditEvent.objects.filter(action="monthly_report.rebuilt").get()
    assert event.actor == auditor
    assert event.data["previous_document"] == old.number
    assert event.data["document"] == again.document.number
    assert AuditEvent.objects.filter(action="monthly_report.built").count() == 1


# --- the scheduled run ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_run_builds_and_mails_only_on_the_first_business_day_and_only_once(
    seeded: dict[str, Any],
) -> None:
    UserFactory(username="auditor_retired", role="auditor", is_active=False)
    UserFactory(username="auditor_2", role="auditor")
    for day in (date(2026, 12, 2), date(2026, 12, 3), date(2026, 12, 31)):  # 12-01 (Tue) is the first
        assert monthly_reports_run(today=day) == {"built": [], "mailed": 0}
    assert not MonthlyReport.objects.exists()

    result = monthly_reports_run(today=date(2026, 12, 1))
    assert result["built"][0] == "all" and len(result["built"]) == 1 + BUREAUS
    assert result["mailed"] == 2
    assert MonthlyReport.objects.filter(month=date(2026, 11, 1)).count() == 1 + BUREAUS
    national = MonthlyReport.objects.get(month=date(2026, 11, 1), bureau__isnull=True)
    assert national.mailed_at is not None
    assert sorted(m.to[0] for m in mail.outbox) == ["auditor@example.test", "auditor_2@example.test"]
    message = mail.outbox[0]
    assert "月次統計報告" in message.subject or "Monthly statistics report" in message.subject
    assert national.document.number in message.body
    [(name, content, mimetype)] = message.attachments
    assert (name, mimetype) == ("monthly-report-2026-11-all.pdf", "application/pdf")
    assert hashlib.sha256(content).hexdigest() == national.document.sha256
    mailed = AuditEvent.objects.get(action="monthly_report.mailed")
    assert mailed.data["recipients"] == ["auditor", "auditor_2"]

    # The same day again (a second beat, a redelivered task): nothing new.
    assert monthly_reports_run(today=date(2026, 12, 1)) == {"built": [], "mailed": 0}
    assert len(mail.outbox) == 2
    assert IssuedDocument.objects.count() == 1 + BUREAUS


@pytest.mark.django_db
def test_january_runs_on_the_fourth_after_new_year(cast: dict[str, Any]) -> None:
    for day in (date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 3)):
        assert monthly_reports_run(today=day)["built"] == []
    result = monthly_reports_run(today=date(2027, 1, 4))
    assert "all" in result["built"]
    assert MonthlyReport.objects.filter(month=date(2026, 12, 1)).count() == 1 + BUREAUS
    assert result["mailed"] == 1  # the persona auditor


@pytest.mark.django_db
def test_the_run_on_a_monday_after_a_weekend_first(cast: dict[str, Any]) -> None:
    # 2026-11-01 is a Sunday: the October reports come on Monday 11-02.
    assert monthly_reports_run(today=date(2026, 11, 1))["built"] == []
    assert len(monthly_reports_run(today=date(2026, 11, 2))["built"]) == 1 + BUREAUS
    assert MonthlyReport.objects.filter(month=date(2026, 10, 1)).count() == 1 + BUREAUS


@pytest.mark.django_db
def test_the_celery_task_runs_the_run_for_today(cast: dict[str, Any]) -> None:
    from django.utils import timezone

    from reporting import statistics as st
    from reporting.tasks import monthly_reports

    result = monthly_reports.apply().get()
    expected = 1 + BUREAUS if st.is_first_business_day(timezone.localdate()) else 0
    assert len(result["built"]) == expected


# --- the command ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_rebuilds_a_past_month_and_mails_it(seeded: dict[str, Any], capsys: Any) -> None:
    call_command("reporting_monthly", "--month", "2026-10", "--bureau", "tokyo")
    report = MonthlyReport.objects.get(month=date(2026, 10, 1), bureau__code="tokyo")
    assert report.mailed_at is None and not mail.outbox
    first = report.document.number
    call_command("reporting_monthly", "--month", "2026-10", "--bureau", "tokyo", "--mail")
    report.refresh_from_db()
    assert report.document.number != first and report.mailed_at is not None
    assert len(mail.outbox) == 1 and mail.outbox[0].attachments[0][0] == "monthly-report-2026-10-tokyo.pdf"
    assert IssuedDocument.objects.filter(number=first).exists()
    assert report.document.number in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("reporting_monthly", "--month", "2026-13")
    with pytest.raises(CommandError):
        call_command("reporting_monthly", "--month", "2026-10", "--bureau", "atlantis")
    with pytest.raises(CommandError):
        call_command("reporting_monthly", "--month", "2099-01")


# --- the pages ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_auditor_downloads_every_report_from_the_page(seeded: dict[str, Any], client_for: Any) -> None:
    monthly_reports_run(today=date(2026, 11, 2))
    client = client_for("auditor")
    page = client.get(reverse("reporting:statistics"), {"month": "2026-10"}).content.decode()
    links = re.findall(r'href="(/reporting/statistics/reports/\d+/)"', page)
    assert len(links) == 1 + BUREAUS
    for link in links:
        response = client.get(link)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        report = MonthlyReport.objects.get(pk=int(link.rstrip("/").rsplit("/", 1)[1]))
        assert response.content == bytes(report.document.content)
    assert AuditEvent.objects.filter(action="monthly_report.downloaded").count() == 1 + BUREAUS


@pytest.mark.django_db
def test_a_supervisor_downloads_their_bureaus_reports_only(seeded: dict[str, Any], client_for: Any) -> None:
    monthly_reports_run(today=date(2026, 11, 2))
    client = client_for("supervisor_tokyo")
    page = client.get(reverse("reporting:statistics"), {"month": "2026-10"}).content.decode()
    links = re.findall(r'href="(/reporting/statistics/reports/\d+/)"', page)
    tokyo = MonthlyReport.objects.get(month=date(2026, 10, 1), bureau__code="tokyo")
    assert links == [reverse("reporting:statistics_report", args=[tokyo.pk])]
    assert client.get(links[0]).status_code == 200
    for other in MonthlyReport.objects.exclude(pk=tokyo.pk):
        assert client.get(reverse("reporting:statistics_report", args=[other.pk])).status_code == 404
    assert "statistics/reports/rebuild/" not in page  # no rebuild button


@pytest.mark.django_db
def test_an_auditor_rebuilds_and_others_may_not(seeded: dict[str, Any], client_for: Any) -> None:
    url = reverse("reporting:statistics_rebuild")
    response = client_for("auditor").post(url, {"month": "2026-10", "bureau": "osaka"})
    assert response.status_code == 302
    report = MonthlyReport.objects.get(month=date(2026, 10, 1), bureau__code="osaka")
    assert AuditEvent.objects.get(action="monthly_report.built").actor.username == "auditor"
    response = client_for("auditor").post(url, {"month": "2026-10", "bureau": "osaka"}, follow=True)
    report.refresh_from_db()
    assert report.document.number in response.content.decode()
    assert IssuedDocument.objects.count() == 2
    assert (
        client_for("supervisor_tokyo").post(url, {"month": "2026-10", "bureau": "tokyo"}).status_code == 403
    )
    assert client_for("reviewer_tokyo").post(url, {"month": "2026-10"}).status_code == 403
    # A month that has not ended: said so, nothing built.
    client_for("auditor").post(url, {"month": "2026-11", "bureau": "osaka"})
    assert IssuedDocument.objects.count() == 2
