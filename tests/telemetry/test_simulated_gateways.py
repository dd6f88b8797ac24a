"""The simulated gateways of the demo report through a real broker like real agents."""

import json

import pytest

from gateway import protocol, simulate
from tests.mqtt import INGEST_PASSWORD, INGEST_USER, Client

pytestmark = pytest.mark.slow


def test_simulated_gateways_publish_their_instruments(broker, tmp_path):
    broker.add_user("gw-sim-1", "pw-1")
    credentials = tmp_path / "gateways.json"
    credentials.write_text(json.dumps([{"gateway": "gw-sim-1", "password": "pw-1", "instruments": ["a", "b", "c"]}]))
    listener = Client(broker, INGEST_USER, INGEST_PASSWORD)
    listener.subscribe(protocol.EVENTS_SUBSCRIPTION)
    (agent,) = simulate.agents(credentials=credentials, broker=broker.url, gateways=5, instruments=2,
                               outbox_dir=tmp_path / "outboxes", day=(0, 24))  # fmt: skip
    agent.start(sampling=False)
    agent.sample()
    # The agent may send one sample's events in one message or in several, as its publisher
    # catches up: read until both instruments have been heard (or the listener times out).
    events = []
    while {e.instrument for e in events} != {"a", "b"}:
        body = listener.receive(timeout=10).payload
        events += protocol.decode(protocol.events_topic("gw-sim-1"), body, now=protocol.parse_ts(
            json.loads(body)["events"][0]["ts"])).events  # fmt: skip
    assert sorted(e.instrument for e in events) == ["a", "b"]  # one event each: nothing else, nothing twice
    assert all(e.state in ("running", "idle") for e in events)
    agent.stop()
    assert (tmp_path / "outboxes" / "gw-sim-1.sqlite3").exists()  # kept for the next run: seq continues
