"""One gateway's hostile status messages stop nothing: each is a dead letter with its
reason, and another gateway's events keep landing (on PostgreSQL, a NaN or a \\u0000 once
made the jsonb upsert fail and the worker retry that batch forever)."""

import pytest

from gateway import protocol
from gateway.agent import Agent, Watched
from gateway.outbox import Outbox
from telemetry.models import DeadLetter, Event, GatewayStatus
from tests.mqtt import Client
from tests.telemetry.conftest import wait_until
from tests.telemetry.test_ingest import Clock, Scripted

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

HOSTILE = [
    (b'{"v":1,"online":true,"pending":NaN}', protocol.NOT_FINITE),
    (b'{"v":1,"online":true,"pending":Infinity}', protocol.NOT_FINITE),
    (b'{"v":1,"online":true,"pending":1e400}', protocol.NOT_FINITE),
    (b'{"v":1,"online":true,"note":"a\\u0000b"}', protocol.CONTROL_CHARACTER),
    (b'{"v":1,"online":true,"x":' + b"[" * 20 + b"]" * 20 + b"}", protocol.TOO_DEEP),
    (b'{"v":1,"online":true,"x":' + b"[" * 1900 + b"]" * 1900 + b"}", protocol.NOT_JSON),
    (b'{"v":1,"online":true,"pending":' + b"9" * 3000 + b"}", protocol.BAD_STATUS),
    (b'{"v":1,"online":true,"dropped":-1}', protocol.BAD_STATUS),
    (b'{"v":1,"online":null}', protocol.BAD_SHAPE),
]


def test_hostile_statuses_are_dead_letters_while_another_gateway_keeps_reporting(site, broker, ingest_worker, tmp_path):
    clock, probe = Clock(), Scripted("running")
    agent = Agent(gateway="gw-a", password=site.secret, host="127.0.0.1", port=broker.port, heartbeat_seconds=60,
                  outbox=Outbox(tmp_path / "gw-a.sqlite3"), watched=[Watched(site.instruments[0].code, probe)],
                  sample_seconds=3600, clock=clock)  # fmt: skip
    agent.start(sampling=False)
    hostile = Client(broker, "gw-b", site.other_secret)
    for body, _reason in HOSTILE:
        hostile.publish(protocol.status_topic("gw-b"), body, retain=True)
        probe.state = "idle" if probe.state == "running" else "running"
        agent.sample()
        clock.advance(60)
    wait_until(lambda: Event.objects.filter(gateway=site.gateway).count() == len(HOSTILE))
    wait_until(lambda: agent.outbox.stats()["pending"] == 0)  # acknowledged by the server, end to end
    wait_until(lambda: DeadLetter.objects.filter(gateway_code="gw-b").count() == len(HOSTILE))
    letters = DeadLetter.objects.filter(gateway_code="gw-b").order_by("id")
    assert [letter.reason for letter in letters] == [reason for _body, reason in HOSTILE]
    assert all(letter.detail for letter in letters)
    hostile.publish(protocol.status_topic("gw-b"), protocol.status_payload(True, pending=2, note="ok"), retain=True)
    status = wait_until(lambda: GatewayStatus.objects.filter(gateway=site.other_gateway).first())
    assert (status.online, status.details) == (True, {"pending": 2})  # only the validated figures
    agent.stop()
