from django.urls import path

from telemetry import views

app_name = "telemetry"
urlpatterns = [
    path("gateways/", views.gateways, name="gateways"),
    path("gateways/<slug:code>/", views.gateway, name="gateway"),
    path("gateways/<slug:code>/<str:action>/", views.gateway_action, name="gateway-action"),
    path("labs/<int:pk>/", views.lab_dashboard, name="lab"),
    path("institutions/<int:pk>/", views.institution_dashboard, name="institution"),
    path("instruments/<int:pk>/status/", views.instrument_status, name="instrument-status"),
    path("ingest/", views.ingest, name="ingest"),
]
