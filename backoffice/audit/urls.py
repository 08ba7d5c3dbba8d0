from django.urls import path

from backoffice.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.event_list, name="events"),
    path("verify/", views.verify_page, name="verify"),
]
