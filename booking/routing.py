from django.urls import path

from booking import consumers

websocket_urlpatterns = [
    path("ws/instruments/<int:pk>/calendar/", consumers.InstrumentCalendarConsumer.as_asgi()),
    path("ws/inbox/", consumers.InboxConsumer.as_asgi()),
]
