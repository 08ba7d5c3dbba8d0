from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "backoffice.audit"
    label = "audit"
    verbose_name = _("Audit log")

    def ready(self) -> None:
        from backoffice.access.roles import Cap
        from backoffice.audit.lists import AUDIT_EVENTS
        from backoffice.workbench.registry import MenuEntry, register_list, register_menu

        register_list(AUDIT_EVENTS)
        register_menu(MenuEntry(_("Audit log"), "audit:events", Cap.AUDIT_VIEW, order=900))
        register_menu(MenuEntry(_("Verify audit chains"), "audit:verify", Cap.AUDIT_VERIFY, order=910))
