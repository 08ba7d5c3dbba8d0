from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from reviews.forms import WhatIfForm
from usage_requests.models import RequestKind


class UsageRequestForm(forms.Form):
    """The wizard's first step: which kind of request, for which institution."""

    kind = forms.ChoiceField(label=_("Kind of request"), choices=RequestKind.choices)
    filing_for = forms.ChoiceField(label=_("Institution"))

    def __init__(self, *args: Any, options: list[tuple[Any, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.options = {f"{inst.pk}:{agent.pk if agent else ''}": (inst, agent) for inst, agent in options}
        field = self.fields["filing_for"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (key, f"{inst.name} — {agent.name}" if agent else inst.name)
            for key, (inst, agent) in self.options.items()
        ]

    def chosen(self) -> tuple[Any, Any]:
        return self.options[self.cleaned_data["filing_for"]]


class DeclaredFactsForm(WhatIfForm):
    """The answers the rules need that the registry does not hold (the same fields as the
    what-if check, without its date and category, which come from the request itself)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, institutions=None, **kwargs)
        for name in ("institution", "submitted_on", "on", "category"):
            del self.fields[name]
