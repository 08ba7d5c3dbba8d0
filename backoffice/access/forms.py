from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from backoffice.text import nfkc


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("6-digit code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self) -> str:
        token = nfkc(self.cleaned_data["token"]).replace(" ", "")
        if not token.isdigit() or len(token) != 6:
            raise forms.ValidationError(_("Enter the 6 digits shown in your authenticator app."))
        return token
