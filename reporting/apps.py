from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    """Reporting (報告・帳票): issued PDF documents and their verification, statistics and
    the monthly report."""

    name = "reporting"
    verbose_name = _("Reporting")

    def ready(self) -> None:
        from reporting import menu

        menu.register()
