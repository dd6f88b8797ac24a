"""The ASGI application: HTTP through Django, WebSockets only from allowed origins."""

import pytest
from channels.testing import HttpCommunicator, WebsocketCommunicator

from config.asgi import application

# A bound, not a wait: the first request of a process imports every view (channels' default is 1 s).
ANSWER_WITHIN = 30  # seconds


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_http_is_served_through_the_asgi_application():
    communicator = HttpCommunicator(application, "GET", "/api/v1/instruments/", headers=[(b"host", b"127.0.0.1")])
    response = await communicator.get_response(timeout=ANSWER_WITHIN)
    assert response["status"] == 200


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_websocket_from_a_foreign_origin_is_refused():
    communicator = WebsocketCommunicator(application, "/ws/anything/", headers=[(b"origin", b"https://evil.example")])
    connected, _ = await communicator.connect()
    assert not connected


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_every_middleware_answers_through_the_asgi_application():
    """From the first (the request id) to the last (clickjacking), each middleware's mark is
    on the answer, and a request without credentials is refused by the API itself."""
    communicator = HttpCommunicator(application, "GET", "/api/v1/reservations/", headers=[(b"host", b"127.0.0.1")])
    response = await communicator.get_response(timeout=ANSWER_WITHIN)
    headers = {name.decode().lower(): value.decode() for name, value in response["headers"]}
    assert response["status"] == 401  # the API's own refusal, not a crash
    assert headers["x-request-id"] and headers["x-frame-options"] == "DENY"
    assert "content-security-policy" in headers


def test_the_middleware_and_the_view_run_as_one_synchronous_call():
    """One crossing from the event loop into the request's thread, not one per middleware."""
    from asgiref.sync import iscoroutinefunction

    from config.asgi import django_asgi_app

    assert not iscoroutinefunction(django_asgi_app._middleware_chain)
