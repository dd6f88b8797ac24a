"""The ASGI application: HTTP through Django, WebSockets only from allowed origins."""

import pytest
from channels.testing import HttpCommunicator, WebsocketCommunicator

from config.asgi import application


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_http_is_served_through_the_asgi_application():
    communicator = HttpCommunicator(application, "GET", "/api/v1/instruments/", headers=[(b"host", b"127.0.0.1")])
    response = await communicator.get_response()
    assert response["status"] == 200


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_websocket_from_a_foreign_origin_is_refused():
    communicator = WebsocketCommunicator(application, "/ws/anything/", headers=[(b"origin", b"https://evil.example")])
    connected, _ = await communicator.connect()
    assert not connected
