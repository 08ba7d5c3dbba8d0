"""The what-if form: the facts of a usage request, typed by institution staff, saved nowhere."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TRISTATE = [("", _("Not given")), ("yes", _("Yes")), ("no", _("No"))]

BOOLEAN_FACTS: list[tuple[str, Any]] = [
    (
        "has_online_eligible_foreigner",
        _("A foreign national eligible for online filing belongs to the institution"),
    ),
    ("unlawful_employment_past_3y", _("Foreign nationals were employed unlawfully in the past 3 years")),
    ("revocation_involvement_past_3y", _("Involved in a revocation of status in the past 3 years")),
    ("notifications_filed", _("Acceptance notifications (受入れの開始・終了等の届出) filed")),
    ("employment_status_report_required", _("The employment status report (外国人雇用状況届出) is owed")),
    ("employment_status_report_filed", _("The employment status report is filed")),
    ("pledge_submitted", _("Pledge (誓約書) submitted")),
    ("pledge_list_attached", _("利用者別誓約機関一覧表 attached")),
]


class WhatIfForm(forms.Form):
    institution = forms.ModelChoiceField(label=_("Institution"), queryset=None, required=False)  # type: ignore[arg-type]
    submitted_on = forms.DateField(label=_("Submission date"), widget=forms.DateInput(attrs={"type": "date"}))
    on = forms.DateField(label=_("Evaluate on"), widget=forms.DateInput(attrs={"type": "date"}))
    category = forms.TypedChoiceField(
        label=_("Category"), coerce=int, choices=[(1, "1"), (2, "2"), (3, "3"), (4, "4")]
    )
    applications_past_3y = forms.IntegerField(
        label=_("Residence applications filed in the past 3 years"), min_value=0, required=False
    )
    net_assets = forms.IntegerField(label=_("Net assets (yen)"), required=False)
    operating_result_previous = forms.IntegerField(
        label=_("Operating result, the year before last (yen)"), required=False
    )
    operating_result_last = forms.IntegerField(label=_("Operating result, last year (yen)"), required=False)
    capital = forms.IntegerField(label=_("Capital (yen)"), min_value=0, required=False)
    business_plan = forms.ChoiceField(label=_("Business plan submitted"), choices=TRISTATE, required=False)
    has_agent_certificate = forms.ChoiceField(
        label=_("The filer holds a 申請等取次者証明書"), choices=TRISTATE, required=False
    )
    certificate_valid_until = forms.DateField(
        label=_("Certificate valid until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    training_completed_on = forms.DateField(
        label=_("Training completed on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    revoked_on = forms.DateField(
        label=_("The filer's approval was revoked on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    revocation_reason = forms.ChoiceField(
        label=_("Reason of that revocation"),
        required=False,
        choices=[
            ("", "—"),
            ("own_request", _("At the filer's own request")),
            ("sanction", _("As a sanction")),
        ],
    )

    def __init__(self, *args: Any, institutions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["institution"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = institutions
        for name, label in BOOLEAN_FACTS:
            self.fields[name] = forms.ChoiceField(label=label, choices=TRISTATE, required=False)
        today = timezone.localdate()
        self.fields["submitted_on"].initial = today
        self.fields["on"].initial = today

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("revoked_on") and not cleaned.get("revocation_reason"):
            self.add_error(
                "revocation_reason", _("Say why the approval was revoked: only a sanction counts.")
            )
        return cleaned

    def facts_json(self, base: dict[str, Any]) -> dict[str, Any]:
        """The whole rules_evaluate facts: the answers, the submission date and the category."""
        facts = self.declared_facts(base)
        facts["institution"]["category"] = self.cleaned_data["category"]
        return {"submitted_on": self.cleaned_data["submitted_on"].isoformat(), **facts}

    def declared_facts(self, base: dict[str, Any]) -> dict[str, Any]:
        """The form's answers laid over ``base`` (what the registry knows), in the
        rules_evaluate shape but without the submission date and the category."""
        data = self.cleaned_data

        def tri(name: str) -> bool | None:
            return {"yes": True, "no": False}.get(data.get(name) or "")

        institution = dict(base.get("institution", {}))
        institution["applications_past_3y"] = data.get("applications_past_3y")
        for name, _label in BOOLEAN_FACTS:
            value = tri(name)
            if value is not None or name not in institution:
                institution[name] = value
        results = [data.get("operating_result_previous"), data.get("operating_result_last")]
        money = [data.get("net_assets"), data.get("capital"), *results, tri("business_plan")]
        if any(v is not None for v in money):
            institution["financials"] = {
                "net_assets": data.get("net_assets"),
                "operating_results": [r for r in results if r is not None],
                "capital": data.get("capital"),
                "business_plan": tri("business_plan"),
            }
        revocations = []
        if data.get("revoked_on"):
            revocations.append({"on": data["revoked_on"].isoformat(), "reason": data["revocation_reason"]})
        return {
            "institution": institution,
            "filer": {
                "has_agent_certificate": tri("has_agent_certificate"),
                "certificate_valid_until": _iso(data.get("certificate_valid_until")),
                "training_completed_on": _iso(data.get("training_completed_on")),
                "revocations": revocations,
            },
        }


def declared_initial(facts: dict[str, Any]) -> dict[str, Any]:
    """The form's initial values from saved answers: the inverse of ``declared_facts``."""
    institution = facts.get("institution") or {}
    filer = facts.get("filer") or {}

    def tri(value: Any) -> str:
        return {True: "yes", False: "no"}.get(value, "") if isinstance(value, bool) else ""

    initial: dict[str, Any] = {name: tri(institution.get(name)) for name, _label in BOOLEAN_FACTS}
    initial["applications_past_3y"] = institution.get("applications_past_3y")
    financials = institution.get("financials") or {}
    results = list(financials.get("operating_results") or [])
    initial.update(
        net_assets=financials.get("net_assets"),
        capital=financials.get("capital"),
        business_plan=tri(financials.get("business_plan")),
        operating_result_last=results[-1] if results else None,
        operating_result_previous=results[-2] if len(results) > 1 else None,
        has_agent_certificate=tri(filer.get("has_agent_certificate")),
        certificate_valid_until=filer.get("certificate_valid_until"),
        training_completed_on=filer.get("training_completed_on"),
    )
    revocations = filer.get("revocations") or []
    if revocations:
        initial["revoked_on"] = revocations[0].get("on")
        initial["revocation_reason"] = revocations[0].get("reason", "")
    return initial


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None
