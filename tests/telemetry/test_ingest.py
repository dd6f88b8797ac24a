"""Telemetry end to end against a real broker: agent → broker → ingest worker → database.
Nothing accepted is lost or counted twice; nobody reports for others."""

import datetime as dt
import json
import os
import signal
import subprocess
import sys

import pytest
from django.db import connection

from gateway import protocol
from gateway.agent import Agent, Watched
from gateway.outbox import Outbox
from gateway.probes import Probe, Reading
from telemetry.models import Counter, DeadLetter, Event, InstrumentStatus, UsageSession
from tests.helpers import ROOT, SCRUBBED, TEST_SETTINGS, database_url
from tests.mqtt import INGEST_PASSWORD, INGEST_USER, Client
from tests.telemetry.conftest import recent, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


class Scripted(Probe):
    """A probe that reports what the test tells it."""

    kind = "scripted"

    def __init__(self, state="idle"):
        super().__init__()
        self.state = state

    def read(self, now):
        return Reading(self.state, {"power_w": 800.0 if self.state == "running" else 10.0})


class Clock:
    def __init__(self):
        self.now = recent(120).timestamp()  # the tests advance it by up to an hour

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


def agent_for(site, broker, tmp_path, clock, probes):
    watched = [Watched(i.code, probe) for i, probe in zip(site.instruments, probes, strict=False)]
    return Agent(
        gateway="gw-a",
        password=site.secret,
        host="127.0.0.1",
        port=broker.port,
        watched=watched,
        outbox=Outbox(tmp_path / "outbox.sqlite3"),
        heartbeat_seconds=60,
        clock=clock,
        sample_seconds=3600,
    )


def counter(name):
    row = Counter.objects.filter(name=name).first()
    return row.value if row else 0


def test_agent_reports_are_stored_once_and_become_sessions(site, broker, ingest_worker, tmp_path):
    clock, probe = Clock(), Scripted("idle")
    agent = agent_for(site, broker, tmp_path, clock, [probe])
    agent.start(sampling=False)
    for state, minutes in [("idle", 1), ("running", 1), ("running", 1), ("running", 1), ("idle", 1)]:
        probe.state = state
        agent.sample()
        clock.advance(60 * minutes)
    wait_until(lambda: Event.objects.filter(instrument=site.instruments[0]).count() == 5)
    agent.stop()
    (session,) = UsageSession.objects.filter(instrument=site.instruments[0])
    assert session.minutes == 3 and not session.is_open
    status = InstrumentStatus.objects.get(instrument=site.instruments[0])
    assert (status.state, status.gateway) == ("idle", site.gateway)
    assert counter("stored") == 5 and counter("duplicate") == 0
    assert agent.outbox.stats()["pending"] == 0  # acknowledged, so removed


def test_agent_keeps_recording_while_the_broker_is_down_and_delivers_after(site, broker, ingest_worker, tmp_path):
    clock, probe = Clock(), Scripted("running")
    agent = agent_for(site, broker, tmp_path, clock, [probe])
    agent.start(sampling=False)
    agent.sample()
    wait_until(lambda: Event.objects.count() == 1)
    broker.stop(keep_data=True)  # a clean stop: the broker saves its sessions
    for n in range(40):  # 40 minutes of reports with no broker
        probe.state = "running" if n % 10 < 7 else "idle"
        clock.advance(60)
        agent.sample()
    assert agent.outbox.stats()["pending"] >= 40
    broker.restart()
    wait_until(lambda: Event.objects.count() == 41, timeout=90)
    agent.stop()
    assert Event.objects.values("seq").distinct().count() == 41
    assert UsageSession.objects.filter(instrument=site.instruments[0]).count() == 4


def test_redelivered_messages_are_not_counted_twice(site, broker, ingest_worker):
    publisher = Client(broker, "gw-a", site.secret)
    events = [protocol.Event(seq=n, instrument="inst-a0", ts=recent(10 - n), state="running") for n in range(1, 6)]
    body = protocol.encode("gw-a", events)
    for _ in range(3):
        publisher.publish(protocol.events_topic("gw-a"), body)
    wait_until(lambda: counter("duplicate") == 10)
    assert Event.objects.count() == 5 and counter("stored") == 5


def test_a_gateway_cannot_report_for_another_gateways_instruments(site, broker, ingest_worker):
    publisher = Client(broker, "gw-a", site.secret)
    event = protocol.Event(seq=1, instrument=site.other_instrument.code, ts=recent(1), state="running")
    publisher.publish(protocol.events_topic("gw-a"), protocol.encode("gw-a", [event]))
    letter = wait_until(lambda: DeadLetter.objects.filter(reason="not_bound").first())
    assert letter.gateway_code == "gw-a" and Event.objects.count() == 0
    # Nor can it send a payload that claims to be the other gateway.
    publisher.publish(protocol.events_topic("gw-a"), protocol.encode("gw-b", [event]))
    wait_until(lambda: DeadLetter.objects.filter(reason=protocol.GATEWAY_MISMATCH).exists())
    assert Event.objects.count() == 0


