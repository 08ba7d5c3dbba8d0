from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("Residence applications")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.urls import reverse

        from applications import selectors
        from applications.backends import remember_fallback
        from applications.lists import APPLICATIONS
        from applications.models import Application
        from backoffice.access.roles import Cap
        from backoffice.workbench.registry import (
            MenuEntry,
            RecordKind,
            register_list,
            register_menu,
            register_record_kind,
        )

        user_logged_in.connect(remember_fallback, dispatch_uid="zairyu_card_fallback")
        register_list(APPLICATIONS)
        register_menu(MenuEntry(_("Residence applications"), "applications:list", Cap.APPLICATION_VIEW, 250))
        register_menu(
            MenuEntry(_("API service operators"), "applications:operators", Cap.API_OPERATOR_MANAGE, 420)
        )
        register_record_kind(
            RecordKind(
                model=Application,
                get_for_user=lambda user, pk: selectors.application_get_for(user=user, pk=pk),
                url_of=lambda obj: reverse("applications:detail", args=[obj.pk]),
                institution_id_of=lambda obj: obj.institution_id,
                can_change=lambda user, obj: False,
            )
        )
