"""The system's processes against the failures of what they stand on: PostgreSQL restarted,
Redis down, the broker restarted while an ingest worker is killed. Every wait is bounded
and waits for its condition.

Covered elsewhere, and not repeated here: a single ingest worker killed with SIGKILL
mid-batch (tests/telemetry/test_ingest.py) and broker restarts with an in-process worker
(tests/telemetry/test_broker_restarts.py)."""

import datetime as dt
import queue
import threading

import pytest

from gateway import protocol
from gateway.agent import Agent, Watched
from gateway.outbox import Outbox
from tests.config.stack import Calendar, Stack, call, query, wait_for, world
from tests.mqtt import Broker, Client
from tests.servers import RedisServer
from tests.telemetry.test_ingest import Clock, Scripted

pytestmark = pytest.mark.slow
UNAVAILABLE_EN = "it cannot reach its database"
# The page's own words once translated (/tmp/po); the link back is translated already.
UNAVAILABLE_PAGE = {"en": "Briefly unavailable", "zh-hans": "前往仪器目录"}


@pytest.fixture
def stack(tmp_path):
    """Makes the test's Stack, and stops its processes at the end whatever happened."""
    made: list[Stack] = []

    def make(database: str, **kwargs) -> Stack:
        made.append(Stack(tmp_path, database, **kwargs))
        return made[-1]

    yield make
    for one in made:
        one.close()


def events(gateway: str, instrument: str, seqs: range) -> bytes:
    """An agent's message of these events (recent, one second apart), chained by `after`."""
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=30)
    items = [protocol.Event(seq=s, instrument=instrument, ts=start + dt.timedelta(seconds=s), state="idle")
             for s in seqs]  # fmt: skip
    return protocol.encode(gateway, items, after=seqs.start - 1)


def stored_seqs(database: str, gateway: str) -> list[int]:
    rows = query(database, "SELECT e.seq FROM telemetry_event e JOIN telemetry_gateway g ON g.id = e.gateway_id "
                           "WHERE g.code = %s ORDER BY e.seq", gateway)  # fmt: skip
    return [seq for (seq,) in rows]


def acknowledged(client: Client) -> list[int]:
    """The acknowledgements the gateway has received so far."""
    seqs = []
    while True:
        try:
            seqs.append(protocol.decode_ack(client.messages.get_nowait().payload))
        except queue.Empty:
            return seqs


class Bookings:
    """Books slot after slot on a web process until stopped; what each request answered."""

    def __init__(self, url: str, made: dict):
        self.url, self.made, self.answers = url, made, []
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        for start, end in self.made["slots"]:
            if self._stop.is_set():
                return
            body = {"instrument": self.made["instrument"], "start": start, "end": end, "purpose": "XRD"}
            answer = call(self.url, "POST", "/api/v1/reservations/", token=self.made["requester"], body=body)
            self.answers.append((start, answer))

    def start(self) -> "Bookings":
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(120)


def test_a_database_restart_answers_503_and_loses_nothing(stack_postgres, mosquitto, stack, tmp_path):
    database = stack_postgres.database()
    made = world(database, tmp_path, gateway=True)
    gateway, instrument = made["gateway"], made["instrument_code"]
    mosquitto.add_user(gateway, made["secret"])
    system = stack(database, broker=mosquitto)
    (web,) = system.web("web", DB_POOL_TIMEOUT="2")
    system.ingest("ingest-1", DB_POOL_TIMEOUT="2")
    reporter = Client(mosquitto, gateway, made["secret"])
    acks = Client(mosquitto, gateway, made["secret"])
    acks.subscribe(protocol.ack_topic(gateway))
    reporter.publish(protocol.events_topic(gateway), events(gateway, instrument, range(1, 51)))
    wait_for(lambda: stored_seqs(database, gateway) == list(range(1, 51)), what="the first events")

    bookings = Bookings(web, made).start()
    wait_for(lambda: len(bookings.answers) >= 2, what="bookings before the outage")
    stack_postgres.server.stop(keep_data=True)
    try:
        reporter.publish(protocol.events_topic(gateway), events(gateway, instrument, range(51, 101)))
        start, end = made["slots"][-1]
        body = {"instrument": made["instrument"], "start": start, "end": end, "purpose": "XRD"}
        api = call(web, "POST", "/api/v1/reservations/", token=made["requester"], body=body)
        assert api.status == 503, api.text
        assert UNAVAILABLE_EN in api.json()["detail"] and int(api.headers["retry-after"]) > 0
        for language, text in UNAVAILABLE_PAGE.items():
            page = call(web, "GET", f"/instruments/{instrument}/", language=language)
            assert page.status == 503 and text in page.text, page.text
            assert f'<html lang="{language}">' in page.text and "retry-after" in page.headers
        assert all(seq <= 50 for seq in acknowledged(acks)), "acknowledged while the database was away"
    finally:
        stack_postgres.server.restart()
    during = len(bookings.answers)
    wait_for(lambda: any(a.status == 201 for _s, a in bookings.answers[during:]), timeout=60, what="bookings again")
    assert call(web, "GET", f"/instruments/{instrument}/").status == 200
    bookings.stop()

    # Every request answered 201 or 503, never a 500; each 201 is stored, whole.
    statuses = [answer.status for _slot, answer in bookings.answers]
    assert set(statuses) <= {201, 503}, [a.text for _s, a in bookings.answers if a.status not in (201, 503)]
    assert 503 in statuses and statuses[-1] == 201, statuses  # the outage was met, and it passed by itself
    rows = query(database, "SELECT r.start, count(e.id) FROM booking_reservation r "
                           "LEFT JOIN booking_reservationevent e ON e.reservation_id = r.id GROUP BY r.id")  # fmt: skip
    assert all(history == 1 for _start, history in rows), rows  # no booking without its history row
    booked = {
        dt.datetime.fromisoformat(answer.json()["start"]) for _s, answer in bookings.answers if answer.status == 201
    }
    assert booked <= {start for start, _history in rows}

    # The events sent while the database was away are stored once, and then acknowledged.
    wait_for(lambda: stored_seqs(database, gateway) == list(range(1, 101)), timeout=60, what="the events")
    wait_for(lambda: protocol.decode_ack(acks.receive().payload) == 100, timeout=30, every=0, what="the ack")
    assert dict(query(database, "SELECT name, value FROM telemetry_counter"))["stored"] == 100
    reporter.close()
    acks.close()


