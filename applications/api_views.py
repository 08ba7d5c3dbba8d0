"""Administrators' pages for the API's service operators: register, suspend, and issue, rotate or
revoke credentials. A new token is shown once, on the page that issued it, and never again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from applications import api_credentials
from applications.api_models import OperatorCredential, ServiceOperator
from backoffice.access.decorators import requires
from backoffice.access.roles import Cap
from backoffice.text import reject_my_number
from backoffice.workbench.chatter import record_context


class OperatorForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Company name"), max_length=200, validators=[reject_my_number])
    corporate_number = forms.CharField(label=gettext_lazy("Corporate number (13 digits)"), max_length=20)
    contact_name = forms.CharField(
        label=gettext_lazy("Contact person"), max_length=100, validators=[reject_my_number]
    )
    contact_email = forms.EmailField(label=gettext_lazy("Contact e-mail"))
    allowed_networks = forms.CharField(
        label=gettext_lazy("Allowed IP ranges, one per line"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("e.g. 203.0.113.0/24. Calls from anywhere else are refused."),
    )  # fmt: skip
    rate_limit_per_minute = forms.IntegerField(
        label=gettext_lazy("Calls per minute"), min_value=1, max_value=10_000, initial=60
    )


@requires(Cap.API_OPERATOR_MANAGE)
def operator_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    operators = ServiceOperator.objects.all()
    if query:
        operators = operators.filter(name__icontains=query) | operators.filter(
            corporate_number__startswith=query
        )
    return render(
        request, "applications/operators.html", {"operators": operators.order_by("name"), "q": query}
    )


@requires(Cap.API_OPERATOR_MANAGE)
def operator_new(request: HttpRequest) -> HttpResponse:
    form = OperatorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            operator = api_credentials.operator_register(
                actor=request.user, name=data["name"], corporate_number=data["corporate_number"],
                contact_name=data["contact_name"], contact_email=data["contact_email"],
                allowed_networks=data["allowed_networks"].splitlines(), rate_limit_per_minute=data["rate_limit_per_minute"],
            )  # fmt: skip
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Operator registered. Issue a credential on its page."))
            return HttpResponseRedirect(reverse("applications:operator", args=[operator.pk]))
    return render(
        request, "workbench/form.html",
        {"form": form, "title": _("New service operator"), "back": reverse("applications:operators")},
        status=400 if form.errors else 200,
    )  # fmt: skip


def _detail(
    request: HttpRequest, operator: ServiceOperator, *, token: str = "", status: int = 200
) -> HttpResponse:
    context: dict[str, Any] = record_context(user=request.user, obj=operator)
    context.update({"operator": operator, "credentials": list(operator.credentials.all()), "token": token})
    return render(request, "applications/operator.html", context, status=status)


@requires(Cap.API_OPERATOR_MANAGE)
def operator_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, get_object_or_404(ServiceOperator, pk=pk))


@require_POST
@requires(Cap.API_OPERATOR_MANAGE)
def credential_issue(request: HttpRequest, pk: int) -> HttpResponse:
    operator = get_object_or_404(ServiceOperator, pk=pk)
    grace = request.POST.get("grace_hours")
    try:
        if grace is None:
            _credential, token = api_credentials.credential_issue(actor=request.user, operator_id=operator.pk)
        else:
            if not grace.strip():
                raise ValidationError(
                    _("Say for how many hours the current credentials stay valid (0: none).")
                )
            _credential, token = api_credentials.credential_rotate(
                actor=request.user, operator_id=operator.pk, grace_hours=int(grace)
            )
    except (ValidationError, ValueError) as exc:
        messages.error(request, "; ".join(getattr(exc, "messages", [str(exc)])))
        return HttpResponseRedirect(reverse("applications:operator", args=[operator.pk]))
    # Shown once, on this response only: not stored, not redirected through the session.
    response = _detail(request, operator, token=token)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@requires(Cap.API_OPERATOR_MANAGE)
def credential_revoke(request: HttpRequest, pk: int, credential_id: int) -> HttpResponse:
    credential = get_object_or_404(OperatorCredential, pk=credential_id, operator_id=pk)
    api_credentials.credential_revoke(actor=request.user, credential_id=credential.pk)
    messages.success(
        request, _("Credential %(key)s revoked: it is refused from now on.") % {"key": credential.key_id}
    )
    return HttpResponseRedirect(reverse("applications:operator", args=[pk]))


@require_POST
@requires(Cap.API_OPERATOR_MANAGE)
def operator_status(request: HttpRequest, pk: int) -> HttpResponse:
    operator = get_object_or_404(ServiceOperator, pk=pk)
    try:
        api_credentials.operator_set_status(
            actor=request.user, operator_id=operator.pk, status=request.POST.get("status", "")
        )
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    return HttpResponseRedirect(reverse("applications:operator", args=[pk]))
