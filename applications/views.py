"""Pages of residence applications: the list, filing (individual and simultaneous), the record with
its examination steps. Thin: access first, a form, one service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import formset_factory
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from applications import examination, selectors, services
from applications.forms import (
    ApplicationForm,
    AttachmentForm,
    FamilyMemberForm,
    MailCardForm,
    SupplementAnswerForm,
    SupplementRequestForm,
)
from applications.lists import APPLICATIONS
from applications.matrix_page import closed_procedures, matrix_table
from applications.models import ApplicationState, Attachment
from applications.rules.matrix import INSTITUTION_FILERS, VERSIONS
from backoffice.access.decorators import public, requires
from backoffice.access.roles import Cap
from backoffice.workbench.chatter import record_context
from backoffice.workbench.views import list_page
from individuals.card_password import FALLBACK_SESSION_FLAG

MAX_FAMILY = 6
FAMILY_CLOSED = gettext_noop(
    "Institution staff file only for foreign nationals affiliated with the institution, not for their "
    "family members: a family member files personally, or through a legal representative, a relative, "
    "a lawyer or a gyoseishoshi."
)


def _fallback_refusal(request: HttpRequest) -> HttpResponse | None:
    """A session opened with ID and password because the card expired follows; it does not file (§13 D6)."""
    if request.session.get(FALLBACK_SESSION_FLAG):
        messages.error(
            request,
            _("You logged in without the card, which lets you follow pending applications only. "
              "Renew the card's certificate and log in with the card to file."),
        )  # fmt: skip
        return HttpResponseRedirect(reverse("applications:list"))
    return None


@public
def permission_matrix(request: HttpRequest) -> HttpResponse:
    """Public: it is the leaflet's table, and people should check before they register."""
    table = matrix_table(
        version_code=request.GET.get("version"),
        today=timezone.localdate(),
        language=translation.get_language() or "ja",
    )
    return render(request, "applications/matrix.html", {"table": table, "versions": VERSIONS})


@requires(Cap.APPLICATION_VIEW)
def application_list(request: HttpRequest) -> HttpResponse:
    return list_page(request, APPLICATIONS)


def _messages_from(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@requires(Cap.APPLICATION_FILE)
def application_new(request: HttpRequest) -> HttpResponse:
    if refusal := _fallback_refusal(request):
        return refusal
    profile = selectors.filer_profile(user=request.user)
    if profile.kind is None or not profile.active:
        messages.error(
            request, profile.problem_en if translation.get_language() == "en" else profile.problem_ja
        )
        return HttpResponseRedirect(reverse("applications:list"))
    today = timezone.localdate()
    employees = None
    if profile.kind in INSTITUTION_FILERS:
        employees = selectors.employees_filable_by(user=request.user, today=today).order_by("name")
    try:
        family_count = max(0, min(MAX_FAMILY, int(request.GET.get("family", "0"))))
    except ValueError:
        family_count = 0
    # Institution-side filers file only for affiliated foreign nationals (§3.2): not for their families.
    family_allowed = profile.kind not in INSTITUTION_FILERS
    if not family_allowed:
        family_count = 0
    Family = formset_factory(FamilyMemberForm, extra=family_count, max_num=MAX_FAMILY, validate_max=True)
    kwargs = {"filer_kind": profile.kind, "today": today}
    if request.method == "POST":
        form = ApplicationForm(request.POST, employees=employees, **kwargs)
        family = Family(request.POST, prefix="family", form_kwargs=kwargs)
        if form.is_valid() and family.is_valid():
            principal = form.applicant()
            members = [f.applicant(principal) for f in family.forms if f.has_changed()]
            try:
                if members and not family_allowed:
                    raise ValidationError(
                        [
                            f"{m.subject_name}: {_(FAMILY_CLOSED)}" for m in members
                        ]  # names the person, like the matrix
                    )
                filing = services.filing_create(actor=request.user, applicants=[principal, *members])
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Saved as a draft. Attach the documents, then submit."))
                first = filing.applications.order_by("pk").first()
                assert first is not None
                return HttpResponseRedirect(reverse("applications:detail", args=[first.pk]))
    else:
        initial: dict[str, Any] = {}
        if profile.kind.value == "foreign_national":
            registration = getattr(request.user, "cardholder", None)
            if registration is not None:
                initial = {"subject_name": registration.name, "date_of_birth": registration.date_of_birth,
                           "residence_card_number": registration.residence_card_number}  # fmt: skip
        form = ApplicationForm(initial=initial, employees=employees, **kwargs)
        family = Family(prefix="family", form_kwargs=kwargs)
    return render(
        request, "applications/new.html",
        {"form": form, "family": family, "closed": closed_procedures(profile.kind, today, translation.get_language() or "ja"),
         "family_more": min(MAX_FAMILY, family_count + 1) if family_allowed else 0,
         "no_employees": employees is not None and not employees.exists(),
         "breadcrumbs": [(_("Residence applications"), reverse("applications:list"))]},
        status=400 if form.errors or family.total_error_count() else 200,
    )  # fmt: skip


@requires(Cap.APPLICATION_VIEW)
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for(user=request.user, pk=pk)
    context = record_context(user=request.user, obj=application, status_field="state")
    filer_side = selectors.may_act_as_filer(user=request.user, application=application)
    examiner = (
        request.user.can(Cap.APPLICATION_EXAMINE) and application.bureau_id is not None
        and request.user.bureau_id == application.bureau_id
    )  # fmt: skip
    filing = application.filing
    siblings = list(
        filing.applications.exclude(pk=application.pk).only("pk", "procedure", "subject_name", "state",
                                                            "receipt_number", "provisional_number", "principal_id")
    )  # fmt: skip
    draft = application.state == ApplicationState.DRAFT
    fee = None
    if application.state in {
        ApplicationState.GRANTED,
        ApplicationState.AWAITING_ISSUE,
        ApplicationState.COMPLETED,
    }:
        fee = examination.fee_of(application)
    context.update(
        {
            "application": application,
            "filing": filing,
            "siblings": siblings,
            "attachments": list(application.attachments.select_related("supplement")),
            "supplements": list(application.supplements.all()),
            "permission_reasons": [
                (r.get("code"), r.get("en") if translation.get_language() == "en" else r.get("ja"))
                for r in application.permission.get("reasons", [])
            ],
            "attachment_form": AttachmentForm() if draft and filer_side else None,
            "can_submit": draft and filer_side,
            "missing": services.filing_missing(filing) if draft else [],
            "supplement_form": SupplementRequestForm()
            if examiner and application.state == ApplicationState.UNDER_EXAMINATION else None,
            "answer_form": SupplementAnswerForm()
            if filer_side and application.state == ApplicationState.AWAITING_SUPPLEMENT else None,
            "can_confirm_fee": examiner and application.state == ApplicationState.GRANTED,
            "fee_preview": examination.fee_of(application) if examiner and application.state == ApplicationState.GRANTED else fee,
            "mail_form": MailCardForm()
            if examiner and application.state == ApplicationState.AWAITING_ISSUE and not application.tracking_number else None,
            "breadcrumbs": [(_("Residence applications"), reverse("applications:list"))],
        }
    )  # fmt: skip
    return render(request, "applications/detail.html", context)


def _back(pk: int) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("applications:detail", args=[pk]))


