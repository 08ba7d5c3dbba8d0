from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndividualsConfig(AppConfig):
    name = "individuals"
    verbose_name = _("Individual users")

    def ready(self) -> None:
        from django.urls import reverse

        from backoffice.access.roles import Cap
        from backoffice.workbench.registry import (
            MenuEntry,
            RecordKind,
            register_list,
            register_menu,
            register_record_kind,
        )
        from individuals import selectors
        from individuals.lists import REGISTER
        from individuals.models import AgentRegisterEntry

        register_list(REGISTER)
        register_menu(
            MenuEntry(
                _("Notified lawyers and gyoseishoshi"),
                "individuals:register_list",
                Cap.AGENT_REGISTER_VIEW,
                300,
                _("Individual users"),
            )
        )
        register_menu(
            MenuEntry(
                _("My Number Card: trust anchors and CRLs"),
                "individuals:card_trust",
                Cap.JPKI_TRUST_MANAGE,
                310,
                _("Individual users"),
            )
        )
        register_record_kind(
            RecordKind(
                model=AgentRegisterEntry,
                get_for_user=lambda user, pk: selectors.register_entry_get_for(user=user, pk=pk),
                url_of=lambda obj: reverse("individuals:register_detail", args=[obj.pk]),
                institution_id_of=lambda obj: None,
                can_change=lambda user, obj: selectors.register_entry_can_change(user=user, entry=obj),
            )
        )
