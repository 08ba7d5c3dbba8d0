"""The statistics page, its CSV, and the monthly reports (download, rebuild).

Who: supervising reviewers (their own bureau) and auditors (every bureau, and all together),
the holders of Cap.EXPORT; the scope is decided by ``statistics_queries.statistics_bureau_for``.
Rebuilding a monthly report is for auditors only.
"""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backoffice.access.decorators import requires
from backoffice.access.roles import Cap, Role
from backoffice.accounts.models import RegionalBureau
from backoffice.audit.services import audit_log
from backoffice.workbench.exports import spreadsheet_safe
from reporting import charts
from reporting import statistics as st
from reporting.models import MonthlyReport
from reporting.monthly import build_monthly_report
from reporting.statistics_presentation import CSV_HEADER, csv_rows, sections
from reporting.statistics_queries import (
    may_see_report,
    monthly_figures,
    statistics_bureau_for,
    statistics_bureaus_for,
)

MONTHS_LISTED = 36


def _choice(request: HttpRequest, source: Any) -> tuple[date, RegionalBureau | None, list[str]]:
    """The month (default: last month) and bureau (default: the user's own, else all bureaus)
    asked for, with the errors of a month that could not be read. A bureau the user may not
    see is refused (403), never silently replaced."""
    today = timezone.localdate()
    errors = []
    month = st.previous_month(today)
    text = source.get("month", "").strip()
    if text:
        try:
            month = st.parse_month(text)
        except ValueError:
            errors.append(_("Write the month as YYYY-MM, e.g. 2026-10."))
        else:
            if month > st.month_start(today) or month.year < 2019:
                errors.append(_("Choose a month from 2019 up to this month."))
                month = st.previous_month(today)
    user: Any = request.user
    code = source.get("bureau")
    if code is None:
        code = user.bureau.code if getattr(user, "bureau_id", None) else ""
    return month, statistics_bureau_for(user=user, code=code.strip()), errors


def _query(month: date, bureau: RegionalBureau | None) -> str:
    return urlencode({"month": f"{month:%Y-%m}", "bureau": bureau.code if bureau else ""})


@requires(Cap.EXPORT)
def statistics(request: HttpRequest) -> HttpResponse:
    bureaus, everything = statistics_bureaus_for(user=request.user)
    month, bureau, errors = _choice(request, request.GET)
    figures = monthly_figures(month=month, bureau=bureau, today=timezone.localdate())
    # charts.svg escapes every text it writes, so its SVG goes into the page as it is.
    shown = [
        {
            "section": section,
            "svg": mark_safe(charts.svg(section.chart, show_title=False)) if section.chart else "",
        }
        for section in sections(figures)
    ]
    reports = MonthlyReport.objects.select_related("document", "bureau").order_by(
        "-month", "bureau__ordering", "bureau__code"
    )
    if not everything:
        reports = reports.filter(bureau__in=bureaus)
    return render(
        request,
        "reporting/statistics.html",
        {
            "month": month,
            "bureau": bureau,
            "bureaus": bureaus,
            "everything": everything,
            "errors": errors,
            "figures": figures,
            "sections": shown,
            "query": _query(month, bureau),
            "this_month": st.month_start(timezone.localdate()),
            "reports": list(reports[: MONTHS_LISTED * (len(bureaus) + 1)]),
            "may_rebuild": getattr(request.user, "role", None) == Role.AUDITOR,
            "last_month": st.previous_month(timezone.localdate()),
            "breadcrumbs": [(_("Statistics"), reverse("reporting:statistics"))],
        },
    )


@requires(Cap.EXPORT)
def statistics_csv(request: HttpRequest) -> HttpResponse:
    """The page's figures as CSV (UTF-8 with BOM), audited like every export: who, the filter,
    the row count and the file's SHA-256."""
    month, bureau, errors = _choice(request, request.GET)
    if errors:
        raise Http404(errors[0])
    figures = monthly_figures(month=month, bureau=bureau, today=timezone.localdate())
    rows = csv_rows(figures)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for row in rows:
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    content = buffer.getvalue().encode("utf-8-sig")
    digest = hashlib.sha256(content).hexdigest()
    filter_ = {"month": f"{month:%Y-%m}", "bureau": bureau.code if bureau else None}
    with transaction.atomic():
        audit_log(
            actor=request.user, action="statistics.exported", target=request.user, institution_id=None,
            target_label=f"statistics {filter_['month']} {filter_['bureau'] or 'all'}",
            data={"filter": filter_, "format": "csv", "encoding": "utf-8-sig", "rows": len(rows),
                  "sha256": digest},
        )  # fmt: skip
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    name = f"statistics-{month:%Y-%m}-{bureau.code if bureau else 'all'}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@requires(Cap.EXPORT)
def statistics_report(request: HttpRequest, pk: int) -> HttpResponse:
    """A monthly report's PDF, byte for byte as issued."""
    report = MonthlyReport.objects.select_related("document", "bureau").filter(pk=pk).first()
    if report is None or not may_see_report(user=request.user, bureau_id=report.bureau_id):
        raise Http404
    document = report.document
    with transaction.atomic():
        audit_log(
            actor=request.user, action="monthly_report.downloaded", target=report, institution_id=None,
            target_label=f"{report.month:%Y-%m} {report.bureau.code if report.bureau else 'all'}",
            data={"document": document.number, "sha256": document.sha256},
        )  # fmt: skip
    response = HttpResponse(bytes(document.content), content_type="application/pdf")
    name = f"monthly-report-{report.month:%Y-%m}-{report.bureau.code if report.bureau else 'all'}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
@requires(Cap.EXPORT)
def statistics_rebuild(request: HttpRequest) -> HttpResponse:
    """Build (or rebuild) a past month's report now; auditors only."""
    if getattr(request.user, "role", None) != Role.AUDITOR:
        raise PermissionDenied
    month, bureau, errors = _choice(request, request.POST)
    target = f"{reverse('reporting:statistics')}?{_query(month, bureau)}"
    if errors:
        for error in errors:
            messages.error(request, error)
        return HttpResponseRedirect(target)
    try:
        report = build_monthly_report(month=month, bureau=bureau, actor=request.user)
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
        return HttpResponseRedirect(target)
    messages.success(
        request,
        _("The report for %(month)s was built: document %(number)s.")
        % {"month": f"{month:%Y-%m}", "number": report.document.number},
    )
    return HttpResponseRedirect(target)
