from django.urls import path

from backoffice.access.decorators import requires
from backoffice.access.roles import Cap
from institutions import views
from institutions.entities import ENTITIES

app_name = "institutions"
urlpatterns = [
    path("", views.institution_list, name="list"),
    path("new/", views.institution_create, name="create"),
    path("<int:pk>/", views.institution_detail, name="detail"),
    path("<int:pk>/edit/", views.institution_edit, name="edit"),
    path("<int:pk>/transition/<str:name>/", views.institution_transition, name="transition"),
]


def _bind(view, key, capability):  # type: ignore[no-untyped-def]
    def bound(request, *args, **kwargs):  # type: ignore[no-untyped-def]
        return view(request, key, *args, **kwargs)

    bound.__name__ = f"{view.__name__}_{key}"
    return requires(capability)(bound)


for _key, _entity in ENTITIES.items():
    urlpatterns += [
        path(f"{_key}s/", _bind(views.entity_list, _key, Cap.INSTITUTION_VIEW), name=f"{_key}_list"),
        path(
            f"{_key}s/new/", _bind(views.entity_form, _key, _entity.change_capability), name=f"{_key}_create"
        ),
        path(
            f"{_key}s/<int:pk>/",
            _bind(views.entity_detail, _key, Cap.INSTITUTION_VIEW),
            name=f"{_key}_detail",
        ),
        path(
            f"{_key}s/<int:pk>/edit/",
            _bind(views.entity_form, _key, _entity.change_capability),
            name=f"{_key}_edit",
        ),
        path(
            f"{_key}s/<int:pk>/delete/",
            _bind(views.entity_delete, _key, _entity.change_capability),
            name=f"{_key}_delete",
        ),
    ]
