from django.urls import path

from openness import evaluation_views, flag_views, views

app_name = "openness"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("regions/<str:code>/", views.region, name="region"),
    path("institutions/<slug:code>/", views.institution, name="institution"),
    path("institutions/<slug:code>/report/<int:year>.pdf", views.institution_annual_report, name="annual-report"),
    path("instruments/<slug:code>/", views.instrument, name="instrument"),
    path("flags/<int:pk>/", flag_views.flag_act, name="flag-act"),
    path("public/", views.public_index, name="public"),
    path("public/<slug:code>/", views.public_institution, name="public-institution"),
    path("nrii/instruments.json", views.nrii_instruments, name="nrii-instruments"),
    path("nrii/services.json", views.nrii_services, name="nrii-services"),
    path("rounds/", evaluation_views.rounds, name="rounds"),
    path("rounds/<int:pk>/", evaluation_views.round_detail, name="round"),
    path("rounds/<int:pk>/weights/", evaluation_views.round_weights, name="round-weights"),
    path("rounds/<int:pk>/compute/", evaluation_views.round_compute, name="round-compute"),
    path("rounds/<int:pk>/publish/", evaluation_views.round_publish, name="round-publish"),
]
