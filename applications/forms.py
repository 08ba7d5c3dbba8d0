"""The filing form: the principal applicant with re-entry and extra-activity requests, and family
members filed together (同時). Only what the filer may file is offered; the page says why the rest
is closed."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from applications.rules.catalogue import STATUSES, Procedure, Scope, notice_normalise
from applications.rules.matrix import Filer, Mark, version_on
from applications.services import ApplicantInput
from backoffice.accounts.models import Prefecture
from backoffice.text import nfkc, reject_my_number
from institutions.models import ForeignEmployee, StatusOfResidence

RESIDENCE_CARD_NUMBER = re.compile(r"^[A-Z]{2}[0-9]{8}[A-Z]{2}$")
PRINCIPAL_PROCEDURES = (
    Procedure.COE, Procedure.CHANGE, Procedure.EXTENSION, Procedure.ACQUISITION, Procedure.WORK_CERTIFICATE,
)  # fmt: skip
ONLINE_STATUSES = [(s.code, StatusOfResidence(s.code).label) for s in STATUSES if s.scope is Scope.ONLINE]


def open_procedures(kind: Filer, today: date) -> list[Procedure]:
    version = version_on(today)
    if version is None:
        return []
    return [p for p in PRINCIPAL_PROCEDURES if version.cell(kind, p).mark is not Mark.CLOSED]


def _procedure_choices(kind: Filer, today: date) -> list[tuple[str, Any]]:
    from applications.models import ProcedureChoice

    labels = dict(ProcedureChoice.choices)
    return [(p.value, labels[p.value]) for p in open_procedures(kind, today)]


class _PersonFields(forms.Form):
    procedure = forms.ChoiceField(label=_("Procedure"))
    with_reentry = forms.BooleanField(label=_("With a re-entry permit (再入国許可)"), required=False)
    reentry_multiple = forms.BooleanField(label=_("Multiple re-entry"), required=False)
    with_extra_activity = forms.BooleanField(
        label=_("With permission for activity outside the status (資格外活動)"), required=False
    )
    status = forms.ChoiceField(
        label=_("Status of residence applied for"), choices=[("", "—"), *ONLINE_STATUSES]
    )
    notice = forms.CharField(
        label=_("Designated activities notice (告示), e.g. 33-2"),
        required=False,
        max_length=30,
        validators=[reject_my_number],
    )
    subject_name = forms.CharField(
        label=_("Name (as in passport)"), max_length=150, required=False, validators=[reject_my_number]
    )
    nationality = forms.CharField(
        label=_("Nationality"), max_length=60, required=False, validators=[reject_my_number]
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sex = forms.ChoiceField(
        label=_("Sex"), choices=[("", "—"), ("M", _("Male")), ("F", _("Female"))], required=False
    )
    residence_card_number = forms.CharField(label=_("Residence card number"), max_length=12, required=False)

    def __init__(self, *args: Any, filer_kind: Filer, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filer_kind = filer_kind
        self.fields["procedure"].choices = _procedure_choices(filer_kind, today)

    def clean_notice(self) -> str:
        raw = self.cleaned_data.get("notice") or ""
        if not raw.strip():
            return ""
        value = notice_normalise(raw)
        if value is None:
            raise forms.ValidationError(_('Write the notice number, e.g. "7" or "33-2".'))
        return value

    def clean_residence_card_number(self) -> str:
        value = nfkc(self.cleaned_data.get("residence_card_number") or "").upper().replace(" ", "")
        if value and not RESIDENCE_CARD_NUMBER.match(value):
            raise forms.ValidationError(
                _("A residence card number is 2 letters, 8 digits, 2 letters, e.g. AB12345678CD.")
            )
        return value

    def _with(self) -> tuple[Procedure, ...]:
        data = self.cleaned_data
        return tuple(
            p
            for p, flag in (
                (Procedure.REENTRY, data.get("with_reentry")),
                (Procedure.EXTRA_ACTIVITY, data.get("with_extra_activity")),
            )
            if flag
        )


class ApplicationForm(_PersonFields):
    """The principal applicant."""

    employee = forms.ModelChoiceField(
        label=_("Employee"), queryset=ForeignEmployee.objects.none(), required=False
    )
    current_status = forms.ChoiceField(
        label=_("Current status of residence"),
        choices=[("", "—"), *StatusOfResidence.choices],
        required=False,
    )
    period_of_stay_until = forms.DateField(
        label=_("Period of stay until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    prefecture = forms.ModelChoiceField(
        label=_("Prefecture of residence"), queryset=Prefecture.objects.order_by("code")
    )
    address = forms.CharField(label=_("Address in Japan"), max_length=300, validators=[reject_my_number])
    notification_email = forms.EmailField(
        label=_("The foreign national's notification e-mail"), required=False,
        help_text=_("The receipt-number e-mail is the proof of a pending application: give the foreign national's own address."),
    )  # fmt: skip
    subject_unable = forms.BooleanField(
        label=_("The person cannot apply personally because of illness or another reason"), required=False
    )
    family_in_japan = forms.TypedChoiceField(
        label=_("Does the relative (you) live in Japan?"), required=False,
        choices=[("", "—"), ("yes", _("Yes")), ("no", _("No"))], coerce=lambda v: {"yes": True, "no": False}.get(v),
        empty_value=None,
    )  # fmt: skip

    def __init__(
        self, *args: Any, filer_kind: Filer, today: date, employees: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, filer_kind=filer_kind, today=today, **kwargs)
        if employees is not None:
            self.fields["employee"].queryset = employees
            self.fields["employee"].required = True
        else:
            del self.fields["employee"]
        if self.filer_kind is not Filer.RELATIVE:
            del self.fields["family_in_japan"]
            del self.fields["subject_unable"]
        if employees is not None:
            for name in ("subject_name", "nationality", "date_of_birth", "residence_card_number", "current_status",
                         "period_of_stay_until"):  # fmt: skip
                self.fields[name].help_text = _("Leave empty to take it from the employee registry.")
        self.order_fields(
            ["employee", "procedure", "with_reentry", "reentry_multiple", "with_extra_activity", "status"]
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        employee = data.get("employee")
        if employee is not None:
            data["subject_name"] = data.get("subject_name") or employee.name
            data["nationality"] = data.get("nationality") or employee.nationality
            data["date_of_birth"] = data.get("date_of_birth") or employee.date_of_birth
            data["residence_card_number"] = (
                data.get("residence_card_number") or employee.residence_card_number
            )
            data["current_status"] = data.get("current_status") or employee.status_of_residence
            data["period_of_stay_until"] = data.get("period_of_stay_until") or employee.period_of_stay_until
        for name in ("subject_name", "nationality", "date_of_birth", "sex"):
            if not data.get(name):
                self.add_error(name, _("This field is required."))
        return data

    def applicant(self) -> ApplicantInput:
        data = self.cleaned_data
        employee = data.get("employee")
        return ApplicantInput(
            procedure=Procedure(data["procedure"]), status=data["status"], subject_name=nfkc(data["subject_name"]),
            nationality=data["nationality"], date_of_birth=data["date_of_birth"], sex=data["sex"],
            prefecture_code=data["prefecture"].code, address=nfkc(data["address"]), with_=self._with(),
            notice=data["notice"], current_status=data.get("current_status") or "",
            period_of_stay_until=data.get("period_of_stay_until"), residence_card_number=data["residence_card_number"],
            notification_email=data.get("notification_email") or "", employee_id=employee.pk if employee else None,
            subject_unable=bool(data.get("subject_unable")), family_in_japan=data.get("family_in_japan"),
            details={"reentry_multiple": bool(data.get("reentry_multiple"))},
        )  # fmt: skip


class FamilyMemberForm(_PersonFields):
    """A family member filed together with the principal (同時): same address and notification."""

    relationship = forms.ChoiceField(
        label=_("Relationship to the principal applicant"),
        choices=[
            ("spouse", _("Spouse")),
            ("child", _("Child")),
            ("parent", _("Parent")),
            ("other", _("Other")),
        ],
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("subject_name", "nationality", "date_of_birth", "sex"):
            if not data.get(name):
                self.add_error(name, _("This field is required."))
        return data

    def applicant(self, principal: ApplicantInput) -> ApplicantInput:
        data = self.cleaned_data
        return ApplicantInput(
            procedure=Procedure(data["procedure"]), status=data["status"], subject_name=nfkc(data["subject_name"]),
            nationality=data["nationality"], date_of_birth=data["date_of_birth"], sex=data["sex"],
            prefecture_code=principal.prefecture_code, address=principal.address, with_=self._with(),
            notice=data["notice"], residence_card_number=data["residence_card_number"],
            notification_email=principal.notification_email, relationship=data["relationship"],
            family_in_japan=principal.family_in_japan,
            details={"reentry_multiple": bool(data.get("reentry_multiple"))},
        )  # fmt: skip


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("document", _("Documents (PDF)")), ("photo", _("Photo (JPEG or PNG)"))]
    )
    file = forms.FileField(label=_("File"))


class SupplementRequestForm(forms.Form):
    message = forms.CharField(
        label=_("Documents needed"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        validators=[reject_my_number],
    )
    due_on = forms.DateField(label=_("Due by"), widget=forms.DateInput(attrs={"type": "date"}))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class SupplementAnswerForm(forms.Form):
    """The files are read with ``request.FILES.getlist("files")``: the service checks every one."""

    files = forms.FileField(label=_("Documents (PDF)"), widget=MultipleFileInput(), required=False)
    note = forms.CharField(
        label=_("Note to the examiner"),
        required=False,
        validators=[reject_my_number],
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
    )


class MailCardForm(forms.Form):
    tracking_number = forms.CharField(
        label=_("Tracking number"), max_length=40, validators=[reject_my_number]
    )
