from django.urls import URLPattern, URLResolver, path

from reporting import document_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", document_views.document_list, name="documents"),
    path(
        "issue/<str:subject>/<int:pk>/<str:kind>/<str:language>/",
        document_views.document_issue,
        name="document_issue",
    ),
    path("<str:number>/", document_views.document_detail, name="document"),
    path("<str:number>/pdf/", document_views.document_pdf, name="document_pdf"),
]
