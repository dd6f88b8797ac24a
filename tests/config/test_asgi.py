"""The ASGI application: HTTP through Django, WebSockets only from allowed origins."""

import json

import pytest
from channels.testing import HttpCommunicator, WebsocketCommunicator

from config.asgi import application
from tests.helpers import TEST_SETTINGS, manage

# A bound, not a wait: channels' default of 1 s is too short on a busy machine.
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


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_requests_reuse_idle_threads_and_signals_run_in_the_requests_thread():
    """One request after another runs in one thread; requests at once run in threads of
    their own. Each request's started and finished signals run in its thread (where its
    database connection is), not in another."""
    import asyncio
    import threading

    from django.core.signals import request_finished, request_started

    seen: list[tuple[str, int]] = []

    def started(**kwargs):
        seen.append(("started", threading.get_ident()))

    def finished(**kwargs):
        seen.append(("finished", threading.get_ident()))

    async def get():
        communicator = HttpCommunicator(application, "GET", "/api/v1/instruments/", headers=[(b"host", b"127.0.0.1")])
        response = await communicator.get_response(timeout=ANSWER_WITHIN)
        await communicator.wait(ANSWER_WITHIN)
        return response["status"]

    async def one_after_another():
        return [await get() for _ in range(3)]

    async def at_once():
        return await asyncio.gather(*(get() for _ in range(3)))

    request_started.connect(started)
    request_finished.connect(finished)
    try:
        assert asyncio.run(one_after_another()) == [200] * 3
        sequential, seen[:] = list(seen), []
        assert asyncio.run(at_once()) == [200] * 3
        concurrent = list(seen)
    finally:
        request_started.disconnect(started)
        request_finished.disconnect(finished)

    assert [kind for kind, _ in sequential] == ["started", "finished"] * 3
    assert len({thread for _, thread in sequential}) == 1
    assert len({thread for kind, thread in concurrent if kind == "started"}) == 3
    for thread in {thread for _, thread in concurrent}:
        assert [kind for kind, t in concurrent if t == thread] == ["started", "finished"]


def test_a_full_collection_walks_only_what_was_made_after_start_up():
    """The web process loads every view at start-up and freezes what start-up made: the
    garbage collector's full collections under load then walk the objects of the requests,
    not the process's modules and classes too (each walk holds the GIL)."""
    script = (
        "import gc, json, sys\n"
        "import config.asgi\n"
        "print(json.dumps({'frozen': gc.get_freeze_count(), 'walked': len(gc.get_objects()),\n"
        "                  'views': 'booking.api' in sys.modules and 'openness.views' in sys.modules}))\n"
    )
    done = manage("shell", "-c", script, **TEST_SETTINGS)
    assert done.returncode == 0, done.stderr
    state = json.loads(done.stdout.splitlines()[-1])
    assert state["views"]
    assert state["frozen"] > 20 * state["walked"], state
