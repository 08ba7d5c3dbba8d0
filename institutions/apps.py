from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InstitutionsConfig(AppConfig):
    name = "institutions"
    verbose_name = _("Institutions registry")

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
        from institutions import selectors
        from institutions.entities import ENTITIES
        from institutions.lists import ALL_LISTS
        from institutions.models import Institution

        for spec in ALL_LISTS:
            register_list(spec)
        register_menu(
            MenuEntry(_("Institutions"), "institutions:list", Cap.INSTITUTION_VIEW, 100, _("Registry"))
        )
        order = 110
        for key, entity in ENTITIES.items():
            register_menu(
                MenuEntry(
                    entity.spec.title, f"institutions:{key}_list", Cap.INSTITUTION_VIEW, order, _("Registry")
                )
            )
            order += 10

        register_record_kind(
            RecordKind(
                model=Institution,
                get_for_user=lambda user, pk: selectors.institution_get_for(user=user, pk=pk),
                url_of=lambda obj: reverse("institutions:detail", args=[obj.pk]),
                institution_id_of=lambda obj: obj.pk,
                can_change=lambda user, obj: selectors.institution_can_change(user=user, institution=obj),
            )
        )
        for key, entity in ENTITIES.items():
            register_record_kind(_entity_kind(key, entity))


def _entity_kind(key, entity):  # type: ignore[no-untyped-def]
    from django.http import Http404
    from django.urls import reverse

    from backoffice.workbench.registry import RecordKind
    from institutions import selectors

    def get_for_user(user, pk):  # type: ignore[no-untyped-def]
        try:
            return entity.visible(user=user).get(pk=pk)
        except (entity.model.DoesNotExist, ValueError) as exc:
            raise Http404 from exc

    return RecordKind(
        model=entity.model,
        get_for_user=get_for_user,
        url_of=lambda obj: reverse(f"institutions:{key}_detail", args=[obj.pk]),
        institution_id_of=lambda obj: entity.institution_of(obj).pk,
        can_change=lambda user, obj: selectors.institution_can_change(
            user=user, institution=entity.institution_of(obj)
        ),
    )
