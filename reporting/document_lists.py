"""The register of issued documents (発行文書台帳): every PDF the back office issued, for
auditors and administrators, with its number, record and hash."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backoffice.workbench.lists import Column, GroupBy, ListSpec
from reporting import selectors
from reporting.models import DocumentKind, DocumentLanguage, IssuedDocument


def _record(document: IssuedDocument) -> str:
    subject = selectors.SUBJECT_BY_TYPE.get(document.subject_type)
    label = subject.label if subject is not None else document.subject_type
    return f"{label} #{document.subject_id}"


ISSUED_DOCUMENTS = ListSpec(
    key="issued_documents",
    title=_("Issued documents"),
    model=IssuedDocument,
    scope=lambda user: selectors.document_list_visible_to(user=user),
    row_url=lambda document: reverse("reporting:document", args=[document.number]),
    columns=[
        Column("number", _("Document number")),
        Column("kind", _("Kind")),
        Column("language", _("Language"), default=False),
        Column("record", _("Record"), path="subject_id", sortable=False, render=_record),
        Column(
            "institution",
            _("Institution"),
            path="institution__name",
            render=lambda d: d.institution.name if d.institution else "",
        ),
        Column("bureau", _("Issuing bureau"), path="bureau__ordering", render=lambda d: str(d.bureau or "")),
        Column(
            "issued_at",
            _("Issued at"),
            render=lambda d: timezone.localtime(d.issued_at).strftime("%Y-%m-%d %H:%M"),
        ),
        Column(
            "issued_by", _("Issued by"), path="issued_by__username", render=lambda d: str(d.issued_by or "")
        ),
        Column("sha256", _("SHA-256"), default=False, sortable=False),
    ],
    search_fields=["number", "subject_id", "sha256", "institution__name"],
    search_help=_("Document number, record id, SHA-256, institution"),
    group_bys=[
        GroupBy("kind", _("Kind"), "kind", choices=dict(DocumentKind.choices)),
        GroupBy("language", _("Language"), "language", choices=dict(DocumentLanguage.choices)),
        GroupBy("bureau", _("Issuing bureau"), "bureau_id", label_path="bureau__name_ja"),
    ],
    default_sort="-issued_at",
    select_related=["bureau", "institution", "issued_by"],
)
