from django.urls import include, path

from applications import api_views, views

app_name = "applications"

urlpatterns = [
    path("", views.application_list, name="list"),
    path("new/", views.application_new, name="new"),
    path("matrix/", views.permission_matrix, name="matrix"),
    path("bulk/", include("applications.bulk_urls")),
    path("<int:pk>/", views.application_detail, name="detail"),
    path("<int:pk>/step/<str:name>/", views.application_step, name="step"),
    path("<int:pk>/submit/", views.filing_submit, name="submit"),
    path("<int:pk>/attach/", views.attachment_upload, name="attach"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path("<int:pk>/supplement/", views.supplement_request, name="supplement_request"),
    path("<int:pk>/supplement/answer/", views.supplement_answer, name="supplement_answer"),
    path("<int:pk>/fee/", views.fee_confirm, name="fee_confirm"),
    path("<int:pk>/mail/", views.card_mail, name="card_mail"),
    path("operators/", api_views.operator_list, name="operators"),
    path("operators/new/", api_views.operator_new, name="operator_new"),
    path("operators/<int:pk>/", api_views.operator_detail, name="operator"),
    path("operators/<int:pk>/status/", api_views.operator_status, name="operator_status"),
    path("operators/<int:pk>/credentials/", api_views.credential_issue, name="credential_issue"),
    path(
        "operators/<int:pk>/credentials/<int:credential_id>/revoke/",
        api_views.credential_revoke,
        name="credential_revoke",
    ),
]
