from django.urls import path

from openness import flag_views, views

app_name = "openness"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("regions/<str:code>/", views.region, name="region"),
    path("institutions/<slug:code>/", views.institution, name="institution"),
    path("instruments/<slug:code>/", views.instrument, name="instrument"),
    path("flags/<int:pk>/", flag_views.flag_act, name="flag-act"),
    path("public/", views.public_index, name="public"),
    path("public/<slug:code>/", views.public_institution, name="public-institution"),
    path("nrii/instruments.json", views.nrii_instruments, name="nrii-instruments"),
    path("nrii/services.json", views.nrii_services, name="nrii-services"),
]
