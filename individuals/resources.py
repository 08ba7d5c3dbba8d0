"""The register's columns for export and import (django-import-export).

The export writes the headers in the reader's language with choice labels (the workbench's
export), and the import reads that same file back: a header may be the field's key
(``certificate_number``) or its label in Japanese or English, a choice its key or its label."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from import_export import fields, resources

from backoffice.accounts.models import RegionalBureau
from backoffice.text import nfkc
from individuals.models import AgentKind, AgentRegisterEntry, RegisterStatus

IMPORT_FIELDS = (
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
)
REQUIRED_COLUMNS = ("certificate_number", "kind", "name", "date_of_birth", "association", "bureau",
                    "notified_on", "valid_from")  # fmt: skip
# A short way to write the profession in a file.
KIND_ALIASES = {"弁護士": AgentKind.LAWYER, "弁": AgentKind.LAWYER, "行政書士": AgentKind.GYOSEISHOSHI,
                "行": AgentKind.GYOSEISHOSHI}  # fmt: skip


class AgentRegisterResource(resources.ModelResource):
    bureau = fields.Field(attribute="bureau__code", column_name="bureau")

    class Meta:
        model = AgentRegisterEntry
        fields = IMPORT_FIELDS
        export_order = IMPORT_FIELDS
        import_id_fields = ("certificate_number",)


def _key(text: Any) -> str:
    return "".join(nfkc(str(text)).casefold().split())


def column_aliases() -> dict[str, str]:
    """Header text (normalised) → field key, for the keys and both languages' labels."""
    aliases: dict[str, str] = {}
    for name in IMPORT_FIELDS:
        aliases[_key(name)] = name
        for language in ("ja", "en"):
            with translation.override(language):
                aliases[_key(AgentRegisterEntry._meta.get_field(name).verbose_name)] = name
    return aliases


def choice_aliases(choices: type[AgentKind] | type[RegisterStatus]) -> dict[str, str]:
    """Cell text (normalised) → choice key: the key and the label in both languages."""
    aliases: dict[str, str] = {}
    for value, label in choices.choices:
        aliases[_key(value)] = value
        for language in ("ja", "en"):
            with translation.override(language):
                aliases[_key(label)] = value
    if choices is AgentKind:
        aliases.update({_key(k): v for k, v in KIND_ALIASES.items()})
    return aliases


def bureau_aliases() -> dict[str, int]:
    """A bureau by its code or its Japanese or English name."""
    aliases: dict[str, int] = {}
    for pk, code, name_ja, name_en in RegionalBureau.objects.values_list("pk", "code", "name_ja", "name_en"):
        for text in (code, name_ja, name_en):
            aliases[_key(text)] = pk
    return aliases


def normalised_key(text: Any) -> str:
    return _key(text)
