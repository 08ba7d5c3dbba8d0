"""Workbench pages: home, any registered list, chatter comments, activities, notifications, exports."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backoffice.access.decorators import authenticated, requires
from backoffice.access.exports import may_export
from backoffice.access.roles import Cap
from backoffice.workbench.forms import ActivityForm, CommentForm
from backoffice.workbench.list_html import (
    column_choices_html,
    column_heads_html,
    filter_chips_html,
    group_chips_html,
    rows_html,
)
from backoffice.workbench.lists import (
    ListParams,
    ListSpec,
    filtered_queryset,
    group_rows,
    narrowed_queryset,
    ordered,
    page_of,
    page_rows,
    row_source,
    sort_key,
    with_filters,
)
from backoffice.workbench.models import Activity, ExportJob, Notification
from backoffice.workbench.registry import RECORD_KINDS
from backoffice.workbench.services import activity_create, activity_mark_done, comment_post, export_job_create
from backoffice.workbench.tasks import export_dir


@authenticated
def home(request: HttpRequest) -> HttpResponse:
    """Everyone lands here; what it lists depends on the role (individuals see their notices)."""
    today = timezone.localdate()
    activities = list(
        Activity.objects.filter(assignee=request.user, done_at__isnull=True).order_by("due_on", "pk")[:10]
    )
    notices = list(Notification.objects.filter(recipient=request.user, read_at__isnull=True)[:10])
    return render(
        request,
        "workbench/home.html",
        {"activities": [(a, a.due_state(today)) for a in activities], "notices": notices},
    )


def _chosen_columns(request: HttpRequest, spec: ListSpec) -> list[str]:
    session_key = f"wb_cols_{spec.key}"
    valid = [c.key for c in spec.columns]
    if "cols" in request.GET:
        chosen = [c for c in request.GET.getlist("cols") if c in valid] or [
            c.key for c in spec.columns if c.default
        ]
        request.session[session_key] = chosen
        return chosen
    stored = request.session.get(session_key)
    if stored:
        return [c for c in stored if c in valid]
    return [c.key for c in spec.columns if c.default]


def _export(request: HttpRequest, spec: ListSpec, params: ListParams, export_format: str) -> HttpResponse:
    """A small export is written now and downloaded at once; a larger one goes to the worker and
    the user watches its progress."""
    from backoffice.workbench.tasks import export_build

    user = request.user
    count = (
        filtered_queryset(spec, user, params).order_by()[: settings.WORKBENCH_EXPORT_INLINE_ROWS + 1].count()
    )
    small = count <= settings.WORKBENCH_EXPORT_INLINE_ROWS
    try:
        job = export_job_create(
            actor=user, list_key=spec.key, title=str(spec.title),
            params={**params.as_dict(), "lang": request.LANGUAGE_CODE},  # type: ignore[attr-defined]
            file_format=export_format, encoding=request.GET.get("encoding") or "utf-8-sig", in_background=not small,
        )  # fmt: skip
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(request.path)
    if small:
        export_build(job.pk)
        job.refresh_from_db()
        if job.status == ExportJob.Status.DONE:
            return export_download(request, job.pk)
    return HttpResponseRedirect(reverse("workbench:export_detail", args=[job.pk]))


def list_page(request: HttpRequest, spec: ListSpec, *, template: str = "workbench/list.html") -> HttpResponse:
    """Render any registered list. The caller's view has already checked the capability."""
    user = request.user
    if request.method == "POST":
        return _run_bulk_action(request, spec)
    params = ListParams.from_querydict(request.GET, request.GET.getlist)
    export_format = request.GET.get("export")
    if export_format:
        if not may_export(user.role, spec.key) or spec.export_resource is None:  # type: ignore[union-attr]
            raise PermissionDenied
        return _export(request, spec, params, export_format)
    narrowed = narrowed_queryset(spec, user, params)
    group = spec.group_by(params.group)
    groups = None
    page = None
    if group is not None and params.group_value is None:
        groups = group_rows(spec, with_filters(spec, narrowed, params), group)
    else:
        # The rows in the form that walks the sort order best, the count in the one that
        # counts best (NamedFilter.rows_condition, count_condition, ListSpec.count_shortcut):
        # the same rows.
        rows_qs = ordered(spec, with_filters(spec, narrowed, params, form="rows"), params)
        if spec.select_related:
            rows_qs = rows_qs.select_related(*spec.select_related)
        if spec.only:
            rows_qs = rows_qs.only(*spec.only)
        shortcut = spec.count_shortcut(user, params) if spec.count_shortcut is not None else None
        page = page_of(
            rows_qs,
            number=params.page,
            size=settings.WORKBENCH_PAGE_SIZE,
            count_cap=settings.WORKBENCH_COUNT_CAP,
            count_qs=with_filters(spec, narrowed, params, form="count") if shortcut is None else shortcut,
            rows=row_source(spec),
            count_with_rows=shortcut is not None,
        )
    chosen = _chosen_columns(request, spec)
    columns = [c for c in spec.columns if c.key in chosen]
    current_sort, _order = sort_key(spec, params.sort)
    base_query = {k: v for k, v in params.as_dict().items() if v not in (None, "", [])}
    rows = page_rows(spec, columns, page.rows) if page is not None else []
    bulk_actions = [a for a in spec.bulk_actions if user.can(a.capability)]  # type: ignore[union-attr]
    query = urlencode(base_query, doseq=True)
    query_without = {
        key: urlencode({k: v for k, v in base_query.items() if k != key}, doseq=True)
        for key in ("q", "f", "group", "gv", "sort")
    }
    context: dict[str, Any] = {
        "spec": spec,
        "params": params,
        "columns": columns,
        "all_columns": spec.columns,
        "chosen": chosen,
        "rows": rows,
        "rows_html": rows_html(rows, select_label=_("Select") if bulk_actions else None),
        "page": page,
        "groups": groups,
        "group": group,
        "current_sort": current_sort,
        "base_query": query,
        "query_without": query_without,
        "filter_chips_html": filter_chips_html(
            spec.filters, params.filters, base_query=query, without_filters=query_without["f"]
        ),
        "group_chips_html": group_chips_html(
            spec.group_bys,
            params.group,
            without_group=query_without["group"],
            without_value=query_without["gv"],
        ),
        "column_choices_html": column_choices_html(spec.columns, chosen),
        "column_heads_html": column_heads_html(columns, current_sort, without_sort=query_without["sort"]),
        "bulk_actions": bulk_actions,
        "can_export": may_export(user.role, spec.key) and spec.export_resource is not None,  # type: ignore[union-attr]
        "can_create": bool(spec.create_url_name) and user.can(spec.create_capability),  # type: ignore[union-attr]
        "link_actions": [a for a in spec.link_actions if user.can(a.capability)],  # type: ignore[union-attr]
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "workbench/_list_body.html", context)
    return render(request, template, context)


