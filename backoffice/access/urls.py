from django.urls import path

from backoffice.access import views

app_name = "access"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/otp/", views.otp_view, name="otp"),
    path("login/otp/enrol/", views.otp_enrol_view, name="otp_enrol"),
    path("logout/", views.logout_view, name="logout"),
    path("locked/", views.locked_out_view, name="locked"),
]
