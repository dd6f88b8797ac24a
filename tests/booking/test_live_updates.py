"""WebSocket calendars and inboxes follow the database, through the in-memory and the
Redis channel layer alike, and resync on reconnect."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from booking import services
from config.asgi import application
from tests import factories as f
from tests.booking.helpers import at, book

# serialized_rollback: the flush after a transactional test must keep the seeded regions.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
ORIGIN = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]


def calendar_socket(instrument, window_day=2):
    return WebsocketCommunicator(application, f"/ws/instruments/{instrument.pk}/calendar/", headers=ORIGIN)


async def watch(socket, days=(1, 6)):
    await socket.send_json_to({"type": "watch", "from": at(days[0], 0).isoformat(), "to": at(days[1], 0).isoformat()})
    return await socket.receive_json_from(timeout=5)


def busy(snapshot) -> list[tuple[str, str]]:
    return [(s["start"][11:16], s["end"][11:16]) for s in snapshot["busy"]]


@pytest.fixture(params=["in-memory", "redis"])
def channel_layer(request, settings):
    if request.param == "redis":
        server = request.getfixturevalue("redis_server")
        settings.CHANNEL_LAYERS = {
            "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [server.url]}}
        }
    return request.param


async def test_calendar_updates_when_a_slot_is_booked_approved_and_freed(channel_layer):
    instrument = await database_sync_to_async(f.bookable)()
    manager = await database_sync_to_async(f.lab_manager)(instrument.lab)
    socket = calendar_socket(instrument)
    connected, _ = await socket.connect()
    assert connected
    first = await socket.receive_json_from(timeout=5)
    assert first["type"] == "calendar" and first["busy"] == []
    assert busy(await watch(socket)) == []

    reservation = await database_sync_to_async(book)(instrument, start=at(2, 10), end=at(2, 12))
    booked = await socket.receive_json_from(timeout=5)
    assert busy(booked) == [("10:00", "12:00")]
    assert reservation.requester.username not in str(booked)  # outsiders never see who booked

    await database_sync_to_async(services.reservation_approve)(reservation=reservation, by=manager)
    assert busy(await socket.receive_json_from(timeout=5)) == [("10:00", "12:00")]

    await database_sync_to_async(services.reservation_cancel)(reservation=reservation, by=manager, reason="故障")
    assert busy(await socket.receive_json_from(timeout=5)) == []
    await socket.disconnect()


async def test_rejection_frees_the_slot_live(channel_layer):
    instrument = await database_sync_to_async(f.bookable)()
    manager = await database_sync_to_async(f.lab_manager)(instrument.lab)
    reservation = await database_sync_to_async(book)(instrument, start=at(2, 10), end=at(2, 12))
    socket = calendar_socket(instrument)
    await socket.connect()
    await socket.receive_json_from(timeout=5)
    assert busy(await watch(socket)) == [("10:00", "12:00")]
    await database_sync_to_async(services.reservation_reject)(reservation=reservation, by=manager, reason="维修")
    assert busy(await socket.receive_json_from(timeout=5)) == []
    await socket.disconnect()


async def test_a_reconnecting_client_resyncs_from_the_database():
    instrument = await database_sync_to_async(f.bookable)()
    socket = calendar_socket(instrument)
    await socket.connect()
    await socket.receive_json_from(timeout=5)
    await socket.disconnect()
    await database_sync_to_async(book)(instrument, start=at(2, 14), end=at(2, 15))  # missed while away
    again = calendar_socket(instrument)
    await again.connect()
    await again.receive_json_from(timeout=5)
    assert busy(await watch(again)) == [("14:00", "15:00")]
    await again.disconnect()


async def test_unknown_instrument_is_refused():
    socket = WebsocketCommunicator(application, "/ws/instruments/999999/calendar/", headers=ORIGIN)
    connected, _ = await socket.connect()
    assert not connected


async def _logged_in_headers(user) -> list:
    from django.test import Client

    client = Client()
    await database_sync_to_async(client.force_login)(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    return [*ORIGIN, (b"cookie", cookie)]


async def test_inbox_updates_without_reload(channel_layer):
    instrument = await database_sync_to_async(f.bookable)()
    manager = await database_sync_to_async(f.lab_manager)(instrument.lab)
    socket = WebsocketCommunicator(application, "/ws/inbox/", headers=await _logged_in_headers(manager))
    connected, _ = await socket.connect()
    assert connected
    assert (await socket.receive_json_from(timeout=5))["pending"] == []

    reservation = await database_sync_to_async(book)(instrument)
    snapshot = await socket.receive_json_from(timeout=5)
    assert [p["id"] for p in snapshot["pending"]] == [reservation.pk]

    await database_sync_to_async(services.reservation_approve)(reservation=reservation, by=manager)
    assert (await socket.receive_json_from(timeout=5))["pending"] == []
    await socket.disconnect()


async def test_inbox_of_another_lab_stays_quiet():
    instrument = await database_sync_to_async(f.bookable)()
    other_manager = await database_sync_to_async(f.lab_manager)()
    socket = WebsocketCommunicator(application, "/ws/inbox/", headers=await _logged_in_headers(other_manager))
    await socket.connect()
    await socket.receive_json_from(timeout=5)
    await database_sync_to_async(book)(instrument)
    assert await socket.receive_nothing(timeout=0.5)
    await socket.disconnect()


@pytest.mark.parametrize("who", ["anonymous", "member"])
async def test_inbox_is_refused_to_non_managers(who):
    headers = ORIGIN
    if who == "member":
        headers = await _logged_in_headers(await database_sync_to_async(f.UserFactory)())
    socket = WebsocketCommunicator(application, "/ws/inbox/", headers=headers)
    connected, _ = await socket.connect()
    assert not connected


async def test_foreign_origin_cannot_open_the_inbox():
    manager = await database_sync_to_async(f.lab_manager)()
    headers = [(b"origin", b"https://evil.example"), *(await _logged_in_headers(manager))[1:]]
    socket = WebsocketCommunicator(application, "/ws/inbox/", headers=headers)
    connected, _ = await socket.connect()
    assert not connected
