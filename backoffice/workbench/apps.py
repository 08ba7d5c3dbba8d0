from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkbenchConfig(AppConfig):
    name = "backoffice.workbench"
    label = "workbench"
    verbose_name = _("Workbench")

    def ready(self) -> None:
        from backoffice.access.roles import Cap
        from backoffice.workbench.registry import MenuEntry, register_menu

        register_menu(MenuEntry(_("Home"), "workbench:home", Cap.WORKBENCH, order=0))
        register_menu(MenuEntry(_("My activities"), "workbench:activities", Cap.ACTIVITY_MANAGE, order=10))
        register_menu(MenuEntry(_("My exports"), "workbench:exports", Cap.EXPORT, order=800))
