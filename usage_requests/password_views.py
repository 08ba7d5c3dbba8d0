"""The password of an authentication ID: set from the approval e-mail's one-time link, and
changed by its holder (required once it has expired)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backoffice.access.decorators import authenticated, public
from backoffice.periods import format_both
from usage_requests import id_services
from usage_requests.middleware import SESSION_KEY
from usage_requests.models import AuthenticationId
from usage_requests.passwords import password_valid_through


class SetPasswordForm(forms.Form):
    password1 = forms.CharField(
        label=_("New password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("The same password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return cleaned


@public
def set_password(request: HttpRequest, token: str) -> HttpResponse:
    """The one-time link of the approval e-mail: set the ID's password (no login needed)."""
    auth_id = id_services.auth_id_for_token(token)
    if auth_id is None:
        return render(request, "usage_requests/set_password.html", {"expired": True}, status=410)
    form = SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            done = id_services.auth_id_set_password(token=token, password=form.cleaned_data["password1"])
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("password1", message)
        else:
            messages.success(
                request,
                _("Password set. Log in with your authentication ID %(code)s; it is valid until %(until)s.")
                % {"code": done, "until": format_both(done.valid_until) if done.valid_until else "—"},
            )
            return HttpResponseRedirect(reverse("access:login"))
    return render(request, "usage_requests/set_password.html", {"form": form, "auth_id": auth_id})


class ChangePasswordForm(forms.Form):
    current = forms.CharField(
        label=gettext_lazy("Current password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new = forms.CharField(
        label=gettext_lazy("New password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    new_again = forms.CharField(
        label=gettext_lazy("The same password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("new") and cleaned.get("new") != cleaned.get("new_again"):
            self.add_error("new_again", _("The two passwords differ."))
        return cleaned


@authenticated
def change_password(request: HttpRequest) -> HttpResponse:
    """For a session opened with an authentication ID: the ID's own password."""
    pk = request.session.get(SESSION_KEY)
    auth_id = AuthenticationId.objects.select_related("institution").filter(pk=pk).first() if pk else None
    if auth_id is None:
        raise Http404
    today = timezone.localdate()
    form = ChangePasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            changed = id_services.auth_id_change_password(
                auth_id_pk=auth_id.pk, current=form.cleaned_data["current"], new=form.cleaned_data["new"]
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        except PermissionDenied:
            form.add_error(None, _("This authentication ID can no longer be used."))
        else:
            assert changed.password_set_on is not None
            messages.success(
                request,
                _("Password changed. It is valid until %(until)s.")
                % {"until": format_both(password_valid_through(changed.password_set_on))},
            )
            return HttpResponseRedirect(reverse("workbench:home"))
    expired = id_services.auth_id_password_expired(auth_id, today=today)
    valid_through = password_valid_through(auth_id.password_set_on) if auth_id.password_set_on else None
    return render(
        request,
        "usage_requests/change_password.html",
        {"form": form, "auth_id": auth_id, "expired": expired,
         "valid_through": format_both(valid_through) if valid_through else ""},
        status=400 if form.errors else 200,
    )  # fmt: skip
