"""The My Number Card endpoints (JSON, called by ``zairyu-card``) and the pages around them.

The JSON endpoints are exempt from CSRF: each needs a nonce issued to this very session and a
signature that only the card can make, which a forged cross-site request cannot supply."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from backoffice.access.decorators import authenticated, public, requires
from backoffice.access.roles import Cap
from backoffice.text import reject_my_number
from individuals import card_nonces, card_password, card_services, card_trust
from individuals.card_models import (
    CardholderRegistration,
    CardholderRole,
    Relationship,
    RevocationList,
    TrustAnchor,
)
from individuals.card_password import FALLBACK_SESSION_FLAG
from individuals.card_services import CardError

BACKEND = "backoffice.access.backends.PasswordBackend"


def _session_key(request: HttpRequest) -> str:
    if not request.session.session_key:
        request.session.save()
    return str(request.session.session_key)


def _body(request: HttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        raise CardError(
            "malformed", "JSONの形式が正しくありません。", "The request is not valid JSON."
        ) from None
    if not isinstance(body, dict):
        raise CardError("malformed", "JSONの形式が正しくありません。", "The request is not a JSON object.")
    return body


def _refusal(exc: ValidationError) -> JsonResponse:
    """A refusal in both languages: field errors are lazy texts, rendered once in each."""
    if isinstance(exc, CardError):
        return JsonResponse(exc.as_json(), status=exc.status)
    rendered = {}
    for language in ("ja", "en"):
        with translation.override(language):
            rendered[language] = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    first = {language: next(iter(fields.values()))[0] for language, fields in rendered.items()}
    return JsonResponse(
        {"code": "invalid", "message_ja": first["ja"], "message_en": first["en"], "fields": rendered["en"]},
        status=400,
    )


@public
@csrf_exempt
@require_POST
def nonce(request: HttpRequest) -> JsonResponse:
    try:
        value = card_nonces.nonce_issue(
            session_key=_session_key(request), purpose=str(_body(request).get("purpose"))
        )
    except ValidationError as exc:
        return _refusal(exc)
    return JsonResponse({"nonce": value, "expires_in": settings.JPKI_NONCE_SECONDS})


@public
@csrf_exempt
@require_POST
def identify(request: HttpRequest) -> JsonResponse:
    """Registration, step 1: both signatures; answers with the identity to show and the form's link."""
    try:
        body = _body(request)
        identity = card_services.cardholder_identify(
            session_key=_session_key(request), nonce=str(body.get("nonce") or ""),
            certificate=body.get("certificate"), signature=body.get("signature"),
            auth_certificate=body.get("auth_certificate"), auth_signature=body.get("auth_signature"),
        )  # fmt: skip
    except ValidationError as exc:
        return _refusal(exc)
    return JsonResponse(
        {"name": identity.name, "date_of_birth": identity.date_of_birth.isoformat(), "sex": identity.sex,
         "address": identity.address, "token": identity.token,
         "form_url": request.build_absolute_uri(reverse("individuals:card_register", args=[identity.token]))}
    )  # fmt: skip


@public
@csrf_exempt
@require_POST
def complete(request: HttpRequest) -> JsonResponse:
    """Registration, step 2 from the client program: the details; the ID is issued at once."""
    try:
        body = _body(request)
        details = body.get("details") if isinstance(body.get("details"), dict) else {}
        registration = card_services.cardholder_register(
            session_key=_session_key(request), token=str(body.get("token") or ""), details=details,
            language=get_language() or "ja",
        )  # fmt: skip
    except ValidationError as exc:
        return _refusal(exc)
    return JsonResponse({"authentication_id": str(registration), "name": registration.name}, status=201)


@public
@csrf_exempt
@require_POST
def card_login(request: HttpRequest) -> JsonResponse:
    try:
        body = _body(request)
        registration, token = card_services.cardholder_login(
            session_key=_session_key(request), nonce=str(body.get("nonce") or ""),
            certificate=body.get("certificate"), signature=body.get("signature"),
            authentication_id=str(body.get("authentication_id") or ""),
        )  # fmt: skip
    except ValidationError as exc:
        return _refusal(exc)
    login(request, registration.user, backend=BACKEND)
    return JsonResponse(
        {"name": registration.name, "authentication_id": str(registration),
         "browser_url": request.build_absolute_uri(reverse("individuals:card_continue", args=[token]))}
    )  # fmt: skip


@public
@csrf_exempt
@require_POST
def relink(request: HttpRequest) -> JsonResponse:
    try:
        body = _body(request)
        registration = card_services.cardholder_relink(
            session_key=_session_key(request), nonce=str(body.get("nonce") or ""),
            authentication_id=str(body.get("authentication_id") or ""), certificate=body.get("certificate"),
            signature=body.get("signature"), auth_certificate=body.get("auth_certificate"),
            auth_signature=body.get("auth_signature"),
        )  # fmt: skip
    except ValidationError as exc:
        return _refusal(exc)
    return JsonResponse({"authentication_id": str(registration), "name": registration.name})


