"""A user's open sockets close (4403) the moment the user is deactivated, deleted or
stops managing their labs, through the in-memory and the Redis channel layer alike;
other users' sockets stay open."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from accounts import services as accounts_services
from accounts.live import ACCESS_REVOKED
from accounts.models import User
from config.asgi import application
from instruments import services as instrument_services
from tests import factories as f
from tests.booking.helpers import book

# serialized_rollback: the flush after a transactional test must keep the seeded regions.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
ORIGIN = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
CLOSED = {"type": "websocket.close", "code": ACCESS_REVOKED}


@pytest.fixture(params=["in-memory", "redis"])
def channel_layer(request, settings):
    if request.param == "redis":
        server = request.getfixturevalue("redis_server")
        settings.CHANNEL_LAYERS = {
            "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [server.url]}}
        }
    return request.param


async def open_socket(user, path: str) -> WebsocketCommunicator:
    client = Client()
    await database_sync_to_async(client.force_login)(user)
    headers = [*ORIGIN, (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())]
    socket = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await socket.connect()
    assert connected
    await socket.receive_json_from(timeout=5)  # the first snapshot
    return socket


def two_managers():
    instrument = f.bookable()
    return instrument, f.lab_manager(instrument.lab), f.lab_manager(instrument.lab)


async def assert_still_open(socket, instrument) -> None:
    """A change in the lab still reaches the socket."""
    await database_sync_to_async(book)(instrument)
    assert (await socket.receive_json_from(timeout=5))["type"] == "inbox"
    await socket.disconnect()


def deactivate(user: User) -> None:
    user.is_active = False
    user.save()


async def test_a_deactivated_managers_inbox_closes_and_the_other_stays_open(channel_layer):
    instrument, manager, colleague = await database_sync_to_async(two_managers)()
    socket, other = await open_socket(manager, "/ws/inbox/"), await open_socket(colleague, "/ws/inbox/")
    await database_sync_to_async(deactivate)(manager)
    assert await socket.receive_output(timeout=5) == CLOSED
    await assert_still_open(other, instrument)


async def test_an_inbox_closes_when_its_user_is_no_longer_a_lab_manager(channel_layer):
    instrument, manager, colleague = await database_sync_to_async(two_managers)()
    socket, other = await open_socket(manager, "/ws/inbox/"), await open_socket(colleague, "/ws/inbox/")
    await database_sync_to_async(instrument_services.lab_set_managers)(
        lab=instrument.lab, managers=[colleague], by=None
    )
    assert await socket.receive_output(timeout=5) == CLOSED
    await assert_still_open(other, instrument)


async def test_a_deleted_managers_inbox_closes():
    instrument, manager, colleague = await database_sync_to_async(two_managers)()
    socket, other = await open_socket(manager, "/ws/inbox/"), await open_socket(colleague, "/ws/inbox/")
    await database_sync_to_async(manager.delete)()
    assert await socket.receive_output(timeout=5) == CLOSED
    await assert_still_open(other, instrument)


async def test_an_org_admin_deactivating_a_member_closes_their_inbox():
    instrument, manager, _colleague = await database_sync_to_async(two_managers)()
    admin = await database_sync_to_async(f.org_admin)(instrument.lab.institution)
    socket = await open_socket(manager, "/ws/inbox/")
    await database_sync_to_async(accounts_services.member_update)(
        member=manager, role=User.Role.MEMBER, active=False, by=admin
    )
    assert await socket.receive_output(timeout=5) == CLOSED


async def test_a_manager_of_two_labs_keeps_the_inbox_of_the_one_left():
    kept, removed = await database_sync_to_async(f.bookable)(), await database_sync_to_async(f.bookable)()

    def manager_of_both() -> User:
        removed.lab.institution = kept.lab.institution
        removed.lab.save()
        user = f.lab_manager(kept.lab)
        removed.lab.managers.add(user)
        return user

    manager = await database_sync_to_async(manager_of_both)()
    socket = await open_socket(manager, "/ws/inbox/")
    await database_sync_to_async(removed.lab.managers.remove)(manager)
    assert (await socket.receive_json_from(timeout=5))["type"] == "inbox"  # resent, still open
    await database_sync_to_async(book)(removed)
    assert await socket.receive_nothing(timeout=0.5)  # the lab left no longer reaches it
    reservation = await database_sync_to_async(book)(kept)
    assert [p["id"] for p in (await socket.receive_json_from(timeout=5))["pending"]] == [reservation.pk]
    await socket.disconnect()


async def test_a_lost_message_still_sends_a_deactivated_user_nothing():
    """Deactivated without the signal (a bulk update): the next change in the lab closes
    the inbox instead of showing it the new request."""
    instrument, manager, _colleague = await database_sync_to_async(two_managers)()
    socket = await open_socket(manager, "/ws/inbox/")
    await database_sync_to_async(User.objects.filter(pk=manager.pk).update)(is_active=False)
    await database_sync_to_async(book)(instrument)
    assert await socket.receive_output(timeout=5) == CLOSED


async def test_a_deactivated_users_status_socket_and_calendar_close(channel_layer):
    instrument, manager, colleague = await database_sync_to_async(two_managers)()
    status = await open_socket(manager, f"/ws/status/lab/{instrument.lab_id}/")
    calendar = await open_socket(manager, f"/ws/instruments/{instrument.pk}/calendar/")
    others = await open_socket(colleague, f"/ws/status/lab/{instrument.lab_id}/")
    await database_sync_to_async(deactivate)(manager)
    assert await status.receive_output(timeout=5) == CLOSED
    assert await calendar.receive_output(timeout=5) == CLOSED
    await others.send_json_to({})  # any message asks for a resync: answered, so still open
    assert (await others.receive_json_from(timeout=5))["type"] == "status"
    await others.disconnect()


async def test_a_former_managers_lab_status_closes_but_a_regulators_stays_open():
    instrument, manager, _colleague = await database_sync_to_async(two_managers)()
    regulator = await database_sync_to_async(f.regulator)("320000")
    status = await open_socket(manager, f"/ws/status/lab/{instrument.lab_id}/")
    watching = await open_socket(regulator, f"/ws/status/lab/{instrument.lab_id}/")
    await database_sync_to_async(instrument.lab.managers.remove)(manager)
    assert await status.receive_output(timeout=5) == CLOSED
    await watching.send_json_to({})
    assert (await watching.receive_json_from(timeout=5))["type"] == "status"
    await watching.disconnect()


async def test_saving_a_user_without_changing_access_leaves_the_socket_alone():
    instrument, manager, _colleague = await database_sync_to_async(two_managers)()
    socket = await open_socket(manager, "/ws/inbox/")

    def rename() -> None:
        manager.first_name = "新名字"
        manager.save()

    await database_sync_to_async(rename)()
    assert await socket.receive_nothing(timeout=0.5)
    await assert_still_open(socket, instrument)
