from django.urls import include, path

from applications import views

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
]
