"""What the reporting app adds to the workbench: menu entries, the issued-documents list and the
record pages' Documents (PDF) panel."""

from __future__ import annotations


def register() -> None:
    """Register the reporting pages, list and record panel with the workbench (registry)."""
    from django.utils.translation import gettext_lazy as _

    from backoffice.access.roles import Cap
    from backoffice.workbench.registry import MenuEntry, register_menu

    # Statistics and the monthly reports: supervising reviewers (their bureau) and auditors
    # (every bureau), who hold Cap.EXPORT; reporting/statistics_queries.py scopes the figures.
    register_menu(MenuEntry(_("Statistics"), "reporting:statistics", Cap.EXPORT, 500, _("Reporting")))

    # Issued documents (notices, receipts, audit trails): the register is auditors' and
    # administrators'; each record page offers its own documents to whoever sees the record.
    from backoffice.workbench.registry import register_list
    from reporting.document_lists import ISSUED_DOCUMENTS

    register_list(ISSUED_DOCUMENTS)
    register_menu(
        MenuEntry(_("Issued documents"), "reporting:documents", Cap.AUDIT_VIEW, 520, _("Reporting"))
    )

    # The Documents (PDF) panel on the usage-request and application pages.
    from backoffice.workbench.registry import register_record_panel
    from reporting.panels import documents_panel

    register_record_panel(documents_panel)
