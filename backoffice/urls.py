from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from backoffice.access.decorators import public

urlpatterns = [
    path("", include("backoffice.workbench.urls")),
    path("accounts/", include("backoffice.access.urls")),
    path("audit/", include("backoffice.audit.urls")),
    path("institutions/", include("institutions.urls")),
    path("reviews/", include("reviews.urls")),
    path("usage-requests/", include("usage_requests.urls")),
    path("individuals/", include("individuals.urls")),
    path("applications/", include("applications.urls")),
    path("api/", include("applications.api.urls")),
    path("reporting/", include("reporting.urls")),
    path("verify/", include("reporting.verify_urls")),
    path("i18n/setlang/", public(set_language), name="set_language"),
    path("admin/", admin.site.urls),
]
