from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Reviews")

    def ready(self) -> None:
        from backoffice.access.roles import Cap
        from backoffice.workbench.registry import MenuEntry, register_menu

        register_menu(
            MenuEntry(_("Eligibility check"), "reviews:what_if", Cap.ELIGIBILITY_CHECK, 300, _("Reviews"))
        )