def _run(request: HttpRequest, pk: int, action: Any, success: str) -> HttpResponse:
    try:
        action()
        messages.success(request, success)
    except ValidationError as exc:
        _messages_from(request, exc)
    except PermissionDenied:
        messages.error(request, _("Your role cannot take this step on this application."))
        return HttpResponseRedirect(reverse("applications:detail", args=[pk]), status=303)
    return _back(pk)


@require_POST
@requires(Cap.APPLICATION_VIEW)
def application_step(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    application = selectors.application_get_for(user=request.user, pk=pk)
    return _run(
        request, pk,
        lambda: examination.application_transition(
            actor=request.user, application_id=application.pk, name=name, reason=request.POST.get("reason", "")
        ),
        _("Done."),
    )  # fmt: skip


@require_POST
@requires(Cap.APPLICATION_FILE)
def filing_submit(request: HttpRequest, pk: int) -> HttpResponse:
    if refusal := _fallback_refusal(request):
        return refusal
    application = selectors.application_get_for(user=request.user, pk=pk)
    return _run(
        request, pk, lambda: services.filing_submit(actor=request.user, filing_id=application.filing_id),
        _("Filed. The provisional number is on the page and in your e-mail; the receipt number follows tomorrow."),
    )  # fmt: skip


@require_POST
@requires(Cap.APPLICATION_FILE)
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    if refusal := _fallback_refusal(request):
        return refusal
    application = selectors.application_get_for(user=request.user, pk=pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose the kind and the file."))
        return _back(pk)
    upload = form.cleaned_data["file"]
    return _run(
        request, pk,
        lambda: services.attachment_add(
            actor=request.user, application_id=application.pk, kind=form.cleaned_data["kind"], name=upload.name,
            data=upload.read(),
        ),
        _("Attached."),
    )  # fmt: skip


@requires(Cap.APPLICATION_VIEW)
def attachment_download(request: HttpRequest, pk: int, attachment_id: int) -> FileResponse:
    application = selectors.application_get_for(user=request.user, pk=pk)
    attachment = get_object_or_404(Attachment, pk=attachment_id, application=application)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=attachment.original_name)


@require_POST
@requires(Cap.APPLICATION_EXAMINE)
def supplement_request(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for(user=request.user, pk=pk)
    form = SupplementRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say which documents are needed and by when."))
        return _back(pk)
    return _run(
        request, pk,
        lambda: examination.supplement_request(
            actor=request.user, application_id=application.pk, message=form.cleaned_data["message"],
            due_on=form.cleaned_data["due_on"],
        ),
        _("Supplement requested; the filer and the foreign national were told."),
    )  # fmt: skip


@require_POST
@requires(Cap.APPLICATION_FILE)
def supplement_answer(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for(user=request.user, pk=pk)
    files = [(f.name, f.read()) for f in request.FILES.getlist("files")]
    return _run(
        request, pk,
        lambda: examination.supplement_answer(
            actor=request.user, application_id=application.pk, files=files, note=request.POST.get("note", "")
        ),
        _("Sent. The examination continues."),
    )  # fmt: skip


@require_POST
@requires(Cap.APPLICATION_EXAMINE)
def fee_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for(user=request.user, pk=pk)
    return _run(
        request, pk, lambda: examination.fee_confirm(actor=request.user, application_id=application.pk),
        _("Fee confirmed."),
    )  # fmt: skip


@require_POST
@requires(Cap.APPLICATION_EXAMINE)
def card_mail(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for(user=request.user, pk=pk)
    form = MailCardForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write the tracking number."))
        return _back(pk)
    return _run(
        request, pk,
        lambda: examination.card_mail(
            actor=request.user, application_id=application.pk, tracking_number=form.cleaned_data["tracking_number"]
        ),
        _("Recorded as mailed; the filer and the foreign national were told."),
    )  # fmt: skip
