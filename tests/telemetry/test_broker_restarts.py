"""Faults against real Mosquitto (the shipped configuration, persistence on) with real
agents: whatever the broker forgets across a restart, every event is stored exactly
once and the agents' outboxes end empty. Mosquitto 2.0 forgets shared subscriptions in a
restart and drops what arrives for them until the worker subscribes again: only the
server's end-to-end acknowledgement makes the agents send those events again."""

import datetime as dt
import threading

import pytest
from django.db import connection

from gateway.agent import Agent, Watched
from gateway.outbox import Outbox
from gateway.protocol import format_ts
from telemetry.models import Counter, DeadLetter, Event
from telemetry.worker import Worker
from tests.mqtt import INGEST_PASSWORD, INGEST_USER
from tests.telemetry.conftest import wait_until
from tests.telemetry.test_ingest import Clock, Scripted

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.parametrize("broker", ["mosquitto"], indirect=True),
]


class Lab:
    """Two gateways with their agents (quick to re-send), and an ingest worker that can be
    stopped and started again under the same client id."""

    def __init__(self, site, broker, tmp_path, *, outbox_events: int | None = None):
        self.broker, self.clock, self.worker = broker, Clock(), None
        self.outbox_events = outbox_events
        self.probes = [Scripted("idle") for _ in range(4)]
        self.agents = [
            self._agent("gw-a", site.secret, [(i.code, p) for i, p in zip(site.instruments, self.probes, strict=False)],
                        tmp_path),
            self._agent("gw-b", site.other_secret, [(site.other_instrument.code, self.probes[3])], tmp_path),
        ]  # fmt: skip
        for agent in self.agents:
            agent.start(sampling=False)

    def _agent(self, code, secret, watched, tmp_path) -> Agent:
        agent = Agent(gateway=code, password=secret, host="127.0.0.1", port=self.broker.port,
                      outbox=self._outbox(tmp_path / f"{code}.sqlite3"), watched=[Watched(c, p) for c, p in watched],
                      heartbeat_seconds=60, sample_seconds=3600, batch_size=5, ack_timeout=1,
                      clock=self.clock)  # fmt: skip
        agent.client.reconnect_delay_set(1, 2)
        return agent

    def _outbox(self, path) -> Outbox:
        return Outbox(path) if self.outbox_events is None else Outbox(path, max_events=self.outbox_events)

    def start_worker(self, *, reconnect_delay: int = 1) -> None:
        self.worker = Worker(url=self.broker.url, client_id="ingest-test", username=INGEST_USER,
                             password=INGEST_PASSWORD, batch_size=20)  # fmt: skip
        self.worker.client.reconnect_delay_set(reconnect_delay, reconnect_delay)
        self.thread = threading.Thread(target=self.worker.run, daemon=True)
        self.thread.start()
        assert self.worker.subscribed.wait(30), "the ingest worker did not subscribe"

    def stop_worker(self) -> None:
        self.worker.stop()
        self.thread.join(30)
        assert not self.thread.is_alive()

    def report(self, rounds: int) -> None:
        """A minute of every instrument per round, its state changing now and then."""
        for _ in range(rounds):
            for n, probe in enumerate(self.probes):
                probe.state = "running" if (self.clock.now // 60 + n) % 3 else "idle"
            for agent in self.agents:
                agent.sample()
            self.clock.advance(60)

    def restart_broker(self) -> None:
        self.broker.stop(keep_data=True)
        self.broker.restart()

    def settled(self) -> bool:
        return all(agent.outbox.stats()["pending"] == 0 for agent in self.agents)

    def close(self) -> None:
        for agent in self.agents:
            agent.stop(timeout=1)
        if self.worker is not None:
            self.stop_worker()
        connection.close()


@pytest.fixture
def lab(site, broker, tmp_path):
    made = Lab(site, broker, tmp_path)
    yield made
    made.close()


def assert_every_event_stored_once(lab):
    wait_until(lab.settled, timeout=120, every=0.2)  # emptied only by the server's acknowledgement
    total = 0
    for agent in lab.agents:
        last = agent.outbox.last_seq()
        seqs = list(Event.objects.filter(gateway__code=agent.gateway).order_by("seq").values_list("seq", flat=True))
        assert seqs == list(range(1, last + 1)), f"{agent.gateway}: a gap or a repeat"
        total += last
    assert Counter.objects.get(name="stored").value == total
    assert not DeadLetter.objects.exists()


def test_events_published_while_the_worker_is_down_across_a_broker_restart_are_all_stored(lab):
    lab.start_worker()
    lab.report(10)
    wait_until(lab.settled, timeout=60, every=0.2)
    lab.stop_worker()
    lab.restart_broker()
    wait_until(lambda: all(agent.connected for agent in lab.agents), timeout=60, every=0.1)
    lab.report(20)  # the broker takes these with nobody subscribed
    wait_until(lambda: all(agent.outbox.count_through(agent.outbox.last_seq()) == 0 or
                           agent._cursor >= agent.outbox.last_seq() for agent in lab.agents), timeout=60)  # fmt: skip
    lab.start_worker()
    lab.report(10)
    assert_every_event_stored_once(lab)


def test_a_broker_restart_with_the_worker_up_while_agents_reconnect_first_loses_nothing(lab):
    lab.start_worker(reconnect_delay=4)  # the agents come back after 1–2 s, the worker after 4
    lab.report(10)
    wait_until(lab.settled, timeout=60, every=0.2)
    lab.worker.subscribed.clear()
    lab.restart_broker()
    wait_until(lambda: all(agent.connected for agent in lab.agents), timeout=60, every=0.1)
    while not lab.worker.subscribed.is_set():  # report until the worker is back
        lab.report(1)
        lab.worker.subscribed.wait(0.2)
    lab.report(10)
    assert_every_event_stored_once(lab)


def test_an_agent_re_sends_what_the_broker_acknowledged_but_the_server_never_stored(lab, site, broker):
    """The plainest loss: the broker takes a message (PUBACK) with no subscriber to give it
    to. The agent keeps it until the server has it."""
    lab.report(3)  # no worker yet, and none ever subscribed: the broker drops these
    wait_until(lambda: all(a._cursor >= a.outbox.last_seq() and not a._inflight for a in lab.agents), timeout=30)
    assert all(agent.outbox.stats()["pending"] > 0 for agent in lab.agents)  # PUBACKed, still kept
    lab.start_worker()
    assert_every_event_stored_once(lab)
    assert all(agent.resends >= 1 for agent in lab.agents)


@pytest.fixture
def small_outboxes(site, broker, tmp_path):
    made = Lab(site, broker, tmp_path, outbox_events=40)
    yield made
    made.close()


def test_an_agent_offline_for_an_hour_with_a_full_outbox_delivers_what_it_kept_once(small_outboxes):
    """An hour of simulated minutes with the broker away: the outboxes fill and drop the oldest
    heartbeats, never a state change, and count what they dropped; back online, every event
    they kept is stored once, and nothing else."""
    lab = small_outboxes
    lab.broker.stop(keep_data=True)
    wait_until(lambda: not any(agent.connected for agent in lab.agents), timeout=60, every=0.1)
    changes = {agent.gateway: set() for agent in lab.agents}  # (instrument, time) of each state change
    for minute in range(60):
        for n, probe in enumerate(lab.probes):
            probe.state = "running" if (minute // 15 + n) % 2 else "idle"  # a change a quarter hour
        for agent in lab.agents:
            before = [item.state for item in agent.watched]
            agent.sample()
            at = format_ts(dt.datetime.fromtimestamp(lab.clock.now, dt.UTC))
            changes[agent.gateway] |= {(item.code, at) for b, item in zip(before, agent.watched, strict=True)
                                       if b != item.state}  # fmt: skip
        lab.clock.advance(60)
    kept = {agent.gateway: agent.outbox.take(after=0, limit=10_000) for agent in lab.agents}
    for agent in lab.agents:
        stats = agent.outbox.stats()
        assert stats["dropped"] > 0 and stats["pending"] == len(kept[agent.gateway]) <= 40
        assert stats["pending"] + stats["dropped"] == agent.outbox.last_seq()  # each event kept or counted
        assert changes[agent.gateway] <= {(e.instrument, format_ts(e.ts)) for e in kept[agent.gateway]}

    lab.broker.restart()
    lab.start_worker()
    wait_until(lab.settled, timeout=120, every=0.2)  # emptied only by the server's acknowledgement
    for agent in lab.agents:
        stored = Event.objects.filter(gateway__code=agent.gateway).order_by("seq").values_list("seq", flat=True)
        assert list(stored) == [e.seq for e in kept[agent.gateway]], f"{agent.gateway}: lost or repeated"
    assert Counter.objects.get(name="stored").value == sum(len(events) for events in kept.values())
    assert not DeadLetter.objects.exists()
