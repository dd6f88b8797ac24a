"""Live status follows ingest within a second: by the worker's hint, or by the poll when
the channel layer cannot carry hints between processes."""

import asyncio
import datetime as dt
import time

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from config.asgi import application
from gateway import protocol
from telemetry import live, services
from telemetry.ingest import Directory, Message, store
from tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
ORIGIN = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]


def bound_instrument():
    lab = f.LabFactory()
    gateway, _ = services.gateway_register(lab=lab, code="gw-live", by=None)
    instrument = f.InstrumentFactory(lab=lab, code="inst-live")
    services.instrument_bind(instrument=instrument, gateway=gateway, by=None)
    return instrument


def report(state: str, seq: int) -> set[int]:
    now = dt.datetime.now(dt.UTC)
    body = protocol.encode("gw-live", [protocol.Event(seq=seq, instrument="inst-live", ts=now, state=state)])
    return store([Message(protocol.events_topic("gw-live"), body, now)], Directory(), now).instruments


async def states(socket) -> list[str]:
    return [i["state"] for i in (await socket.receive_json_from(timeout=2))["instruments"]]


async def test_status_follows_the_ingest_worker_hint(settings):
    settings.TELEMETRY_POLL_SECONDS = 0  # hints only
    instrument = await database_sync_to_async(bound_instrument)()
    socket = WebsocketCommunicator(application, f"/ws/status/instrument/{instrument.pk}/", headers=ORIGIN)
    assert (await socket.connect())[0]
    assert await states(socket) == ["offline"]  # bound, never heard
    started = time.monotonic()
    changed = await database_sync_to_async(report)("running", 1)
    await database_sync_to_async(live.telemetry_changed)(changed)
    assert await states(socket) == ["running"]
    assert time.monotonic() - started < 1
    await socket.disconnect()


async def test_status_follows_by_polling_without_hints(settings):
    settings.TELEMETRY_POLL_SECONDS = 0.2  # as in the demo: another process stores, no hint arrives
    instrument = await database_sync_to_async(bound_instrument)()
    socket = WebsocketCommunicator(application, f"/ws/status/instrument/{instrument.pk}/", headers=ORIGIN)
    await socket.connect()
    await states(socket)
    started = time.monotonic()
    await database_sync_to_async(report)("fault", 1)
    assert await states(socket) == ["fault"]
    assert time.monotonic() - started < 1
    await socket.disconnect()


async def test_a_silent_gateway_shows_offline(settings):
    from telemetry.sessions import close_silent_sessions

    settings.TELEMETRY_POLL_SECONDS = 0.2
    instrument = await database_sync_to_async(bound_instrument)()
    await database_sync_to_async(report)("running", 1)
    socket = WebsocketCommunicator(application, f"/ws/status/instrument/{instrument.pk}/", headers=ORIGIN)
    await socket.connect()
    assert await states(socket) == ["running"]
    await database_sync_to_async(close_silent_sessions)(now=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10))
    assert await states(socket) == ["offline"]
    await socket.disconnect()


async def test_lab_dashboard_socket_is_for_its_overseers():
    instrument = await database_sync_to_async(bound_instrument)()
    socket = WebsocketCommunicator(application, f"/ws/status/lab/{instrument.lab_id}/", headers=ORIGIN)
    connected, _ = await socket.connect()
    assert not connected  # anonymous
    await asyncio.sleep(0)
