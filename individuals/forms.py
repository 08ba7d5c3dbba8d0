"""Forms of the individuals app. Every value is NFKC-normalised; free text refuses a My Number.

The certificate number is not free text: it has its own validation (§13 D5) and is never put
through the My Number guard, although a 12-digit certificate number may pass the My Number
check digit (§13 D12)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from backoffice.text import nfkc, reject_my_number
from individuals import certno, selectors
from individuals.models import AgentKind, AgentRegisterEntry, CertificateCode, CodeKind
from institutions.forms import NormalisingForm

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def certificate_number_clean(raw: str, table: certno.CodeTable | None = None) -> str:
    """12 digits from what was typed (the number itself, or an old-style notation converted
    with the administrators' code table); the converter's message in the user's language."""
    try:
        return certno.to_number(raw, table if table is not None else selectors.code_table())
    except certno.CertificateNumberError as exc:
        raise forms.ValidationError(exc.message(get_language() or "ja"), code=exc.code) from exc


class RegisterEntryForm(NormalisingForm):
    """A reviewer's or administrator's form for one entry of the register."""

    free_text_fields = AgentRegisterEntry.FREE_TEXT_FIELDS

    class Meta:
        model = AgentRegisterEntry
        fields = [
            "certificate_number",
            "kind",
            "name",
            "name_latin",
            "date_of_birth",
            "association",
            "office_name",
            "office_address",
            "bureau",
            "old_style_number",
            "notified_on",
            "valid_from",
            "valid_until",
            "status",
            "note",
        ]
        widgets = {name: DATE for name in ("date_of_birth", "notified_on", "valid_from", "valid_until")}

    def __init__(
        self, *args: Any, user: Any = None, code_table: certno.CodeTable | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.code_table = code_table
        field = self.fields["bureau"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = selectors.bureaus_manageable_by(user=user)
        # The 12 digits may be typed with spaces, full-width or in the old style: the length
        # is checked after conversion (clean_certificate_number), not on the raw input.
        number = self.fields["certificate_number"]
        assert isinstance(number, forms.CharField)
        number.max_length = 60
        number.validators = [v for v in number.validators if not isinstance(v, MaxLengthValidator)]
        number.validators.append(MaxLengthValidator(60))
        number.widget.attrs["maxlength"] = "60"

    def _table(self) -> certno.CodeTable:
        if self.code_table is None:
            self.code_table = selectors.code_table()
        return self.code_table

    def clean_certificate_number(self) -> str:
        number = certificate_number_clean(self.cleaned_data.get("certificate_number") or "", self._table())
        clash = AgentRegisterEntry.objects.filter(certificate_number=number).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(
                _("Another entry of the register already has this certificate number.")
            )
        return number

    def clean_name_latin(self) -> str:
        return " ".join(nfkc(self.cleaned_data.get("name_latin") or "").upper().split())

    def clean_date_of_birth(self) -> Any:
        value = self.cleaned_data.get("date_of_birth")
        if value and value >= timezone.localdate():
            raise forms.ValidationError(_("The date of birth must be in the past."))
        return value

    def clean_notified_on(self) -> Any:
        value = self.cleaned_data.get("notified_on")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("The notification date cannot be in the future."))
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("valid_from"), cleaned.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("The certificate cannot expire before it becomes valid."))
        old, number = cleaned.get("old_style_number"), cleaned.get("certificate_number")
        if old and number and "old_style_number" not in self.errors:
            self._check_old_style(old, number)
        return cleaned

    def _check_old_style(self, old: str, number: str) -> None:
        """An old-style number that the code table converts must give the certificate number.
        One with a symbol the table does not know yet is kept as written."""
        try:
            converted = certno.convert(certno.parse_old_style(old, self._table()), self._table())
        except certno.CertificateNumberError as exc:
            if exc.code not in {"unknown_office", "unknown_category"}:
                self.add_error("old_style_number", exc.message(get_language() or "ja"))
            return
        if converted != number:
            self.add_error(
                "old_style_number",
                _(
                    "This old-style number converts to %(converted)s, not to the certificate number %(number)s."
                )
                % {"converted": converted, "number": number},
            )


class AgentRegistrationForm(forms.Form):
    """The public registration of a lawyer or gyoseishoshi (利用者情報登録)."""

    kind = forms.ChoiceField(label=_("I am a"), choices=AgentKind.choices, widget=forms.RadioSelect)
    certificate_number = forms.CharField(
        label=_("Certificate number (申請等取次者証明書番号)"),
        max_length=60,
        help_text=_(
            "The 12 digits printed at the top right of your 届出済証明書. If your certificate has none, "
            "type its number as printed, e.g. （東）弁 10 第 50 号."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        validators=[reject_my_number],
        help_text=_("As on your certificate, in kanji or in Latin letters (family name first)."),
    )
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=DATE)
    email = forms.EmailField(
        label=_("E-mail address"), help_text=_("Your authentication ID is sent to this address.")
    )
    password1 = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("The same password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args: Any, code_table: certno.CodeTable | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.code_table = code_table

    def clean_certificate_number(self) -> str:
        return certificate_number_clean(self.cleaned_data.get("certificate_number") or "", self.code_table)

    def clean_name(self) -> str:
        return " ".join(nfkc(self.cleaned_data.get("name") or "").split())

    def clean_email(self) -> str:
        return nfkc(self.cleaned_data.get("email") or "").lower()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return cleaned


class RegisterImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )


class CertificateCodeForm(NormalisingForm):
    """The administrators' form for one row of the code table (in the Django admin)."""

    free_text_fields = ("symbol", "label", "source")

    class Meta:
        model = CertificateCode
        fields = ["kind", "symbol", "code", "label", "source", "active"]

    def clean_symbol(self) -> str:
        symbol = "".join(nfkc(self.cleaned_data.get("symbol") or "").split())
        if not symbol or any(ch.isdigit() or ch in "()" for ch in symbol):
            raise forms.ValidationError(
                _("A symbol is the character(s) printed on the certificate, e.g. 東 or 弁.")
            )
        return symbol

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        kind, code = cleaned.get("kind"), cleaned.get("code") or ""
        expected = certno.OFFICE_DIGITS if kind == CodeKind.OFFICE else certno.CATEGORY_DIGITS
        if kind and code and (len(code) != expected or not code.isdigit()):
            self.add_error(
                "code",
                _("An issuing office has a 2-digit code, a category a 1-digit code."),
            )
        return cleaned
