from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backoffice.access.roles import INDIVIDUALS
from backoffice.text import reject_my_number


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"),
        max_length=5000,
        validators=[reject_my_number],
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": _("Write a comment. Mention someone with @username.")}
        ),
    )


class ActivityForm(forms.Form):
    summary = forms.CharField(label=_("To-do"), max_length=200, validators=[reject_my_number])
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=get_user_model().objects.none())
    due_on = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[reject_my_number],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            get_user_model().objects.filter(is_active=True).exclude(role__in=INDIVIDUALS).order_by("username")
        )

    def clean_due_on(self) -> Any:
        due = self.cleaned_data["due_on"]
        if due < timezone.localdate():
            raise forms.ValidationError(_("The due date cannot be in the past."))
        return due
