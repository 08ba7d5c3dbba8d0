"""Bulk input (一括) pages; see applications/bulk/."""

from django.urls import path

from applications.bulk import views

urlpatterns = [
    path("", views.bulk, name="bulk"),
    path("template/<str:procedure>/<str:file_format>/", views.bulk_template, name="bulk_template"),
    path("<int:pk>/", views.bulk_detail, name="bulk_detail"),
    path("<int:pk>/commit/", views.bulk_commit, name="bulk_commit"),
    path("<int:pk>/errors.csv", views.bulk_errors, name="bulk_errors"),
]
