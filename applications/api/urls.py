from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from applications.api import views
from backoffice.access.decorators import public

# The API authenticates operators itself (applications.api.framework); the session-based access
# policy does not apply to it, and the schema and its browsable docs are public documentation.
urlpatterns = [
    path("v1/ping", public(views.Ping.as_view()), name="api_ping"),
    path("v1/applications", public(views.Applications.as_view()), name="api_applications"),
    path("v1/applications/<str:number>", public(views.ApplicationDetail.as_view()), name="api_application"),
    path(
        "v1/applications/<str:number>/supplement",
        public(views.SupplementAnswer.as_view()),
        name="api_supplement",
    ),
    path("schema/", public(SpectacularAPIView.as_view()), name="api_schema"),
    path("docs/", public(SpectacularSwaggerView.as_view(url_name="api_schema")), name="api_docs"),
    # Anything else under /api/ (a trailing slash, an unknown version): a problem document, not HTML.
    re_path(r"^.*$", public(views.unknown_path), name="api_unknown"),
]