@pytest.fixture
def redis():
    server = RedisServer().start()
    yield server
    server.stop()


def test_with_redis_down_pages_and_bookings_work_and_live_updates_resume_after(stack_postgres, redis, stack, tmp_path):
    database = stack_postgres.database()
    made = world(database, tmp_path)
    (web,) = stack(database, redis=redis.url).web("web")
    slots = made["slots"]

    def book(n: int) -> None:
        start, end = slots[n]
        body = {"instrument": made["instrument"], "start": start, "end": end, "purpose": "XRD"}
        answer = call(web, "POST", "/api/v1/reservations/", token=made["requester"], body=body)
        assert answer.status == 201, answer.text

    calendar = Calendar(web, made["instrument"], made["window"])
    assert calendar.open()["busy"] == []
    book(0)
    assert calendar.busy() == [tuple(slots[0])]

    redis.stop(keep_data=True)
    try:
        book(2)  # the hint cannot be sent; the booking stands
        assert call(web, "GET", f"/instruments/{made['instrument_code']}/").status == 200
        mine = call(web, "GET", "/api/v1/reservations/", token=made["requester"])
        assert mine.status == 200 and len(mine.json()["results"]) == 2
    finally:
        redis.start()
    # The page's socket may have been closed meanwhile; the page opens it again, as live.js does.
    if not calendar.alive():
        wait_for(calendar.reopen, timeout=30, every=0.5, what="the calendar to connect again")
    book(4)  # slots apart, so that the calendar shows each on its own
    wait_for(lambda: tuple(slots[4]) in calendar.busy(), timeout=30, every=0, what="the live update")
    calendar.close()


class Reporting:
    """A gateway agent (the real one, with its outbox, quick to re-send what the server has
    not acknowledged) reporting its instruments round after round on a thread."""

    def __init__(self, broker: Broker, made: dict, tmp_path, rounds: int):
        self.clock, self.rounds, self.done = Clock(), rounds, threading.Event()
        self.probes = [Scripted() for _ in made["bound"]]
        watched = [Watched(code, probe) for code, probe in zip(made["bound"], self.probes, strict=True)]
        self.agent = Agent(gateway=made["gateway"], password=made["secret"], host="127.0.0.1", port=broker.port,
                           outbox=Outbox(tmp_path / "outbox.sqlite3"), watched=watched, heartbeat_seconds=20,
                           sample_seconds=3600, batch_size=5, ack_timeout=1, clock=self.clock)  # fmt: skip
        self.agent.client.reconnect_delay_set(1, 2)
        self.thread = threading.Thread(target=self._report, daemon=True)

    def start(self) -> "Reporting":
        self.agent.start(sampling=False)
        self.thread.start()
        return self

    def _report(self) -> None:
        for n in range(self.rounds):
            for i, probe in enumerate(self.probes):
                probe.state = "running" if (n + i) % 3 else "idle"
            self.agent.sample()
            self.clock.advance(20)
            self.agent._stop.wait(0.02)  # the pace of a busy lab, not a wait for a condition
        self.done.set()

    def settled(self) -> bool:
        return self.done.is_set() and self.agent.outbox.stats()["pending"] == 0

    def stop(self) -> None:
        self.agent.stop(timeout=1)


def test_a_broker_restart_and_a_killed_ingest_worker_lose_and_repeat_nothing(
    stack_postgres, mosquitto, stack, tmp_path
):
    database = stack_postgres.database()
    made = world(database, tmp_path, gateway=True)
    mosquitto.add_user(made["gateway"], made["secret"])
    system = stack(database, broker=mosquitto)
    for name in ("ingest-1", "ingest-2"):
        system.ingest(name, LOG_LEVEL="DEBUG")
    reporting = Reporting(mosquitto, made, tmp_path, rounds=300).start()
    try:
        wait_for(lambda: all("batch of" in system.log(n) for n in ("ingest-1", "ingest-2")), what="both to store")
        system.kill("ingest-2")  # SIGKILL: its batch in hand is neither committed nor acknowledged
        mosquitto.stop(keep_data=True)
        mosquitto.restart()
        assert not reporting.done.is_set(), "the events stopped flowing before the faults"
        system.ingest("ingest-2", LOG_LEVEL="DEBUG")  # as its service manager starts it again
        wait_for(reporting.settled, timeout=120, every=0.2, what="the server to acknowledge every event")
    finally:
        reporting.stop()
    last = reporting.agent.outbox.last_seq()
    assert stored_seqs(database, made["gateway"]) == list(range(1, last + 1))
    counters = dict(query(database, "SELECT name, value FROM telemetry_counter"))
    assert counters["stored"] == last and not query(database, "SELECT 1 FROM telemetry_deadletter")
