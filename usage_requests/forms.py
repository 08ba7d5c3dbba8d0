from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from reviews.forms import WhatIfForm
from usage_requests.models import RequestKind


class UsageRequestForm(WhatIfForm):
    """The filer's request: its kind, for whom, and the facts the rules need (the same
    fields as the what-if check). The registry supplies sentences and filings."""

    kind = forms.ChoiceField(label=_("Kind of request"), choices=RequestKind.choices)
    filing_for = forms.ChoiceField(label=_("Institution"))

    def __init__(self, *args: Any, options: list[tuple[Any, Any]], **kwargs: Any) -> None:
        super().__init__(*args, institutions=None, **kwargs)
        for name in ("institution", "submitted_on", "on", "category"):
            del self.fields[name]
        self.options = {f"{inst.pk}:{agent.pk if agent else ''}": (inst, agent) for inst, agent in options}
        field = self.fields["filing_for"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (key, f"{inst.name} — {agent.name}" if agent else inst.name)
            for key, (inst, agent) in self.options.items()
        ]
        self.order_fields(["kind", "filing_for"])

    def chosen(self) -> tuple[Any, Any]:
        return self.options[self.cleaned_data["filing_for"]]
