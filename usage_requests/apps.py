from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UsageRequestsConfig(AppConfig):
    name = "usage_requests"
    verbose_name = _("Usage requests")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.urls import reverse

        from backoffice.access.roles import Cap
        from backoffice.workbench.registry import (
            MenuEntry,
            RecordKind,
            register_list,
            register_menu,
            register_record_kind,
        )
        from usage_requests import selectors
        from usage_requests.id_lists import AUTH_IDS, REVOCATIONS
        from usage_requests.lists import USAGE_REQUESTS
        from usage_requests.models import UsageRequest

        user_logged_in.connect(_remember_auth_id, dispatch_uid="zairyu_remember_auth_id")
        register_list(USAGE_REQUESTS)
        register_list(AUTH_IDS)
        register_list(REVOCATIONS)
        register_menu(
            MenuEntry(
                _("Usage requests"), "usage_requests:list", Cap.USAGE_REQUEST_VIEW, 200, _("Usage requests")
            )
        )
        register_menu(
            MenuEntry(
                _("Authentication IDs"),
                "usage_requests:auth_ids",
                Cap.USAGE_REQUEST_VIEW,
                210,
                _("Usage requests"),
            )
        )
        register_menu(
            MenuEntry(
                _("Revocations"),
                "usage_requests:revocations",
                Cap.USAGE_REQUEST_VIEW,
                220,
                _("Usage requests"),
            )
        )
        register_record_kind(
            RecordKind(
                model=UsageRequest,
                get_for_user=lambda user, pk: selectors.usage_request_get_for(user=user, pk=pk),
                url_of=lambda obj: reverse("usage_requests:detail", args=[obj.pk]),
                institution_id_of=lambda obj: obj.institution_id,
                can_change=lambda user, obj: False,
            )
        )


def _remember_auth_id(sender: object, request: object, user: object, **kwargs: object) -> None:
    from usage_requests.middleware import SESSION_KEY

    pk = getattr(request, "zairyu_auth_id", None)
    if pk is not None:
        request.session[SESSION_KEY] = pk  # type: ignore[attr-defined]
