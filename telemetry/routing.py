from django.urls import re_path

from telemetry import consumers

websocket_urlpatterns = [
    re_path(r"^ws/status/(?P<kind>instrument|lab|institution)/(?P<pk>\d+)/$", consumers.StatusConsumer.as_asgi()),
]
