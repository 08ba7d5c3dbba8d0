"""Forms of the registry.

Every value is NFKC-normalised first; errors name the field and say what is expected.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backoffice.access.roles import INSTITUTION_SIDE
from backoffice.text import nfkc, reject_my_number
from institutions.models import (
    ComplianceFiling,
    CriminalSentence,
    Delegation,
    DelegationScope,
    ForeignEmployee,
    Institution,
    InstitutionKind,
    Officer,
    StaffMembership,
)
from institutions.rules import corporate_number_problem, normalise_corporate_number

_RESIDENCE_CARD = re.compile(r"^[A-Z]{2}\d{8}[A-Z]{2}$")
_POSTAL = re.compile(r"^\d{3}-?\d{4}$")

CORPORATE_NUMBER_ERRORS = {
    "digits": _("The corporate number must contain digits only (13 digits)."),
    "length": _("The corporate number must be exactly 13 digits."),
    "check_digit": _(
        "The check digit (the first digit) does not match the other 12 digits. Check the number on the "
        "National Tax Agency's corporate number site."
    ),
}


class NormalisingForm(forms.ModelForm):  # type: ignore[type-arg]
    """NFKC every text input and refuse anything that looks like a My Number."""

    free_text_fields: tuple[str, ...] = ()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name, value in list(cleaned.items()):
            if isinstance(value, str):
                value = nfkc(value)
                cleaned[name] = value
                if name in self.free_text_fields:
                    try:
                        reject_my_number(value)
                    except forms.ValidationError as exc:
                        self.add_error(name, exc)
        return cleaned

    def _restrict_institutions(self, field: str, institutions: QuerySet[Institution]) -> None:
        choice = self.fields[field]
        assert isinstance(choice, forms.ModelChoiceField)
        choice.queryset = institutions.order_by("name")

    def _restrict_institutions_related(self, field: str, rows: QuerySet[Any]) -> None:
        choice = self.fields[field]
        assert isinstance(choice, forms.ModelChoiceField)
        choice.queryset = rows


def _not_future(value: Any, label: str) -> None:
    if value and value > timezone.localdate():
        raise forms.ValidationError(_("%(label)s cannot be in the future.") % {"label": label})


class InstitutionForm(NormalisingForm):
    free_text_fields = ("name", "name_kana", "address", "phone")

    class Meta:
        model = Institution
        fields = [
            "kind",
            "name",
            "name_kana",
            "corporate_number",
            "postal_code",
            "prefecture",
            "address",
            "phone",
            "email",
            "category1_basis",
            "statutory_report_filed",
            "withholding_tax_yen",
        ]

    def clean_corporate_number(self) -> str | None:
        raw = self.cleaned_data.get("corporate_number") or ""
        number = normalise_corporate_number(raw)
        if not number:
            return None
        problem = corporate_number_problem(number)
        if problem is not None:
            raise forms.ValidationError(CORPORATE_NUMBER_ERRORS[problem], code=problem)
        clash = Institution.objects.filter(corporate_number=number).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(
                _("Another institution is already registered with this corporate number.")
            )
        return number

    def clean_postal_code(self) -> str:
        value = nfkc(self.cleaned_data.get("postal_code") or "")
        if value and not _POSTAL.match(value):
            raise forms.ValidationError(_("Enter the postal code as 7 digits, e.g. 100-0013."))
        if value and "-" not in value:
            value = f"{value[:3]}-{value[3:]}"
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        amount = cleaned.get("withholding_tax_yen")
        if amount is not None and amount < 0:
            self.add_error("withholding_tax_yen", _("The amount cannot be negative."))
        if amount is not None and not cleaned.get("statutory_report_filed"):
            self.add_error(
                "statutory_report_filed",
                _(
                    "A withholding amount comes from a filed 法定調書合計表: "
                    "tick this box or clear the amount."
                ),
            )
        return cleaned


class OfficerForm(NormalisingForm):
    free_text_fields = ("name", "position")

    class Meta:
        model = Officer
        fields = ["institution", "name", "position", "appointed_on", "left_on"]
        widgets = {
            "appointed_on": forms.DateInput(attrs={"type": "date"}),
            "left_on": forms.DateInput(attrs={"type": "date"}),
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("appointed_on"), cleaned.get("left_on")
        if start and end and end < start:
            self.add_error("left_on", _("The officer cannot leave before being appointed."))
        return cleaned


class CriminalSentenceForm(NormalisingForm):
    free_text_fields = ("law_name",)

    class Meta:
        model = CriminalSentence
        fields = ["institution", "officer", "law_kind", "law_name", "penalty", "sentenced_on", "served_on"]
        widgets = {
            "sentenced_on": forms.DateInput(attrs={"type": "date"}),
            "served_on": forms.DateInput(attrs={"type": "date"}),
        }

    def clean_sentenced_on(self) -> Any:
        value = self.cleaned_data.get("sentenced_on")
        _not_future(value, str(_("The sentence date")))
        return value

    def clean_served_on(self) -> Any:
        value = self.cleaned_data.get("served_on")
        _not_future(value, str(_("The date the sentence was served or ceased to be enforceable")))
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        sentenced, served = cleaned.get("sentenced_on"), cleaned.get("served_on")
        if sentenced and served and served < sentenced:
            self.add_error("served_on", _("A sentence cannot be served before it was handed down."))
        officer, institution = cleaned.get("officer"), cleaned.get("institution")
        if officer and institution and officer.institution_id != institution.pk:
            self.add_error("officer", _("This officer belongs to another institution."))
        return cleaned


class ComplianceFilingForm(NormalisingForm):
    free_text_fields = ("note",)

    class Meta:
        model = ComplianceFiling
        fields = ["institution", "kind", "event_on", "filed_on", "employee", "note"]
        widgets = {
            "event_on": forms.DateInput(attrs={"type": "date"}),
            "filed_on": forms.DateInput(attrs={"type": "date"}),
        }

    def clean_filed_on(self) -> Any:
        value = self.cleaned_data.get("filed_on")
        _not_future(value, str(_("The filing date")))
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        employee, institution = cleaned.get("employee"), cleaned.get("institution")
        if employee and institution and employee.institution_id != institution.pk:
            self.add_error("employee", _("This employee belongs to another institution."))
        if cleaned.get("event_on") and cleaned.get("filed_on") and cleaned["filed_on"] < cleaned["event_on"]:
            self.add_error("filed_on", _("A filing cannot precede the event it reports."))
        return cleaned


class ForeignEmployeeForm(NormalisingForm):
    free_text_fields = ("name", "nationality")

    class Meta:
        model = ForeignEmployee
        fields = [
            "institution",
            "name",
            "nationality",
            "date_of_birth",
            "status_of_residence",
            "period_of_stay_until",
            "residence_card_number",
            "employed_from",
            "employed_until",
        ]
        widgets = {
            name: forms.DateInput(attrs={"type": "date"})
            for name in ("date_of_birth", "period_of_stay_until", "employed_from", "employed_until")
        }

    def clean_residence_card_number(self) -> str:
        value = nfkc(self.cleaned_data.get("residence_card_number") or "").upper().replace(" ", "")
        if value and not _RESIDENCE_CARD.match(value):
            raise forms.ValidationError(
                _("A residence card number is 2 letters, 8 digits and 2 letters, e.g. AB12345678CD.")
            )
        return value

    def clean_date_of_birth(self) -> Any:
        value = self.cleaned_data.get("date_of_birth")
        _not_future(value, str(_("The date of birth")))
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("employed_from"), cleaned.get("employed_until")
        if start and end and end < start:
            self.add_error("employed_until", _("Employment cannot end before it starts."))
        return cleaned


class StaffMembershipForm(NormalisingForm):
    free_text_fields = ("title",)

    class Meta:
        model = StaffMembership
        fields = ["user", "institution", "title", "valid_from", "valid_to"]
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}),
            "valid_to": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            get_user_model().objects.filter(role__in=INSTITUTION_SIDE, is_active=True).order_by("username")
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("valid_from"), cleaned.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", _("A membership cannot end before it starts."))
        return cleaned


class DelegationForm(NormalisingForm):
    free_text_fields = ("note",)
    scope = forms.MultipleChoiceField(
        label=_("scope"),
        choices=DelegationScope.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one thing the delegation covers.")},
    )

    class Meta:
        model = Delegation
        fields = ["principal", "agent", "valid_from", "valid_to", "scope", "note"]
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}),
            "valid_to": forms.DateInput(attrs={"type": "date"}),
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("valid_from"), cleaned.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", _("A delegation cannot end before it starts."))
        principal, agent = cleaned.get("principal"), cleaned.get("agent")
        if principal and principal.kind not in {InstitutionKind.ACCEPTING, InstitutionKind.SUPERVISING}:
            self.add_error(
                "principal", _("Only an accepting institution or supervising organisation delegates.")
            )
        if agent and agent.kind not in {InstitutionKind.SUPPORT_ORG, InstitutionKind.PUBLIC_INTEREST}:
            self.add_error(
                "agent", _("Delegate to a registered support organisation or public-interest corporation.")
            )
        if principal and agent and principal.pk == agent.pk:
            self.add_error("agent", _("An institution cannot delegate to itself."))
        return cleaned
