"""Registry pages: thin. Access first (declared), then a selector or a form + one service."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ProtectedError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backoffice.access.decorators import requires
from backoffice.access.roles import BUREAU_SIDE, Cap
from backoffice.accounts.models import Prefecture
from backoffice.workbench.chatter import record_context
from backoffice.workbench.views import list_page
from institutions import lists, selectors, services
from institutions.entities import ENTITIES, Entity, restrict_form
from institutions.forms import InstitutionForm
from institutions.models import Institution

_INSTITUTION_FIELDS = list(InstitutionForm.Meta.fields)


@requires(Cap.INSTITUTION_VIEW)
def institution_list(request: HttpRequest) -> HttpResponse:
    return list_page(request, lists.INSTITUTIONS)


def _field_rows(obj: Any, names: list[str]) -> list[tuple[Any, Any]]:
    rows = []
    for name in names:
        field = obj._meta.get_field(name)
        display = getattr(obj, f"get_{name}_display", None)
        value = display() if callable(display) else getattr(obj, name)
        if isinstance(value, bool):
            value = _("Yes") if value else _("No")
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        if isinstance(value, int) and not isinstance(value, bool) and name.endswith("_yen"):
            value = f"{value:,}"
        rows.append((capfirst(field.verbose_name), "" if value is None else value))
    return rows


def _category_explanation(institution: Institution) -> str:
    decision = services.category_decision(institution)
    text = decision.explanation_ja if get_language() == "ja" else decision.explanation_en
    return f"{text} ({decision.code})"


@requires(Cap.INSTITUTION_VIEW)
def institution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    institution = selectors.institution_get_for(user=request.user, pk=pk)
    context = record_context(
        user=request.user, obj=institution, status_field="status", chatter_institution_id=institution.pk
    )
    context.update(
        {
            "fields": [
                *_field_rows(institution, [*_INSTITUTION_FIELDS, "category"]),
                (_("Category reason"), _category_explanation(institution)),
            ],
            "can_change": selectors.institution_can_change(user=request.user, institution=institution),
            "officers": institution.officers.all()[:50],
            "sentences": institution.sentences.select_related("officer")[:50],
            "filings": institution.filings.all()[:50],
            "employees": institution.employees.all()[:50],
            "memberships": institution.memberships.select_related("user")[:50],
            "delegations_given": institution.delegations_given.select_related("agent")[:50],
            "delegations_received": institution.delegations_received.select_related("principal")[:50],
            "breadcrumbs": [(_("Institutions"), reverse("institutions:list"))],
        }
    )
    return render(request, "institutions/institution_detail.html", context)


def _form_page(
    request: HttpRequest, form: Any, *, title: str, back: str, breadcrumbs: list[Any]
) -> HttpResponse:
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "workbench/form.html",
        {"form": form, "title": title, "back": back, "breadcrumbs": breadcrumbs},
        status=status,
    )


def _limit_prefectures(form: InstitutionForm, user: Any) -> None:
    """A reviewer registers institutions only where their bureau has jurisdiction."""
    if user.role in BUREAU_SIDE:
        field = form.fields["prefecture"]
        field.queryset = Prefecture.objects.filter(bureau_id=user.bureau_id)  # type: ignore[attr-defined]


@requires(Cap.INSTITUTION_CREATE)
def institution_create(request: HttpRequest) -> HttpResponse:
    form = InstitutionForm(request.POST or None)
    _limit_prefectures(form, request.user)
    if request.method == "POST" and form.is_valid():
        institution = services.institution_create(actor=request.user, data=form.cleaned_data)
        messages.success(request, _("Institution registered."))
        return HttpResponseRedirect(reverse("institutions:detail", args=[institution.pk]))
    return _form_page(
        request,
        form,
        title=_("New institution"),
        back=reverse("institutions:list"),
        breadcrumbs=[(_("Institutions"), reverse("institutions:list"))],
    )


@requires(Cap.INSTITUTION_EDIT)
def institution_edit(request: HttpRequest, pk: int) -> HttpResponse:
    institution = selectors.institution_get_for(user=request.user, pk=pk)
    if not selectors.institution_can_change(user=request.user, institution=institution):
        raise PermissionDenied
    form = InstitutionForm(request.POST or None, instance=Institution.objects.get(pk=institution.pk))
    _limit_prefectures(form, request.user)
    if request.method == "POST" and form.is_valid():
        services.institution_update(actor=request.user, institution_id=institution.pk, data=form.cleaned_data)
        messages.success(request, _("Saved."))
        return HttpResponseRedirect(reverse("institutions:detail", args=[institution.pk]))
    detail = reverse("institutions:detail", args=[institution.pk])
    return _form_page(
        request,
        form,
        title=_("Edit %(name)s") % {"name": institution.name},
        back=detail,
        breadcrumbs=[(_("Institutions"), reverse("institutions:list")), (institution.name, detail)],
    )


@require_POST
@requires(Cap.INSTITUTION_VIEW)
def institution_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    institution = selectors.institution_get_for(user=request.user, pk=pk)
    try:
        services.institution_transition(
            actor=request.user,
            institution_id=institution.pk,
            name=name,
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, _("Status changed."))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return HttpResponseRedirect(reverse("institutions:detail", args=[institution.pk]))


# --- sub-records ---------------------------------------------------------------------------


def _entity(key: str) -> Entity:
    entity = ENTITIES.get(key)
    if entity is None:
        raise Http404
    return entity


def _entity_object(request: HttpRequest, entity: Entity, pk: int) -> Any:
    try:
        return entity.visible(user=request.user).get(pk=pk)
    except entity.model.DoesNotExist as exc:  # type: ignore[attr-defined]
        raise Http404 from exc


def _can_change_entity(request: HttpRequest, entity: Entity, obj: Any) -> bool:
    return bool(
        request.user.can(entity.change_capability)  # type: ignore[union-attr]
        and selectors.institution_can_change(user=request.user, institution=entity.institution_of(obj))
    )


def entity_list(request: HttpRequest, key: str) -> HttpResponse:
    return list_page(request, _entity(key).spec)


def entity_detail(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    entity = _entity(key)
    obj = _entity_object(request, entity, pk)
    context = record_context(user=request.user, obj=obj)
    list_url = reverse(f"institutions:{key}_list")
    context.update(
        {
            "entity": entity,
            "fields": _field_rows(obj, list(entity.form.Meta.fields)),
            "can_change": _can_change_entity(request, entity, obj),
            "institution": entity.institution_of(obj),
            "breadcrumbs": [(entity.spec.title, list_url)],
            "edit_url": reverse(f"institutions:{key}_edit", args=[obj.pk]),
            "delete_url": reverse(f"institutions:{key}_delete", args=[obj.pk]),
        }
    )
    return render(request, "institutions/entity_detail.html", context)


def entity_form(request: HttpRequest, key: str, pk: int | None = None) -> HttpResponse:
    entity = _entity(key)
    obj = None
    if pk is not None:
        obj = _entity_object(request, entity, pk)
        if not _can_change_entity(request, entity, obj):
            raise PermissionDenied
    elif not request.user.can(entity.change_capability):  # type: ignore[union-attr]
        raise PermissionDenied
    fields = list(entity.form.Meta.fields)
    initial = {}
    if obj is None and request.GET.get("institution", "").isdigit():
        initial[entity.institution_fields[0]] = int(request.GET["institution"])
    form = entity.form(request.POST or None, instance=obj, initial=initial)
    restrict_form(form, entity, request.user)
    before = {name: getattr(obj, name) for name in fields} if obj is not None else None
    if request.method == "POST" and form.is_valid():
        instance = form.save(commit=False)
        institution = entity.institution_of(instance)
        if not selectors.institution_can_change(user=request.user, institution=institution):
            raise PermissionDenied
        try:
            services.child_record_save(
                actor=request.user,
                instance=instance,
                entity=key,
                institution_id=institution.pk,
                fields=fields,
                before=before,
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return HttpResponseRedirect(reverse(f"institutions:{key}_detail", args=[instance.pk]))
        messages.success(request, _("Saved."))
        return HttpResponseRedirect(reverse(f"institutions:{key}_detail", args=[instance.pk]))
    list_url = reverse(f"institutions:{key}_list")
    title = _("Edit %(what)s") % {"what": obj} if obj else _("New %(what)s") % {"what": entity.title}
    return _form_page(request, form, title=title, back=list_url, breadcrumbs=[(entity.spec.title, list_url)])


@require_POST
def entity_delete(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    entity = _entity(key)
    obj = _entity_object(request, entity, pk)
    if not _can_change_entity(request, entity, obj):
        raise PermissionDenied
    institution = entity.institution_of(obj)
    try:
        services.child_record_delete(
            actor=request.user, instance=obj, entity=key, institution_id=institution.pk
        )
    except ProtectedError:
        messages.error(request, _("This record is still referenced elsewhere and cannot be removed."))
        return HttpResponseRedirect(reverse(f"institutions:{key}_detail", args=[pk]))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return HttpResponseRedirect(reverse(f"institutions:{key}_detail", args=[pk]))
    messages.success(request, _("Removed."))
    return HttpResponseRedirect(reverse("institutions:detail", args=[institution.pk]))
