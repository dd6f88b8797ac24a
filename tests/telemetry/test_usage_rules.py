"""The usage rule: running intervals by the instruments' time; silence is unknown, never use."""

import datetime as dt

from telemetry.usage import Point, Track, close_if_silent, derive, running_minutes

T0 = dt.datetime(2026, 11, 24, 1, 0, tzinfo=dt.UTC)
TIMEOUT = dt.timedelta(minutes=3)


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def points(*pairs):
    return [Point(at(m), n, s) for n, (m, s) in enumerate(pairs, start=1)]


def spans(derived):
    return [
        ((s.start - T0).total_seconds() / 60, (s.end - T0).total_seconds() / 60, s.is_open) for s in derived.sessions
    ]


def test_running_heartbeats_make_one_session_ended_by_the_change():
    d = derive(points((0, "idle"), (1, "running"), (2, "running"), (3, "running"), (3.5, "idle")), Track(), TIMEOUT)
    assert spans(d) == [(1, 3.5, False)]
    assert d.gaps == [] and d.track.state == "idle"


def test_a_session_still_running_stays_open_at_the_last_event():
    d = derive(points((0, "running"), (1, "running")), Track(), TIMEOUT)
    assert spans(d) == [(0, 1, True)]


def test_silence_ends_the_session_at_the_last_event_heard_and_is_unknown_time():
    d = derive(points((0, "running"), (1, "running"), (10, "running"), (11, "idle")), Track(), TIMEOUT)
    assert spans(d) == [(0, 1, False), (10, 11, False)]
    assert d.gaps == [(at(1), at(10))]


def test_order_of_arrival_does_not_matter_within_a_batch():
    ordered = points((0, "running"), (1, "running"), (2, "idle"), (3, "running"), (4, "off"))
    shuffled = [ordered[3], ordered[0], ordered[4], ordered[2], ordered[1]]
    assert spans(derive(shuffled, Track(), TIMEOUT)) == spans(derive(ordered, Track(), TIMEOUT))


def test_a_batch_continues_where_the_last_one_ended():
    first = derive(points((0, "running"), (1, "running")), Track(), TIMEOUT)
    second = derive([Point(at(2), 3, "running"), Point(at(3), 4, "fault")], first.track, TIMEOUT)
    assert second.sessions[0] is first.sessions[0]  # the same session, extended and closed
    assert spans(second) == [(0, 3, False)]


def test_a_silent_open_session_is_closed_later():
    d = derive(points((0, "running"), (1, "running")), Track(), TIMEOUT)
    assert close_if_silent(d.track, at(3), TIMEOUT) is None
    closed = close_if_silent(d.track, at(5), TIMEOUT)
    assert (closed.end, closed.is_open) == (at(1), False)


def test_running_minutes_inside_a_period():
    sessions = [(at(0), at(30)), (at(50), at(80))]
    assert running_minutes(sessions, at(10), at(60)) == 30
