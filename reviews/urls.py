from django.urls import path

from reviews import views

app_name = "reviews"
urlpatterns = [path("eligibility/", views.what_if, name="what_if")]
