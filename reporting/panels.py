"""The *Documents (PDF)* panel on the record pages of the apps below (usage requests, their
authentication IDs, residence applications): the PDFs a record has, to issue or download in
Japanese or Japanese and English, and those already issued. Registered with the workbench
(registry.register_record_panel), so those apps' templates only say ``{% record_panels obj %}``."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.template.loader import render_to_string

from backoffice.audit.models import target_type_of
from reporting.models import DocumentKind
from reporting.selectors import SUBJECT_BY_TYPE, documents_of


def documents_panel(context: Any, record: models.Model) -> str:
    subject = SUBJECT_BY_TYPE.get(target_type_of(record))
    if subject is None:
        return ""
    holder = getattr(record, "holder", None) or getattr(record, "filer", None)
    return render_to_string(
        "reporting/_documents_panel.html",
        {
            "subject": subject,
            "record": record,
            "kinds": [(kind, DocumentKind(kind).label) for kind in subject.kinds_of(record)],
            "issued": documents_of(record),
            "recipient_english": getattr(holder, "preferred_language", "ja") == "en",
        },
        request=context.get("request"),
    )
