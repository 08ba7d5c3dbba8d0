from django.urls import path

from backoffice.workbench import views

app_name = "workbench"
urlpatterns = [
    path("", views.home, name="home"),
    path("activities/", views.my_activities, name="activities"),
    path("activities/<int:pk>/done/", views.activity_done_view, name="activity_done"),
    path("notifications/", views.notifications, name="notifications"),
    path("exports/", views.export_list, name="exports"),
    path("exports/<int:pk>/", views.export_detail, name="export_detail"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
    path("records/<str:target_type>/<str:target_id>/comment/", views.comment_create, name="comment"),
    path(
        "records/<str:target_type>/<str:target_id>/activity/",
        views.activity_create_view,
        name="activity_create",
    ),
]
