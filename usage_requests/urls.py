from django.urls import path

from usage_requests import views

app_name = "usage_requests"
urlpatterns = [
    path("", views.request_list, name="list"),
    path("new/", views.request_create, name="create"),
    path("<int:pk>/", views.request_detail, name="detail"),
    path("<int:pk>/transition/<str:name>/", views.request_transition, name="transition"),
    path("<int:pk>/settle/", views.request_settle, name="settle"),
    path("<int:pk>/revoke-id/", views.revoke_id, name="revoke_id"),
    path("<int:pk>/documents/", views.document_upload, name="document_upload"),
    path("<int:pk>/documents/<int:document_id>/", views.document_download, name="document"),
    path("<int:pk>/documents/<int:document_id>/delete/", views.document_delete, name="document_delete"),
    path("set-password/<str:token>/", views.set_password, name="set_password"),
]
