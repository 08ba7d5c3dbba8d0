"""The upload form of the bulk input page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from applications.bulk_models import BulkProcedure


class BulkUploadForm(forms.Form):
    procedure = forms.ChoiceField(
        label=_("Procedure"),
        choices=BulkProcedure.choices,
        help_text=_("The procedure of the template you filled in: one procedure per file."),
    )
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )
