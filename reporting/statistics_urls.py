from django.urls import URLPattern, URLResolver, path

from reporting import statistics_views as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.statistics, name="statistics"),
    path("csv/", views.statistics_csv, name="statistics_csv"),
    path("reports/<int:pk>/", views.statistics_report, name="statistics_report"),
    path("reports/rebuild/", views.statistics_rebuild, name="statistics_rebuild"),
]
