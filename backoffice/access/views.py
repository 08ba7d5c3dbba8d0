"""Login, the TOTP second factor (enrol and verify), and logout."""

from __future__ import annotations

from base64 import b32encode
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.views import LoginView
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from backoffice.access.decorators import pre_second_factor, public
from backoffice.access.forms import TokenForm
from backoffice.audit.services import audit_log


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("workbench:home")


class ZairyuLoginView(LoginView):
    template_name = "access/login.html"
    redirect_authenticated_user = True
    access = "__public__"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["failure_limit"] = settings.AXES_FAILURE_LIMIT
        context["cooloff_minutes"] = int(settings.AXES_COOLOFF_TIME * 60)
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        with transaction.atomic():
            audit_log(
                actor=form.get_user(), action="user.logged_in", target=form.get_user(), institution_id=None
            )
        return response


login_view = public(ZairyuLoginView.as_view())


def _confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


@pre_second_factor
def otp_view(request: HttpRequest) -> HttpResponse:
    """Ask for the TOTP code; send a user without a confirmed device to enrolment."""
    user = request.user
    if not getattr(user, "needs_second_factor", False) or user.is_verified():  # type: ignore[union-attr]
        return HttpResponseRedirect(_safe_next(request))
    device = _confirmed_device(user)
    if device is None:
        return HttpResponseRedirect(f"{reverse('access:otp_enrol')}?next={_safe_next(request)}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _detail = device.verify_is_allowed()
        if not allowed:
            form.add_error(
                "token", _("Too many wrong codes. Wait a few seconds, then enter the newest code.")
            )
        elif device.verify_token(form.cleaned_data["token"]):
            otp_login(request, device)
            with transaction.atomic():
                audit_log(actor=user, action="user.second_factor_passed", target=user, institution_id=None)
            return HttpResponseRedirect(_safe_next(request))
        else:
            form.add_error("token", _("That code is not valid. Check the time on your phone and try again."))
    return render(request, "access/otp_verify.html", {"form": form, "next": _safe_next(request)})


@pre_second_factor
def otp_enrol_view(request: HttpRequest) -> HttpResponse:
    """First login of a role that needs TOTP: show the secret as a QR code and confirm one code."""
    user = request.user
    if _confirmed_device(user) is not None:
        return HttpResponseRedirect(reverse("access:otp"))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            with transaction.atomic():
                TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
                device.confirmed = True
                audit_log(actor=user, action="user.second_factor_enrolled", target=user, institution_id=None)
            otp_login(request, device)
            messages.success(request, _("Your authenticator app is set up."))
            return HttpResponseRedirect(_safe_next(request))
        form.add_error(
            "token", _("That code is not valid. Scan the code again and enter the newest 6 digits.")
        )
    # SVG needs no image library on the server.
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    secret = b32encode(device.bin_key).decode("ascii")
    return render(
        request,
        "access/otp_enrol.html",
        {
            "form": form,
            "qr_svg": image.to_string(encoding="unicode"),
            "secret": secret,
            "next": _safe_next(request),
        },
    )


@require_POST
@pre_second_factor
def logout_view(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    messages.info(request, _("You have logged out."))
    return HttpResponseRedirect(reverse("access:login"))


@public
def locked_out_view(request: HttpRequest) -> HttpResponse:
    return render(request, "access/locked_out.html", status=429)
