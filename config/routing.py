"""WebSocket routes of every app, in one list."""

from booking.routing import websocket_urlpatterns as booking_routes
from telemetry.routing import websocket_urlpatterns as telemetry_routes

websocket_urlpatterns = [*booking_routes, *telemetry_routes]