@public
def continue_in_browser(request: HttpRequest, token: str) -> HttpResponse:
    registration = card_services.browser_login_redeem(token=token)
    if registration is None:
        messages.error(
            request, _("This login link has expired or was already used. Log in with the card again.")
        )
        return HttpResponseRedirect(reverse("access:login"))
    login(request, registration.user, backend=BACKEND)
    return HttpResponseRedirect(reverse("individuals:card_me"))


class DetailsForm(forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("I register as"), choices=CardholderRole.choices)
    email = forms.EmailField(label=gettext_lazy("E-mail address"))
    phone = forms.CharField(label=gettext_lazy("Phone number"), max_length=30)
    residence_card_number = forms.CharField(
        label=gettext_lazy("Residence card number"), max_length=14, required=False,
        help_text=gettext_lazy("For the foreign national: two letters, eight digits, two letters."),
    )  # fmt: skip
    relationship = forms.ChoiceField(
        label=gettext_lazy("Relationship to the foreign national"), required=False,
        choices=[("", "—"), *Relationship.choices],
    )  # fmt: skip

    def clean_phone(self) -> str:
        phone: str = self.cleaned_data["phone"]
        reject_my_number(phone.replace("-", ""))
        return phone


@public
def register_details(request: HttpRequest, token: str) -> HttpResponse:
    """Registration, step 2 in the browser: the certificate's data shown, the person adds theirs."""
    pending = card_services.pending_identity(session_key=_session_key(request), token=token)
    if pending is None:
        return render(request, "individuals/card_register.html", {"expired": True}, status=410)
    form = DetailsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            registration = card_services.cardholder_register(
                session_key=_session_key(request), token=token, details=form.cleaned_data,
                language=get_language() or "ja",
            )  # fmt: skip
        except CardError as exc:
            form.add_error(None, exc.message_en if get_language() == "en" else exc.message_ja)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            login(request, registration.user, backend=BACKEND)
            messages.success(
                request, _("Registered. Your authentication ID is %(code)s; it was also sent by e-mail.")
                % {"code": registration},
            )  # fmt: skip
            return HttpResponseRedirect(reverse("individuals:card_me"))
    return render(
        request, "individuals/card_register.html",
        {"form": form, "identity": pending.verified_identity}, status=400 if form.errors else 200,
    )  # fmt: skip


@public
def card_start(request: HttpRequest) -> HttpResponse:
    """How to register or log in with the card: the client program and its commands."""
    return render(request, "individuals/card_start.html", {"server": request.build_absolute_uri("/")[:-1]})


@authenticated
def card_me(request: HttpRequest) -> HttpResponse:
    registration = CardholderRegistration.objects.filter(user=request.user).first()
    if registration is None:
        raise Http404
    form = CardPasswordForm(request.POST or None)
    card_session = not request.session.get(FALLBACK_SESSION_FLAG)
    if request.method == "POST" and form.is_valid():
        try:
            card_password.cardholder_password_set(
                user=request.user, password=form.cleaned_data["password"], confirm=form.cleaned_data["confirm"],
                card_session=card_session,
            )  # fmt: skip
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("password", message)
        except PermissionDenied:
            form.add_error(None, _("Log in with the card to change the password."))
        else:
            messages.success(
                request, _("Password set. Use it only while your card's certificate has expired.")
            )
            return HttpResponseRedirect(reverse("individuals:card_me"))
    return render(
        request, "individuals/card_me.html",
        {"registration": registration, "password_form": form if card_session else None,
         "fallback": not card_session, "has_password": request.user.has_usable_password()},
        status=400 if form.errors else 200,
    )  # fmt: skip


class CardPasswordForm(forms.Form):
    password = forms.CharField(label=gettext_lazy("New password"), widget=forms.PasswordInput, max_length=128)
    confirm = forms.CharField(
        label=gettext_lazy("The same again"), widget=forms.PasswordInput, max_length=128
    )


class TrustUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What"),
        choices=[("anchor", gettext_lazy("J-LIS root certificate")), ("crl", gettext_lazy("CRL"))],
    )
    file = forms.FileField(label=gettext_lazy("File (DER or PEM)"))


@requires(Cap.JPKI_TRUST_MANAGE)
def trust(request: HttpRequest) -> HttpResponse:
    """Administrators load the pinned J-LIS roots and import CRLs; every load is audited."""
    form = TrustUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read(2 * 1024 * 1024)
        try:
            if form.cleaned_data["kind"] == "anchor":
                anchor = card_trust.trust_anchor_load(actor=request.user, data=data)
                messages.success(request, _("Root loaded: %(subject)s") % {"subject": anchor.subject})
            else:
                crl = card_trust.crl_import(actor=request.user, data=data)
                messages.success(
                    request, _("CRL imported: %(n)s revoked certificates.") % {"n": crl.revoked_count}
                )
            return HttpResponseRedirect(reverse("individuals:card_trust"))
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("file", message)
    context = {
        "form": form,
        "anchors": TrustAnchor.objects.order_by("-loaded_at")[:50],
        "crls": RevocationList.objects.select_related("anchor").order_by("-this_update")[:50],
        "pinned": settings.JPKI_PINNED_FINGERPRINTS,
        "require_revocation": settings.JPKI_REQUIRE_REVOCATION_CHECK,
    }
    return render(request, "individuals/card_trust.html", context, status=400 if form.errors else 200)
