"""The monthly statistics report: build it (PDF), keep it as an issued document, mail it.

- :func:`build_monthly_report` computes the month's figures, renders the PDF with its document
  number printed on it, stores the bytes as a new :class:`IssuedDocument` and points the
  month's :class:`MonthlyReport` at it, with an audit event, in one transaction. A rebuild
  makes a new document; the earlier ones stay, so a copy mailed before still verifies.
- :func:`monthly_reports_run` is the scheduled run (``reporting/tasks.py``, daily): on the
  first business day of a month, and only then, it builds last month's reports that do not
  exist yet (all bureaus, and each bureau) and mails the all-bureaus one to the active
  auditors, once.
- :func:`monthly_report_mail` sends the PDF as an attachment. The outbox carries no
  attachments, so the mail is sent here, with the report's row locked and ``mailed_at``
  written in the same transaction (a second run skips it; a failed send leaves it unmarked
  for the next try) and an audit event naming the recipients and the file's SHA-256.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backoffice.access.roles import Role
from backoffice.accounts.models import RegionalBureau
from backoffice.audit.services import audit_log
from backoffice.workbench.mail import MailKind, mail_compose
from reporting import statistics as st
from reporting.documents import verify_url
from reporting.models import DocumentKind, DocumentLanguage, IssuedDocument, MonthlyReport
from reporting.monthly_pdf import MonthlyReportContent, monthly_report_pdf
from reporting.statistics_presentation import sections
from reporting.statistics_queries import monthly_figures
from reporting.verification import new_document_number

SUBJECT_TYPE = "reporting.monthlyreport"
ALL_BUREAUS_JA = "全地方出入国在留管理局"
ALL_BUREAUS_EN = "All regional bureaus"
MAIL = MailKind(
    subject=gettext_lazy("Monthly statistics report"),
    notice=gettext_lazy("The monthly statistics report %(month)s is attached (document %(number)s)."),
)


@dataclass(frozen=True, slots=True)
class StoredPdf:
    number: str
    sha256: str
    size: int


def _unused_number() -> str:
    """A document number as every issued document has (verification.new_document_number)."""
    while True:
        number = new_document_number()
        if not IssuedDocument.objects.filter(number=number).exists():
            return number


def issued_document_store(
    *, content: bytes, number: str, kind: str, subject_type: str, subject_id: str,
    bureau: RegionalBureau | None, actor: Any | None, language: str = DocumentLanguage.ENGLISH,
) -> IssuedDocument:  # fmt: skip
    """Keep an issued PDF with its SHA-256 and size (call inside the caller's transaction)."""
    return IssuedDocument.objects.create(
        number=number,
        kind=kind,
        language=language,
        subject_type=subject_type,
        subject_id=subject_id,
        bureau=bureau,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        content=content,
        issued_at=timezone.now(),
        issued_by=actor if actor is not None and getattr(actor, "pk", None) else None,
    )


def _past_month(month: date, today: date) -> date:
    first = st.month_start(month)
    if first >= st.month_start(today):
        raise ValidationError(_("Only a month that has ended can be reported on."))
    return first


def build_monthly_report(
    *, month: date, bureau: RegionalBureau | None = None, actor: Any | None = None, today: date | None = None
) -> MonthlyReport:
    """Build (or rebuild) the report of ``month`` for ``bureau`` (None: all bureaus)."""
    today = today or timezone.localdate()
    first = _past_month(month, today)
    figures = monthly_figures(month=first, bureau=bureau, today=today)
    number = _unused_number()
    built_at = timezone.now()
    content = MonthlyReportContent(
        number=number,
        verify_url=verify_url(number),
        month=first,
        bureau_ja=bureau.name_ja if bureau else ALL_BUREAUS_JA,
        bureau_en=bureau.name_en if bureau else ALL_BUREAUS_EN,
        as_of=figures.as_of,
        built_at=built_at,
        sections=tuple(sections(figures, bilingual=True)),
    )
    pdf = monthly_report_pdf(content)  # outside the transaction: rendering takes a moment
    with transaction.atomic():
        document = issued_document_store(
            content=pdf, number=number, kind=DocumentKind.MONTHLY_REPORT, subject_type=SUBJECT_TYPE,
            subject_id="", bureau=bureau, actor=actor,
        )  # fmt: skip
        report, previous = _point_report_at(first, bureau, document, built_at)
        document.subject_id = str(report.pk)
        document.save(update_fields=["subject_id"])
        audit_log(
            actor=actor,
            action="monthly_report.rebuilt" if previous else "monthly_report.built",
            target=report,
            institution_id=None,
            target_label=f"{first:%Y-%m} {bureau.code if bureau else 'all'}",
            data={
                "month": f"{first:%Y-%m}",
                "bureau": bureau.code if bureau else None,
                "document": number,
                "sha256": document.sha256,
                "size": document.size,
                "previous_document": previous,
            },
        )
    return report


def _point_report_at(
    month: date, bureau: RegionalBureau | None, document: IssuedDocument, built_at: Any
) -> tuple[MonthlyReport, str | None]:
    """The month's report, created or repointed at ``document``; and the number it had before.

    Two builds at once: the row lock orders them; if both find no row, the unique constraint
    refuses the second insert, which then repoints the row the first one made."""
    for _attempt in range(2):
        existing = (
            MonthlyReport.objects.select_for_update()
            .select_related("document")
            .filter(month=month, bureau=bureau)
            .first()
        )
        if existing is not None:
            previous = existing.document.number
            existing.document = document
            existing.built_at = built_at
            existing.save(update_fields=["document", "built_at"])
            return existing, previous
        try:
            with transaction.atomic():
                return MonthlyReport.objects.create(
                    month=month, bureau=bureau, document=document, built_at=built_at
                ), None
        except IntegrityError:
            continue
    raise RuntimeError("could not create or lock the monthly report")  # pragma: no cover


def auditors_to_mail() -> list[Any]:
    return list(
        get_user_model()
        .objects.filter(role=Role.AUDITOR, is_active=True)
        .exclude(email="")
        .order_by("username")
    )


def _file_name(report: MonthlyReport) -> str:
    return f"monthly-report-{report.month:%Y-%m}-{report.bureau.code if report.bureau else 'all'}.pdf"


def monthly_report_mail(*, report_id: int, actor: Any | None = None, force: bool = False) -> int:
    """Mail the report's PDF to each active auditor; returns how many were sent.

    Without ``force`` a report already mailed is skipped (the scheduled run is idempotent);
    ``force`` (the command's ``--mail``) sends it again, e.g. after a rebuild."""
    with transaction.atomic():
        report = (
            MonthlyReport.objects.select_for_update(skip_locked=True)
            .select_related("document", "bureau")
            .filter(pk=report_id)
            .first()
        )
        if report is None or (report.mailed_at is not None and not force):
            return 0
        recipients = auditors_to_mail()
        document = report.document
        month = f"{report.month:%Y-%m}"
        url = settings.SITE_URL + reverse("reporting:statistics") + f"?month={month}"
        for recipient in recipients:
            subject, body, _notice = mail_compose(
                kind=MAIL,
                template="reporting/statistics_mail.{language}.txt",
                recipient=recipient,
                context={
                    "month": month,
                    "bureau": report.bureau or "",
                    "number": document.number,
                    "sha256": document.sha256,
                    "url": url,
                },
            )
            message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.email])
            message.attach(_file_name(report), bytes(document.content), "application/pdf")
            message.send()
        report.mailed_at = timezone.now()
        report.save(update_fields=["mailed_at"])
        audit_log(
            actor=actor,
            action="monthly_report.mailed",
            target=report,
            institution_id=None,
            target_label=f"{month} {report.bureau.code if report.bureau else 'all'}",
            data={
                "document": document.number,
                "sha256": document.sha256,
                "recipients": [recipient.username for recipient in recipients],
            },
        )
    return len(recipients)


def monthly_reports_run(*, today: date) -> dict[str, Any]:
    """The daily scheduled run: acts only on the first business day of a month."""
    if not st.is_first_business_day(today):
        return {"built": [], "mailed": 0}
    month = st.previous_month(today)
    built = []
    for bureau in [None, *RegionalBureau.objects.order_by("ordering", "code")]:
        if MonthlyReport.objects.filter(month=month, bureau=bureau).exists():
            continue
        with translation.override(settings.LANGUAGE_CODE):
            build_monthly_report(month=month, bureau=bureau, today=today)
        built.append(bureau.code if bureau else "all")
    national = MonthlyReport.objects.get(month=month, bureau__isnull=True)
    return {"built": built, "mailed": monthly_report_mail(report_id=national.pk)}
