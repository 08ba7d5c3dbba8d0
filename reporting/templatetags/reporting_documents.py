"""``{% documents_panel record %}``: the PDFs a record has (issue or download them, in Japanese
or Japanese and English) and those already issued, for the record pages of other apps."""

from __future__ import annotations

from typing import Any

from django import template
from django.db import models

from backoffice.audit.models import target_type_of
from reporting.models import DocumentKind
from reporting.selectors import SUBJECT_BY_TYPE, documents_of

register = template.Library()


@register.inclusion_tag("reporting/_documents_panel.html", takes_context=True)
def documents_panel(context: template.Context, record: models.Model) -> dict[str, Any]:
    subject = SUBJECT_BY_TYPE.get(target_type_of(record)) if record is not None else None
    if subject is None:
        return {"subject": None}
    holder = getattr(record, "holder", None) or getattr(record, "filer", None)
    return {
        "subject": subject,
        "record": record,
        "kinds": [(kind, DocumentKind(kind).label) for kind in subject.kinds_of(record)],
        "issued": documents_of(record),
        "recipient_english": getattr(holder, "preferred_language", "ja") == "en",
        "csrf_token": context.get("csrf_token"),
    }
