from django.urls import include, path

app_name = "reporting"

urlpatterns = [
    path("documents/", include("reporting.document_urls")),
    path("statistics/", include("reporting.statistics_urls")),
]