def _run_bulk_action(request: HttpRequest, spec: ListSpec) -> HttpResponse:
    action = next((a for a in spec.bulk_actions if a.key == request.POST.get("action")), None)
    if action is None or not request.user.can(action.capability):  # type: ignore[union-attr]
        raise PermissionDenied
    ids = [i for i in request.POST.getlist("sel") if i.isdigit()]
    back = request.POST.get("back") or request.path
    if not ids:
        messages.warning(request, _("Select at least one row first."))
        return HttpResponseRedirect(back)
    # Re-scope the ids: a crafted form cannot reach rows outside the user's list.
    selected = spec.scope(request.user).filter(pk__in=ids)
    try:
        messages.success(request, action.run(request.user, selected))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return HttpResponseRedirect(back)


def _record(request: HttpRequest, target_type: str, target_id: str) -> tuple[Any, Any]:
    kind = RECORD_KINDS.get(target_type)
    if kind is None:
        raise Http404
    return kind, kind.get_for_user(request.user, target_id)


@require_POST
@requires(Cap.COMMENT_POST)
def comment_create(request: HttpRequest, target_type: str, target_id: str) -> HttpResponse:
    kind, target = _record(request, target_type, target_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment_post(actor=request.user, kind=kind, target=target, body=form.cleaned_data["body"])
            messages.success(request, _("Comment posted."))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return HttpResponseRedirect(kind.url_of(target) + "#chatter")


@require_POST
@requires(Cap.ACTIVITY_MANAGE)
def activity_create_view(request: HttpRequest, target_type: str, target_id: str) -> HttpResponse:
    kind, target = _record(request, target_type, target_id)
    form = ActivityForm(request.POST)
    if form.is_valid():
        try:
            activity_create(
                actor=request.user,
                kind=kind,
                target=target,
                assignee=form.cleaned_data["assignee"],
                summary=form.cleaned_data["summary"],
                due_on=form.cleaned_data["due_on"],
                note=form.cleaned_data["note"],
            )
            messages.success(request, _("Activity scheduled."))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for message in errors:
                messages.error(request, f"{label}: {message}" if label else message)
    return HttpResponseRedirect(kind.url_of(target) + "#activities")


@require_POST
@requires(Cap.ACTIVITY_MANAGE)
def activity_done_view(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_object_or_404(Activity, pk=pk)
    kind = RECORD_KINDS.get(activity.target_type)
    if kind is None:
        raise Http404
    kind.get_for_user(request.user, activity.target_id)  # scope check: 404 outside it
    if activity.assignee_id != request.user.pk:
        # Only the assignee closes a to-do: a filer must not clear the bureau's review deadline.
        raise PermissionDenied
    activity_mark_done(actor=request.user, activity_id=activity.pk)
    messages.success(request, _("Marked as done."))
    return HttpResponseRedirect(request.POST.get("back") or activity.target_url)


@requires(Cap.ACTIVITY_MANAGE)
def my_activities(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    show_done = request.GET.get("done") == "1"
    qs = Activity.objects.filter(assignee=request.user).select_related("created_by")
    qs = qs.exclude(done_at__isnull=True) if show_done else qs.filter(done_at__isnull=True)
    items = [(a, a.due_state(today)) for a in qs.order_by("due_on", "pk")[:500]]
    return render(request, "workbench/activities.html", {"items": items, "show_done": show_done})


@authenticated
def notifications(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        return HttpResponseRedirect(reverse("workbench:notifications"))
    items = list(Notification.objects.filter(recipient=request.user)[:200])
    return render(request, "workbench/notifications.html", {"items": items})


@requires(Cap.EXPORT)
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(ExportJob, pk=pk, user=request.user)
    template = "workbench/_export_progress.html" if request.htmx else "workbench/export.html"  # type: ignore[attr-defined]
    return render(request, template, {"job": job})


@requires(Cap.EXPORT)
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(ExportJob, pk=pk, user=request.user, status=ExportJob.Status.DONE)
    if job.expired(timezone.now()) or not job.file_name:
        return render(request, "workbench/export.html", {"job": job, "expired": True}, status=410)
    path = export_dir() / job.file_name
    if not path.exists():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=job.file_name)


@requires(Cap.EXPORT)
def export_list(request: HttpRequest) -> HttpResponse:
    jobs = ExportJob.objects.filter(user=request.user)[:100]
    return render(request, "workbench/exports.html", {"jobs": jobs})
