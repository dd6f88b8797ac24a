"""The whole system as production runs it, each part its own OS process on this machine:
two daphne web processes, two ingest workers on the shared subscription and two jobs
workers, on one private PostgreSQL, Redis (the channel layer) and Mosquitto. A booking
made on one web process reaches a calendar open on the other; a gateway registered over
the API gets into the broker through the jobs worker, and what it reports is stored once,
however often it is sent; each periodic job runs once per period among the jobs workers."""

import datetime as dt
import itertools
import time

import pytest

from config.jobs import JOBS
from gateway import protocol
from tests.config.stack import Calendar, Stack, call, query, wait_for, world
from tests.mqtt import Client

pytestmark = pytest.mark.slow
EVENTS, PER_MESSAGE = 120, 10
IDLE_SECONDS = 7
# Each take of a job's lease, as the database saw it: whichever worker took it.
LEASE_TAKES = """
CREATE TABLE lease_takes (name text, holder text, started timestamptz);
CREATE FUNCTION lease_taken() RETURNS trigger AS $$ BEGIN
  INSERT INTO lease_takes VALUES (NEW.name, NEW.holder, NEW.last_started); RETURN NEW; END $$ LANGUAGE plpgsql;
CREATE TRIGGER lease_taken AFTER UPDATE ON config_joblease FOR EACH ROW
  WHEN (NEW.last_started IS DISTINCT FROM OLD.last_started) EXECUTE FUNCTION lease_taken();
"""


def admitted(broker, user: str, password: str) -> Client | None:
    """A client connected as the gateway, once the broker admits it."""
    client = Client(broker, user, password)
    if client.ok:
        return client
    client.close()
    return None


def reports(gateway: str, instruments: list[str]) -> list[bytes]:
    """EVENTS events in messages of PER_MESSAGE, as an agent sends them (`after` chains them)."""
    start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    messages = []
    for first in range(1, EVENTS + 1, PER_MESSAGE):
        events = [
            protocol.Event(seq=s, instrument=instruments[s % len(instruments)], ts=start + dt.timedelta(seconds=10 * s),
                           state="running" if s % 7 else "idle")
            for s in range(first, first + PER_MESSAGE)
        ]  # fmt: skip
        messages.append(protocol.encode(gateway, events, after=first - 1))
    return messages


def test_the_whole_stack_in_separate_processes(stack_postgres, redis_server, mosquitto, tmp_path):
    database = stack_postgres.database()
    made = world(database, tmp_path)
    with stack_postgres.connect(database) as conn:
        conn.execute(LEASE_TAKES)
    pid_file = mosquitto.directory / "mosquitto.pid"
    pid_file.write_text(str(mosquitto.server.process.pid))
    stack = Stack(tmp_path, database, redis=redis_server.url, broker=mosquitto)
    try:
        # The web processes keep their own copy of the broker's files: only the jobs workers
        # write the broker's, so a gateway gets in only if a jobs worker runs.
        a, b = stack.web("web-a", "web-b", BROKER_AUTH_DIR=str(tmp_path / "web-broker"))
        for name in ("jobs-1", "jobs-2"):
            stack.jobs(name, BROKER_AUTH_DIR=str(mosquitto.directory), BROKER_PID_FILE=str(pid_file))
        for name in ("ingest-1", "ingest-2"):
            stack.ingest(name, LOG_LEVEL="DEBUG")

        # A booking over HTTP on A reaches a calendar open on B, through Redis.
        calendar = Calendar(b, made["instrument"], made["window"])
        assert calendar.open()["busy"] == []
        start, end = made["slots"][2]
        body = {"instrument": made["instrument"], "start": start, "end": end, "purpose": "XRD"}
        booked = call(a, "POST", "/api/v1/reservations/", token=made["requester"], body=body)
        assert booked.status == 201, booked.text
        assert calendar.busy() == [(start, end)]
        idle_since = time.monotonic()

        # A gateway registered over the API on B, bound on A, gets into the broker by the jobs worker.
        body = {"code": "gw-1", "lab": made["lab"]}
        registered = call(b, "POST", "/api/v1/gateways/", token=made["manager"], body=body)
        assert registered.status == 201, registered.text
        secret = registered.json()["secret"]
        bound = call(a, "POST", "/api/v1/gateways/gw-1/bind/", token=made["manager"],
                     body={"instrument": made["instrument_code"]})  # fmt: skip
        assert bound.status == 200, bound.text
        gateway = wait_for(lambda: admitted(mosquitto, "gw-1", secret), timeout=30, every=0.2,
                           what="the jobs worker to let the gateway into the broker")  # fmt: skip

        # Its reports land once with two ingest workers up, though it sends them all twice.
        acks = Client(mosquitto, "gw-1", secret)
        acks.subscribe(protocol.ack_topic("gw-1"))
        messages = reports("gw-1", [made["instrument_code"]])
        for payload in messages + messages:
            gateway.publish(protocol.events_topic("gw-1"), payload)
        wait_for(lambda: protocol.decode_ack(acks.receive().payload) == EVENTS, timeout=60, every=0,
                 what="the server to acknowledge every event")  # fmt: skip
        seqs = query(database, "SELECT e.seq FROM telemetry_event e JOIN telemetry_gateway g ON g.id = e.gateway_id "
                               "WHERE g.code = 'gw-1' ORDER BY e.seq")  # fmt: skip
        assert [seq for (seq,) in seqs] == list(range(1, EVENTS + 1))
        counters = dict(query(database, "SELECT name, value FROM telemetry_counter"))
        assert (counters["stored"], counters["duplicate"], counters["messages"]) == (EVENTS, EVENTS, 2 * len(messages))
        assert all("batch of" in stack.log(name) for name in ("ingest-1", "ingest-2")), "one worker took nothing"
        gateway.close()
        acks.close()

        # Each job runs once per period among the two jobs workers; the quickest come round again.
        every = {job.name: job.every for job in JOBS}
        quickest = min(every, key=every.get)
        wait_for(lambda: len(query(database, "SELECT 1 FROM lease_takes WHERE name = %s", quickest)) >= 2,
                 timeout=every[quickest] + 30, every=0.2, what=f"{quickest} to run again")  # fmt: skip
        takes: dict[str, list[dt.datetime]] = {}
        for name, at in query(database, "SELECT name, started FROM lease_takes ORDER BY started"):
            takes.setdefault(name, []).append(at)
        assert set(takes) == set(every), "a job never ran"
        for name, times in takes.items():
            gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
            assert all(gap >= dt.timedelta(seconds=every[name]) for gap in gaps), f"{name} ran twice in a period"

        # The calendar stayed open, idle for longer than channels-redis blocks on one read for
        # its next message (5 s), and still follows: a booking now on B reaches it too.
        wait_for(lambda: time.monotonic() - idle_since > IDLE_SECONDS, timeout=IDLE_SECONDS, what="an idle socket")
        start, end = made["slots"][6]
        body = {"instrument": made["instrument"], "start": start, "end": end, "purpose": "XRD"}
        assert call(b, "POST", "/api/v1/reservations/", token=made["requester"], body=body).status == 201
        assert (start, end) in calendar.busy()
        calendar.close()
        assert all(code is None for code in stack.exit_codes().values()), stack.exit_codes()
    finally:
        stack.close()
