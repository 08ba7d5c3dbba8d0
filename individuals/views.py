"""Pages of the individuals app: thin. Access first (declared), then a form and one service."""

from __future__ import annotations

from typing import Any

from axes.helpers import get_client_ip_address
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from backoffice.access.decorators import public, requires
from backoffice.access.roles import Cap
from backoffice.workbench.chatter import record_context
from backoffice.workbench.views import list_page
from individuals import certno, lists, selectors, services
from individuals.forms import AgentRegistrationForm, RegisterEntryForm, RegisterImportForm
from individuals.models import AgentRegisterEntry
from individuals.resources import IMPORT_FIELDS, REQUIRED_COLUMNS


def _errors_into_form(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            for message in errors:
                form.add_error(name if name in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


@public
def agent_register(request: HttpRequest) -> HttpResponse:
    """A lawyer or gyoseishoshi registers with the certificate number and gets an ID at once."""
    form = AgentRegistrationForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "example": certno.EXAMPLE_OLD_STYLE}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            registration = services.agent_register(
                certificate_number=data["certificate_number"], name=data["name"],
                date_of_birth=data["date_of_birth"], email=data["email"], password=data["password1"],
                kind=data["kind"], language=get_language() or "ja", ip_address=get_client_ip_address(request),
            )  # fmt: skip
        except services.RegistrationThrottled as exc:
            minutes = max(1, -(-exc.retry_after // 60))
            context["throttled"] = _(
                "Too many registration attempts. For your protection, try again in %(minutes)d minutes. "
                "If your details are right and registration still fails, contact the regional bureau you "
                "notified."
            ) % {"minutes": minutes}
            response = render(request, "individuals/agent_register.html", context, status=429)
            response["Retry-After"] = str(exc.retry_after)
            return response
        except ValidationError as exc:
            _errors_into_form(form, exc)
        else:
            return render(
                request,
                "individuals/agent_registered.html",
                {"registration": registration, "code": registration.auth_code},
            )
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "individuals/agent_register.html", context, status=status)


@requires(Cap.AGENT_REGISTER_VIEW)
def register_list(request: HttpRequest) -> HttpResponse:
    return list_page(request, lists.REGISTER)


def _field_rows(entry: AgentRegisterEntry) -> list[tuple[Any, Any]]:
    rows = []
    for name in IMPORT_FIELDS:
        model_field = entry._meta.get_field(name)
        display = getattr(entry, f"get_{name}_display", None)
        value = display() if callable(display) else getattr(entry, name)
        rows.append((capfirst(model_field.verbose_name), "" if value is None else value))
    return rows


@requires(Cap.AGENT_REGISTER_VIEW)
def register_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.register_entry_get_for(user=request.user, pk=pk)
    context = record_context(user=request.user, obj=entry)
    parts = certno.parts(entry.certificate_number)
    context.update(
        {
            "fields": _field_rows(entry),
            "parts": parts,
            "registrations": selectors.registrations_of(entry),
            "can_change": selectors.register_entry_can_change(user=request.user, entry=entry),
            "breadcrumbs": [(_("Notified lawyers and gyoseishoshi"), reverse("individuals:register_list"))],
        }
    )
    return render(request, "individuals/entry_detail.html", context)


def _form_page(request: HttpRequest, form: Any, *, title: str, back: str) -> HttpResponse:
    return render(
        request,
        "workbench/form.html",
        {
            "form": form,
            "title": title,
            "back": back,
            "breadcrumbs": [(_("Notified lawyers and gyoseishoshi"), reverse("individuals:register_list"))],
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@requires(Cap.AGENT_REGISTER_MANAGE)
def register_create(request: HttpRequest) -> HttpResponse:
    form = RegisterEntryForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.register_entry_create(actor=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            _errors_into_form(form, exc)
        else:
            messages.success(request, _("Entry added to the register."))
            return HttpResponseRedirect(reverse("individuals:register_detail", args=[entry.pk]))
    return _form_page(
        request,
        form,
        title=_("New notified lawyer or gyoseishoshi"),
        back=reverse("individuals:register_list"),
    )


@requires(Cap.AGENT_REGISTER_MANAGE)
def register_edit(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.register_entry_get_for(user=request.user, pk=pk)
    if not selectors.register_entry_can_change(user=request.user, entry=entry):
        raise PermissionDenied
    form = RegisterEntryForm(
        request.POST or None, instance=AgentRegisterEntry.objects.get(pk=entry.pk), user=request.user
    )
    detail = reverse("individuals:register_detail", args=[entry.pk])
    if request.method == "POST" and form.is_valid():
        try:
            services.register_entry_update(actor=request.user, entry_id=entry.pk, data=form.cleaned_data)
        except ValidationError as exc:
            _errors_into_form(form, exc)
        else:
            messages.success(request, _("Saved."))
            return HttpResponseRedirect(detail)
    return _form_page(request, form, title=_("Edit %(name)s") % {"name": entry}, back=detail)


@requires(Cap.AGENT_REGISTER_MANAGE)
def register_import(request: HttpRequest) -> HttpResponse:
    """Upload a CSV or XLSX file: every row is imported, or none and every problem is listed."""
    form = RegisterImportForm(request.POST or None, request.FILES or None)
    errors: list[services.RowError] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.register_import(
                actor=request.user, file_name=upload.name, content=upload.read(services.MAX_IMPORT_BYTES + 1)
            )
        except services.RegisterImportRejected as exc:
            errors = exc.errors
        else:
            messages.success(
                request,
                _("Imported %(rows)d rows: %(created)d new entries, %(updated)d updated.")
                % {"rows": result.record.rows, "created": result.created, "updated": result.updated},
            )
            return HttpResponseRedirect(reverse("individuals:register_list"))
    labels = {name: capfirst(AgentRegisterEntry._meta.get_field(name).verbose_name) for name in IMPORT_FIELDS}
    columns = [(name, labels[name], name in REQUIRED_COLUMNS) for name in IMPORT_FIELDS]
    return render(
        request,
        "individuals/register_import.html",
        {
            "form": form,
            "errors": errors,
            "columns": columns,
            "breadcrumbs": [(_("Notified lawyers and gyoseishoshi"), reverse("individuals:register_list"))],
        },
        status=400 if errors or (form.is_bound and form.errors) else 200,
    )
