"""Sessions and gaps from stored events: right for out-of-order, duplicate and silent cases,
whatever the batches."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway import protocol
from telemetry import services
from telemetry.ingest import Directory, Message, store
from telemetry.models import InstrumentStatus, ReportingGap, UsageSession
from telemetry.sessions import close_silent_sessions
from tests import factories as f

pytestmark = pytest.mark.django_db
T0 = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=5)


@pytest.fixture
def instrument():
    lab = f.LabFactory()
    gateway, _ = services.gateway_register(lab=lab, code="gw-s", by=None, heartbeat_seconds=60)  # timeout 3 min
    instrument = f.InstrumentFactory(lab=lab, code="inst-s")
    services.instrument_bind(instrument=instrument, gateway=gateway, by=None)
    return instrument


def send(*events, directory=None):
    """Store one message with (seq, minute, state) events."""
    body = protocol.encode(
        "gw-s",
        [protocol.Event(seq=s, instrument="inst-s", ts=T0 + dt.timedelta(minutes=m), state=st) for s, m, st in events],
    )
    message = Message(protocol.events_topic("gw-s"), body, dt.datetime.now(dt.UTC))
    return store([message], directory or Directory(), dt.datetime.now(dt.UTC))


def sessions(instrument):
    return [((s.start - T0).total_seconds() / 60, (s.end - T0).total_seconds() / 60, s.is_open)
            for s in UsageSession.objects.filter(instrument=instrument).order_by("start")]  # fmt: skip


def gaps(instrument):
    return [((g.start - T0).total_seconds() / 60, (g.end - T0).total_seconds() / 60)
            for g in ReportingGap.objects.filter(instrument=instrument)]  # fmt: skip


RUN = [(1, 0, "idle"), (2, 1, "running"), (3, 2, "running"), (4, 3, "running"), (5, 4, "idle"), (6, 5, "off")]


def test_in_order_events_make_one_session(instrument):
    send(*RUN)
    assert sessions(instrument) == [(1, 4, False)]
    assert InstrumentStatus.objects.get(instrument=instrument).state == "off"


@pytest.mark.parametrize("split", [1, 2, 3, 5])
def test_the_same_events_in_any_batches_make_the_same_sessions(instrument, split):
    for n in range(0, len(RUN), split):
        send(*RUN[n : n + split])
    assert sessions(instrument) == [(1, 4, False)]


def test_out_of_order_across_batches_is_recomputed(instrument):
    send(*[RUN[0], RUN[1], RUN[4], RUN[5]])  # the running heartbeats arrive late
    assert sessions(instrument) == [(1, 4, False)]
    send(RUN[3], RUN[2])
    assert sessions(instrument) == [(1, 4, False)]
    send((7, 2.5, "idle"))  # a late change splits the session
    assert sessions(instrument) == [(1, 2.5, False), (3, 4, False)]


def test_late_events_fill_what_was_silence(instrument):
    send((1, 0, "running"), (2, 1, "running"), (5, 10, "running"), (6, 11, "idle"))
    assert sessions(instrument) == [(0, 1, False), (10, 11, False)]
    assert gaps(instrument) == [(1, 10)]
    send((3, 4, "running"), (4, 7, "running"))  # delivered after the agent came back online
    assert sessions(instrument) == [(0, 11, False)]
    assert gaps(instrument) == []


def test_duplicates_are_stored_and_counted_once(instrument):
    first = send(*RUN)
    again = send(*RUN)
    assert (first.stored, again.stored, again.duplicates) == (6, 0, 6)
    assert sessions(instrument) == [(1, 4, False)]


def test_silence_is_unknown_time_never_use(instrument):
    send((1, 0, "running"), (2, 1, "running"), (3, 30, "running"), (4, 31, "off"))
    assert sessions(instrument) == [(0, 1, False), (30, 31, False)]
    assert gaps(instrument) == [(1, 30)]


def test_an_open_session_ends_when_the_gateway_falls_silent_and_continues_if_it_was_not(instrument):
    send((1, 0, "running"), (2, 1, "running"))
    assert sessions(instrument) == [(0, 1, True)]
    heard = InstrumentStatus.objects.get(instrument=instrument).last_heard_at
    assert close_silent_sessions(now=heard + dt.timedelta(minutes=2)) == 0
    assert close_silent_sessions(now=heard + dt.timedelta(minutes=10)) == 1
    assert sessions(instrument) == [(0, 1, False)]
    assert InstrumentStatus.objects.get(instrument=instrument).silent
    send((3, 2, "running"), (4, 3, "idle"))  # a backlog that continues it without a gap
    assert sessions(instrument) == [(0, 3, False)]
    assert not InstrumentStatus.objects.get(instrument=instrument).silent


def test_a_reused_seq_is_kept_apart_not_taken_for_a_repeat(instrument):
    from telemetry.models import DeadLetter, Event

    send((1, 0, "running"))
    result = send((1, 30, "idle"))  # same seq, another event: the agent's outbox was reset
    assert (result.stored, result.duplicates, dict(result.rejected)) == (0, 0, {"seq_reused": 1})
    assert DeadLetter.objects.get().reason == "seq_reused"
    assert Event.objects.get().state == "running"


def test_the_same_event_twice_in_one_message_counts_once(instrument):
    result = send((1, 0, "running"), (1, 0, "running"))
    assert result.stored == 1 and sessions(instrument) == [(0, 0, True)]


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_arrival_order_and_repeats_give_the_sessions_of_the_whole_story(instrument, data):
    from telemetry.models import Event, InstrumentStatus, ReportingGap, UsageSession
    from telemetry.usage import Point, Track, derive

    UsageSession.objects.all().delete()
    ReportingGap.objects.all().delete()
    InstrumentStatus.objects.all().delete()
    Event.objects.all().delete()
    steps = data.draw(st.lists(st.tuples(st.sampled_from([1, 1, 2, 5]), st.sampled_from(["running", "idle", "off"])),
                               min_size=1, max_size=25))  # fmt: skip
    story, minute = [], 0
    for seq, (gap, state) in enumerate(steps, start=1):
        minute += gap
        story.append((seq, minute, state))
    arrivals = data.draw(st.permutations(story))
    arrivals += data.draw(st.lists(st.sampled_from(story), max_size=5))  # redeliveries
    cuts = sorted(data.draw(st.sets(st.integers(1, max(1, len(arrivals) - 1)), max_size=4)))
    directory = Directory()
    for part in [arrivals[a:b] for a, b in zip([0, *cuts], [*cuts, len(arrivals)], strict=True)]:
        unique = list({e[0]: e for e in part}.values())  # one message never holds a seq twice
        if unique:
            send(*unique, directory=directory)
    whole = derive(
        [Point(T0 + dt.timedelta(minutes=m), s, st_) for s, m, st_ in story], Track(), dt.timedelta(minutes=3)
    )
    expected = [((sp.start - T0).total_seconds() / 60, (sp.end - T0).total_seconds() / 60, sp.is_open)
                for sp in whole.sessions]  # fmt: skip
    assert sessions(instrument) == expected
    assert sorted(gaps(instrument)) == sorted(((a - T0).total_seconds() / 60, (b - T0).total_seconds() / 60)
                                              for a, b in whole.gaps)  # fmt: skip
