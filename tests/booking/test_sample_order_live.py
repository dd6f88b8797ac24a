"""A lab manager's inbox follows sample orders live, on the same socket as booking requests,
through the in-memory and the Redis channel layer alike."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from booking import samples
from config.asgi import application
from tests import factories as f
from tests.booking import sample_helpers as h

# serialized_rollback: the flush after a transactional test must keep the seeded regions.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
ORIGIN = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]


@pytest.fixture(params=["in-memory", "redis"])
def channel_layer(request, settings):
    if request.param == "redis":
        server = request.getfixturevalue("redis_server")
        settings.CHANNEL_LAYERS = {
            "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [server.url]}}
        }
    return request.param


async def _logged_in_headers(user) -> list:
    from django.test import Client

    client = Client()
    await database_sync_to_async(client.force_login)(user)
    return [*ORIGIN, (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())]


async def inbox_socket(user) -> WebsocketCommunicator:
    socket = WebsocketCommunicator(application, "/ws/inbox/", headers=await _logged_in_headers(user))
    connected, _ = await socket.connect()
    assert connected
    return socket


def orders(snapshot) -> list[tuple[int, str]]:
    return [(o["id"], o["status"]) for o in snapshot["sample_orders"]]


async def test_the_inbox_follows_a_sample_order_from_order_to_results(channel_layer):
    instrument = await database_sync_to_async(f.bookable)()
    manager = await database_sync_to_async(f.lab_manager)(instrument.lab)
    socket = await inbox_socket(manager)
    assert orders(await socket.receive_json_from(timeout=5)) == []

    order = await database_sync_to_async(h.order)(instrument)
    snapshot = await socket.receive_json_from(timeout=5)
    assert orders(snapshot) == [(order.pk, "pending")] and snapshot["sample_orders"][0]["samples"] == 3

    await database_sync_to_async(samples.sample_order_accept)(order=order, by=manager)
    assert orders(await socket.receive_json_from(timeout=5)) == [(order.pk, "accepted")]

    await database_sync_to_async(samples.sample_order_complete)(order=order, by=manager, results_file=h.upload())
    assert orders(await socket.receive_json_from(timeout=5)) == []
    await socket.disconnect()


async def test_a_customers_cancellation_reaches_the_inbox(channel_layer):
    instrument = await database_sync_to_async(f.bookable)()
    manager = await database_sync_to_async(f.lab_manager)(instrument.lab)
    order = await database_sync_to_async(h.order)(instrument)
    socket = await inbox_socket(manager)
    assert orders(await socket.receive_json_from(timeout=5)) == [(order.pk, "pending")]
    await database_sync_to_async(samples.sample_order_cancel)(order=order, by=order.requester, reason="不测了")
    assert orders(await socket.receive_json_from(timeout=5)) == []
    await socket.disconnect()


async def test_another_labs_inbox_stays_quiet():
    instrument = await database_sync_to_async(f.bookable)()
    other_manager = await database_sync_to_async(f.lab_manager)()
    socket = await inbox_socket(other_manager)
    await socket.receive_json_from(timeout=5)
    await database_sync_to_async(h.order)(instrument)
    assert await socket.receive_nothing(timeout=0.5)
    await socket.disconnect()


async def test_the_instrument_calendar_ignores_sample_orders():
    """Sample orders take no time on the calendar: its socket gets no hint and stays open."""
    instrument = await database_sync_to_async(f.bookable)()
    socket = WebsocketCommunicator(application, f"/ws/instruments/{instrument.pk}/calendar/", headers=ORIGIN)
    await socket.connect()
    await socket.receive_json_from(timeout=5)
    await database_sync_to_async(h.order)(instrument)
    assert await socket.receive_nothing(timeout=0.5)
    await socket.send_json_to({"type": "ping"})
    assert (await socket.receive_json_from(timeout=5))["type"] == "calendar"
    await socket.disconnect()
