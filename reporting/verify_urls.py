"""Mounted at the top level (/verify/), not namespaced: the names carry a ``verify_`` prefix."""

from django.urls import URLPattern, URLResolver, path

from reporting import verify_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", verify_views.verify_index, name="verify_index"),
    path("<str:number>/", verify_views.verify_document, name="verify_document"),
]