def test_a_revoked_gateway_is_refused_by_the_server_too(site, broker, ingest_worker):
    from telemetry.services import gateway_revoke

    publisher = Client(broker, "gw-a", site.secret)  # still connected when revoked
    gateway_revoke(gateway=site.gateway, by=None)
    ingest_worker.directory.ttl = 0
    event = protocol.Event(seq=1, instrument="inst-a0", ts=recent(1), state="running")
    publisher.publish(protocol.events_topic("gw-a"), protocol.encode("gw-a", [event]))
    wait_until(lambda: DeadLetter.objects.filter(reason="gateway_revoked").exists())
    assert Event.objects.count() == 0


def test_hostile_payloads_are_kept_with_reasons_and_crash_nothing(site, broker, ingest_worker):
    publisher = Client(broker, "gw-a", site.secret)
    hostile = [
        b"",
        b"\xff" * 50,
        b"{",
        b"[]",
        b'{"v":1}',
        b'{"v":2,"gateway":"gw-a","events":[]}',
        b'{"v":1,"gateway":"gw-a","events":[{"seq":"x"}]}',
        json.dumps(
            {
                "v": 1,
                "gateway": "gw-a",
                "events": [{"seq": 1, "instrument": "inst-a0", "ts": "2020-01-01T00:00:00Z", "state": "running"}],
            }
        ).encode(),
        b'{"v":1,"gateway":"gw-a","events":' + b"[" * 5000 + b"]" * 5000 + b"}",
        b"x" * (protocol.MAX_PAYLOAD_BYTES - 100),
    ]
    for body in hostile:
        publisher.publish(protocol.events_topic("gw-a"), body)
    good = protocol.Event(seq=99, instrument="inst-a0", ts=recent(1), state="idle")
    publisher.publish(protocol.events_topic("gw-a"), protocol.encode("gw-a", [good]))
    wait_until(lambda: Event.objects.filter(seq=99).exists())  # still working after all that
    reasons = set(DeadLetter.objects.values_list("reason", flat=True))
    assert reasons >= {
        protocol.NOT_JSON,
        protocol.BAD_SHAPE,
        protocol.BAD_VERSION,
        protocol.BAD_SEQ,
        protocol.TS_TOO_OLD,
    }
    assert (
        sum(v for k, v in Counter.objects.values_list("name", "value") if k.startswith("rejected:"))
        == DeadLetter.objects.count()
    )


def test_kill_9_mid_batch_then_restart_stores_every_event_exactly_once(site, broker, tmp_path):
    total, per_message = 6000, 50
    publisher = Client(broker, "gw-a", site.secret)
    # The worker's session exists before the events, so the broker keeps them for it.
    subscriber = Client(broker, INGEST_USER, INGEST_PASSWORD, client_id="ingest-killed", clean_start=False)
    subscriber.subscribe(f"$share/ingest/{protocol.EVENTS_SUBSCRIPTION}")
    subscriber.close()
    start = recent(60)
    for first in range(1, total + 1, per_message):
        events = [
            protocol.Event(
                seq=s,
                instrument=f"inst-a{s % 3}",
                ts=start + dt.timedelta(seconds=s // 3),
                state="running" if (s // 300) % 2 else "idle",
            )
            for s in range(first, first + per_message)
        ]
        publisher.publish(protocol.events_topic("gw-a"), protocol.encode("gw-a", events))

    def worker():
        env = {k: v for k, v in os.environ.items() if k not in SCRUBBED}
        env.update(
            TEST_SETTINGS,
            DATABASE_URL=database_url(connection.settings_dict),
            LOG_LEVEL="WARNING",
            MQTT_URL=f"mqtt://{INGEST_USER}:{INGEST_PASSWORD}@127.0.0.1:{broker.port}",
        )
        return subprocess.Popen(
            [sys.executable, "manage.py", "ingest_telemetry", "--client-id", "ingest-killed", "--batch-size", "40"],
            cwd=ROOT,
            env=env,
        )

    first = worker()
    wait_until(lambda: Event.objects.count() > 0, timeout=60, every=0.02)
    first.send_signal(signal.SIGKILL)  # no goodbye: whatever was in flight is neither committed nor acknowledged
    first.wait()
    stored_at_kill = Event.objects.count()
    assert 0 < stored_at_kill < total
    second = worker()
    try:
        wait_until(lambda: Event.objects.count() == total, timeout=120)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)
    assert Event.objects.count() == total
    assert counter("stored") == total
    assert sorted(Event.objects.values_list("seq", flat=True)) == list(range(1, total + 1))
