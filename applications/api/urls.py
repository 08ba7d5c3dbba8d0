from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from applications.api import views
from backoffice.access.decorators import public

# The API authenticates operators itself (applications.api.framework); the session-based access
# policy does not apply to it, and the schema and its browsable docs are public documentation.
urlpatterns = [
    path("v1/ping", public(views.Ping.as_view()), name="api_ping"),
    path("schema/", public(SpectacularAPIView.as_view()), name="api_schema"),
    path("docs/", public(SpectacularSwaggerView.as_view(url_name="api_schema")), name="api_docs"),
]
