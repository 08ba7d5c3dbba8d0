"""Bulk input pages (一括): upload with the templates, progress then preview, commit, error file.

Thin: access first (the middleware enforces ``@requires``), a form, one service, render. A user
sees only their own imports: anyone else's is a 404."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from applications import selectors
from applications.bulk import services
from applications.bulk.errors import ImportRefused, RowError
from applications.bulk.forms import BulkUploadForm
from applications.bulk.importer import S
from applications.bulk.reading import MAX_BYTES, max_rows
from applications.bulk.templates import (
    COLUMN_BY_KEY,
    PRINCIPAL_PROCEDURES,
    column_help,
    columns_for,
    template_file,
)
from applications.bulk_models import BulkImport, BulkProcedure
from applications.models import Application
from backoffice.access.decorators import requires
from backoffice.access.roles import Cap
from backoffice.workbench.exports import spreadsheet_safe

PREVIEW_PAGE_SIZE = 200


def _language() -> str:
    return "ja" if (translation.get_language() or "ja").startswith("ja") else "en"


def _breadcrumbs() -> list[tuple[str, str]]:
    return [(_("Residence applications"), reverse("applications:list"))]


def _own(request: HttpRequest, pk: int, *, light: bool = False) -> BulkImport:
    qs = BulkImport.objects.filter(filer_id=request.user.pk)
    if light:
        qs = qs.defer("staged", "errors")
    return get_object_or_404(qs, pk=pk)


@requires(Cap.APPLICATION_FILE)
def bulk(request: HttpRequest) -> HttpResponse:
    """Upload a file; the templates to download; the user's recent imports."""
    form = BulkUploadForm(request.POST or None, request.FILES or None)
    refused: list[RowError] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            created = services.bulk_import_create(
                actor=request.user, procedure=form.cleaned_data["procedure"], file_name=upload.name,
                content=upload.read(MAX_BYTES + 1),
            )  # fmt: skip
        except ImportRefused as exc:
            refused = exc.errors
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            return HttpResponseRedirect(reverse("applications:bulk_detail", args=[created.pk]))
    language = _language()
    labels = dict(BulkProcedure.choices)
    downloads = [
        (
            labels[p.value],
            reverse("applications:bulk_template", args=[p.value, "csv"]),
            reverse("applications:bulk_template", args=[p.value, "xlsx"]),
        )
        for p in PRINCIPAL_PROCEDURES
    ]
    all_columns = columns_for("extension")
    columns = [
        (key, COLUMN_BY_KEY[key].label_ja if language == "ja" else COLUMN_BY_KEY[key].label_en,
         *column_help(COLUMN_BY_KEY[key], language))
        for key in all_columns
    ]  # fmt: skip
    profile = selectors.filer_profile(user=request.user)
    recent = BulkImport.objects.filter(filer_id=request.user.pk).defer("staged", "errors")[:20]
    return render(
        request,
        "applications/bulk_upload.html",
        {
            "form": form,
            "refused": refused,
            "lang": language,
            "downloads": downloads,
            "columns": columns,
            "recent": recent,
            "problem": ""
            if profile.active
            else (profile.problem_ja if language == "ja" else profile.problem_en),
            "max_rows": max_rows(),
            "max_mb": MAX_BYTES // (1024 * 1024),
            "breadcrumbs": _breadcrumbs(),
        },
        status=400 if refused or (form.is_bound and form.errors) else 200,
    )


@requires(Cap.APPLICATION_FILE)
def bulk_template(request: HttpRequest, procedure: str, file_format: str) -> HttpResponse:
    if procedure not in BulkProcedure.values or file_format not in ("csv", "xlsx"):
        raise Http404
    content, name, content_type = template_file(procedure, file_format)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@requires(Cap.APPLICATION_FILE)
