from django.urls import path

from individuals import card_views, views

app_name = "individuals"
urlpatterns = [
    path("agents/register/", views.agent_register, name="agent_register"),
    path("register/", views.register_list, name="register_list"),
    path("register/new/", views.register_create, name="register_create"),
    path("register/import/", views.register_import, name="register_import"),
    path("register/<int:pk>/", views.register_detail, name="register_detail"),
    path("register/<int:pk>/edit/", views.register_edit, name="register_edit"),
    path("card/", card_views.card_start, name="card_start"),
    path("card/nonce/", card_views.nonce, name="card_nonce"),
    path("card/identify/", card_views.identify, name="card_identify"),
    path("card/complete/", card_views.complete, name="card_complete"),
    path("card/register/<str:token>/", card_views.register_details, name="card_register"),
    path("card/login/", card_views.card_login, name="card_login"),
    path("card/continue/<str:token>/", card_views.continue_in_browser, name="card_continue"),
    path("card/relink/", card_views.relink, name="card_relink"),
    path("card/me/", card_views.card_me, name="card_me"),
    path("card/trust/", card_views.trust, name="card_trust"),
]
