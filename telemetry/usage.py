"""Usage sessions from state events: the rule every report, bill and voucher uses.

A usage session is a maximal interval in which the reported state is `running`,
ordered by the instruments' own time (`ts`). When a gateway is silent for longer than
its timeout, the session ends at the last event heard and the silence is unknown time,
never usage. Pure functions; telemetry.sessions applies them to the database.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple


class Point(NamedTuple):  # a tuple: the ingest path makes tens of thousands a second
    ts: dt.datetime
    seq: int
    state: str


@dataclass
class Span:
    start: dt.datetime
    end: dt.datetime
    is_open: bool = False
    pk: int | None = None  # the stored session this continues, if any


@dataclass
class Track:
    """Where the derivation of one instrument stands after its last event."""

    state: str | None = None
    last_ts: dt.datetime | None = None
    open: Span | None = None


@dataclass
class Derived:
    sessions: list[Span] = field(default_factory=list)  # new or changed sessions (an open one last)
    gaps: list[tuple[dt.datetime, dt.datetime]] = field(default_factory=list)
    track: Track = field(default_factory=Track)


def derive(points: Iterable[Point], track: Track, timeout: dt.timedelta) -> Derived:
    """Carry `track` through the points, which must all be later than track.last_ts."""
    out = Derived(track=Track(track.state, track.last_ts, track.open))
    t = out.track
    touched: list[Span] = []
    for point in sorted(points, key=lambda p: (p.ts, p.seq)):
        if t.last_ts is not None and point.ts - t.last_ts > timeout:
            if t.open is not None:  # silence: the session ends at the last event heard
                t.open.is_open = False
                if t.open not in touched:
                    touched.append(t.open)
                t.open = None
            out.gaps.append((t.last_ts, point.ts))
        if point.state == "running":
            if t.open is None:
                t.open = Span(point.ts, point.ts, is_open=True)
                touched.append(t.open)
            else:
                t.open.end = point.ts
                if t.open not in touched:
                    touched.append(t.open)
        elif t.open is not None:  # it ran until this change
            t.open.end, t.open.is_open = point.ts, False
            if t.open not in touched:
                touched.append(t.open)
            t.open = None
        t.state, t.last_ts = point.state, point.ts
    out.sessions = touched
    return out


def close_if_silent(track: Track, now: dt.datetime, timeout: dt.timedelta) -> Span | None:
    """The open session, closed at the last event heard, if the gateway fell silent."""
    if track.open is not None and track.last_ts is not None and now - track.last_ts > timeout:
        track.open.is_open = False
        closed, track.open = track.open, None
        return closed
    return None


def running_minutes(sessions: Iterable[tuple[dt.datetime, dt.datetime]], start: dt.datetime, end: dt.datetime) -> float:
    """Running time inside [start, end), in minutes."""
    total = dt.timedelta()
    for s, e in sessions:
        overlap = min(e, end) - max(s, start)
        if overlap > dt.timedelta():
            total += overlap
    return total.total_seconds() / 60
