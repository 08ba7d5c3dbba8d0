from django.urls import path

from usage_requests import delegation_views, intake_views, password_views, pledge_views, views, wizard_views

app_name = "usage_requests"
urlpatterns = [
    path("", views.request_list, name="list"),
    path("new/", views.request_create, name="create"),
    path("auth-ids/", views.auth_id_list, name="auth_ids"),
    path("revocations/", views.revocation_list, name="revocations"),
    path("paper/", intake_views.record_paper, name="record_paper"),
    path("<int:pk>/", views.request_detail, name="detail"),
    path("<int:pk>/file/<str:step>/", wizard_views.file_step, name="file"),
    path("<int:pk>/transition/<str:name>/", views.request_transition, name="transition"),
    path("<int:pk>/settle/", views.request_settle, name="settle"),
    path("<int:pk>/revoke-id/", views.revoke_id, name="revoke_id"),
    path("<int:pk>/documents/", views.document_upload, name="document_upload"),
    path("<int:pk>/documents/<int:document_id>/", views.document_download, name="document"),
    path("<int:pk>/documents/<int:document_id>/delete/", views.document_delete, name="document_delete"),
    path("<int:pk>/pledge.pdf", pledge_views.pledge_download, name="pledge"),
    path("set-password/<str:token>/", password_views.set_password, name="set_password"),
    path("password/", password_views.change_password, name="change_password"),
    path("delegations/", delegation_views.delegation_list, name="delegations"),
    path("delegations/<int:pk>/withdraw/", delegation_views.delegation_withdraw, name="delegation_withdraw"),
]