def bulk_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Progress while the worker checks the file (htmx polls the fragment), then the preview:
    every row with its errors, and the commit button only when there are none."""
    bulk_import = _own(request, pk, light=True)
    if request.htmx:  # type: ignore[attr-defined]
        if bulk_import.finished:
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"  # show the preview: a full page
            return response
        return render(request, "applications/bulk_progress.html", {"bulk": bulk_import})
    context: dict[str, Any] = {
        "bulk": bulk_import,
        "lang": _language(),
        "breadcrumbs": [*_breadcrumbs(), (_("Bulk input"), reverse("applications:bulk"))],
    }
    if bulk_import.finished:
        full = _own(request, pk)
        by_row: dict[int, list[dict[str, Any]]] = {}
        for item in full.errors:
            by_row.setdefault(int(item.get("row", 0)), []).append(item)
        only_errors = request.GET.get("only") == "errors"
        staged = [r for r in full.staged if r[S["row"]] in by_row] if only_errors else full.staged
        page = Paginator(staged, PREVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
        links: dict[int, int] = {}
        if full.filing_id is not None:
            pks = Application.objects.filter(filing_id=full.filing_id, principal__isnull=True).order_by("pk")
            links = dict(
                zip((r[S["row"]] for r in full.staged), pks.values_list("pk", flat=True), strict=False)
            )
        context.update(
            {
                "file_errors": by_row.get(0, []) + by_row.get(1, []),
                "page": page,
                "rows": [_preview_row(r, by_row.get(r[S["row"]], []), links) for r in page.object_list],
                "errors_shown": len(full.errors),
                "only_errors": only_errors,
                "accompanying": full.procedure in ("change", "extension", "acquisition"),
            }
        )
    return render(request, "applications/bulk_detail.html", context)


def _preview_row(staged: list[Any], errors: list[dict[str, Any]], links: dict[int, int]) -> dict[str, Any]:
    with_ = []
    if staged[S["with_reentry"]]:
        with_.append(_("Re-entry (multiple)") if staged[S["reentry_multiple"]] else _("Re-entry"))
    if staged[S["with_extra_activity"]]:
        with_.append(_("Extra activity"))
    application = links.get(staged[S["row"]])
    return {
        "row": staged[S["row"]],
        "employee_id": staged[S["employee_id"]],
        "name": staged[S["subject_name"]],
        "date_of_birth": staged[S["date_of_birth"]],
        "status": staged[S["status"]],
        "notice": staged[S["notice"]],
        "until": staged[S["period_of_stay_until"]],
        "prefecture": staged[S["prefecture"]],
        "with": ", ".join(with_),
        "decision": staged[S["decision"]],
        "errors": errors,
        "url": reverse("applications:detail", args=[application]) if application else "",
    }


@requires(Cap.APPLICATION_FILE)
@require_POST
def bulk_commit(request: HttpRequest, pk: int) -> HttpResponse:
    bulk_import = _own(request, pk, light=True)
    detail = reverse("applications:bulk_detail", args=[bulk_import.pk])
    try:
        filing = services.bulk_import_commit(actor=request.user, import_id=bulk_import.pk)
    except services.BulkCommitRefused as exc:
        messages.error(
            request,
            _("Nothing was saved: %(count)d problems were found when checking again. See the rows below.")
            % {"count": len(exc.errors)},
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        count = Application.objects.filter(filing=filing).count()
        messages.success(
            request,
            _(
                "Saved %(count)d draft applications in filing %(filing)s. Attach the documents to each "
                "application and submit the filing on the application pages."
            )
            % {"count": count, "filing": filing},
        )
    return HttpResponseRedirect(detail)


@requires(Cap.APPLICATION_FILE)
def bulk_errors(request: HttpRequest, pk: int) -> HttpResponse:
    """The errors as CSV, UTF-8 with BOM (Excel on Japanese Windows needs the BOM)."""
    bulk_import = _own(request, pk)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["row", "column", "code", "message_ja", "message_en"])
    for item in bulk_import.errors:
        cells = [
            item.get("row", 0),
            item.get("column", ""),
            item.get("code", ""),
            item.get("ja", ""),
            item.get("en", ""),
        ]
        writer.writerow([spreadsheet_safe(c) for c in cells])
    response = HttpResponse(out.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="bulk-{bulk_import.pk}-errors.csv"'
    return response
