"""The reviewer's form for a request that arrived on paper (post or counter)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backoffice.text import reject_my_number
from usage_requests.forms import DeclaredFactsForm
from usage_requests.models import Channel, DocumentKind, RequestKind

PDF = forms.ClearableFileInput(attrs={"accept": "application/pdf"})
PAPER_FIELDS = (
    ("paper_pledge", DocumentKind.PLEDGE),
    ("paper_financials", DocumentKind.FINANCIALS),
    ("paper_agent_certificate", DocumentKind.AGENT_CERTIFICATE),
    ("paper_pledge_list", DocumentKind.PLEDGE_LIST),
    ("paper_other", DocumentKind.OTHER),
)


class PaperRequestForm(DeclaredFactsForm):
    """What the paper says: kind, how and when it arrived, who signed it, the answers the rules
    need (the same fields as online), and the scanned pages."""

    kind = forms.ChoiceField(label=_("Kind of request"), choices=RequestKind.choices)
    channel = forms.ChoiceField(
        label=_("Arrived"),
        choices=[(Channel.POST, Channel.POST.label), (Channel.COUNTER, Channel.COUNTER.label)],
    )
    received_on = forms.DateField(label=_("Date of receipt"), widget=forms.DateInput(attrs={"type": "date"}))
    filer = forms.ChoiceField(label=_("Filer (利用申出人)"), required=False)
    filer_name = forms.CharField(
        label=_("…or a new filer: name"), required=False, max_length=100, validators=[reject_my_number],
        help_text=_("Only when the filer has no account yet; the result and the ID are sent to this person."),
    )  # fmt: skip
    filer_email = forms.EmailField(label=_("…and e-mail address"), required=False)
    paper_pledge = forms.FileField(label=DocumentKind.PLEDGE.label, required=False, widget=PDF)
    paper_financials = forms.FileField(label=DocumentKind.FINANCIALS.label, required=False, widget=PDF)
    paper_agent_certificate = forms.FileField(
        label=DocumentKind.AGENT_CERTIFICATE.label, required=False, widget=PDF
    )
    paper_pledge_list = forms.FileField(label=DocumentKind.PLEDGE_LIST.label, required=False, widget=PDF)
    paper_other = forms.FileField(
        label=_("The usage request form and other papers (scanned)"), required=False, widget=PDF
    )

    def __init__(self, *args: Any, filers: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filers = {str(user.pk): user for user in filers}
        field = self.fields["filer"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—"), *((pk, str(user)) for pk, user in self.filers.items())]
        self.fields["received_on"].initial = timezone.localdate()
        head = ["kind", "channel", "received_on", "filer", "filer_name", "filer_email"]
        papers = [name for name, _kind in PAPER_FIELDS]
        answers = [name for name in self.fields if name not in head and name not in papers]
        self.order_fields([*head, *answers, *papers])

    def chosen_filer(self) -> Any:
        return self.filers.get(self.cleaned_data.get("filer") or "")

    def new_filer(self) -> tuple[str, str] | None:
        name, email = self.cleaned_data.get("filer_name") or "", self.cleaned_data.get("filer_email") or ""
        return (name, email) if name or email else None

    def papers(self, max_read: int) -> list[tuple[str, str, bytes]]:
        found = []
        for name, kind in PAPER_FIELDS:
            upload = self.cleaned_data.get(name)
            if upload:
                found.append((kind.value, upload.name, upload.read(max_read)))
        return found
