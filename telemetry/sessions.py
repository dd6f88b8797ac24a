"""Keeping usage sessions, reporting gaps and live status in step with stored events.

Called inside the ingest transaction with the events that were new. Events later than
everything heard before (the usual case) extend the derivation where it stood; an event
older than that (out of order, or delivered late by an agent that was offline)
recomputes the instrument's sessions from just before it.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from telemetry.models import InstrumentStatus, ReportingGap, UsageSession
from telemetry.usage import Point, Span, Track, derive


@dataclass(frozen=True)
class NewEvent:
    instrument_id: int
    gateway_id: int
    seq: int
    ts: dt.datetime
    state: str


def apply(events: list[NewEvent], timeouts: dict[int, dt.timedelta], now: dt.datetime) -> set[int]:
    """Update sessions, gaps and status for the instruments of `events`; returns their ids.
    `timeouts` maps gateway id → silence timeout."""
    by_instrument: dict[int, list[NewEvent]] = defaultdict(list)
    for event in events:
        by_instrument[event.instrument_id].append(event)
    # Lock the instruments' status rows in a fixed order: two workers holding events of
    # the same instrument take turns instead of deriving its sessions at the same time.
    ids = sorted(by_instrument)
    statuses = {s.pk: s for s in InstrumentStatus.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    open_sessions = {
        s.pk: s
        for s in UsageSession.objects.filter(pk__in=[s.open_session_id for s in statuses.values() if s.open_session_id])
    }
    for instrument_id in ids:
        batch = by_instrument[instrument_id]
        latest = max(batch, key=lambda e: (e.ts, e.seq))
        timeout = timeouts[latest.gateway_id]
        status = statuses.get(instrument_id)
        if status is None or min(e.ts for e in batch) > status.last_ts:
            track = _track(status, open_sessions)
            derived = derive([Point(e.ts, e.seq, e.state) for e in batch], track, timeout)
            _save(instrument_id, latest.gateway_id, derived.sessions, derived.gaps)
        else:
            derived = _recompute(instrument_id, latest.gateway_id, min(e.ts for e in batch), timeout)
        _save_status(instrument_id, latest.gateway_id, status, derived.track, now)
    return set(ids)


def _track(status: InstrumentStatus | None, open_sessions: dict[int, UsageSession]) -> Track:
    if status is None:
        return Track()
    session = open_sessions.get(status.open_session_id)
    span = Span(session.start, session.end, True, session.pk) if session else None
    return Track(state=status.state, last_ts=status.last_ts, open=span)


def _save(instrument_id: int, gateway_id: int, spans: list[Span], gaps) -> None:
    for span in spans:
        if span.pk:
            UsageSession.objects.filter(pk=span.pk).update(end=span.end, is_open=span.is_open)
        else:
            span.pk = UsageSession.objects.create(instrument_id=instrument_id, gateway_id=gateway_id, start=span.start,
                                                  end=span.end, is_open=span.is_open).pk  # fmt: skip
    ReportingGap.objects.bulk_create(ReportingGap(instrument_id=instrument_id, start=s, end=e) for s, e in gaps)


def _recompute(instrument_id: int, gateway_id: int, since: dt.datetime, timeout: dt.timedelta):
    """Derive the instrument again from the last event before `since`."""
    from telemetry.models import Event  # the event table is only read here

    anchor = Event.objects.filter(instrument_id=instrument_id, ts__lt=since).order_by("-ts", "-seq").first()
    start = anchor.ts if anchor else since
    # Everything derived from `start` on is derived again; a session that began before
    # it and reached into it is cut back and continued.
    UsageSession.objects.filter(instrument_id=instrument_id, start__gte=start).delete()
    ReportingGap.objects.filter(instrument_id=instrument_id).filter(Q(start__gte=start) | Q(end__gt=start)).delete()
    before = UsageSession.objects.filter(instrument_id=instrument_id, start__lt=start, end__gte=start).first()
    track = Track()
    if anchor:
        open_span = None
        if anchor.state == "running":
            # The anchor ran: its session either began earlier (continue that one) or at it.
            open_span = Span(before.start, anchor.ts, True, before.pk) if before else Span(anchor.ts, anchor.ts, True)
        track = Track(state=anchor.state, last_ts=anchor.ts, open=open_span)
    points = [
        Point(ts, seq, state)
        for ts, seq, state in Event.objects.filter(instrument_id=instrument_id)
        .filter(Q(ts__gt=anchor.ts) if anchor else Q(ts__gte=since))
        .order_by("ts", "seq")
        .values_list("ts", "seq", "state")
    ]
    derived = derive(points, track, timeout)
    sessions = derived.sessions
    if track.open is not None and track.open not in sessions:
        sessions = [track.open, *sessions]  # the anchor's session, even if nothing after it ran
    _save(instrument_id, gateway_id, sessions, derived.gaps)
    return derived


def _save_status(instrument_id, gateway_id, status, track: Track, now) -> None:
    values = {
        "gateway_id": gateway_id, "state": track.state, "last_ts": track.last_ts, "last_heard_at": now,
        "open_session_id": track.open.pk if track.open else None, "updated_at": now, "silent": False,
    }  # fmt: skip
    if status is None:
        InstrumentStatus.objects.create(instrument_id=instrument_id, since=track.last_ts, **values)
        return
    if status.state != track.state:
        values["since"] = track.last_ts
    InstrumentStatus.objects.filter(pk=instrument_id).update(**values)


def close_silent_sessions(*, now: dt.datetime | None = None) -> int:
    """Mark instruments whose gateway has not been heard for longer than its timeout,
    and show their open session as ended at the last event heard (the jobs worker).

    The session stays the instrument's current one: if the agent later delivers events
    that continue it in the instruments' time, the derivation extends it again.
    Returns how many instruments fell silent."""
    now = now or timezone.now()
    silenced = 0
    for status in InstrumentStatus.objects.filter(silent=False).select_related("gateway"):
        timeout = dt.timedelta(seconds=status.gateway.timeout_seconds if status.gateway else 180)
        if now - status.last_heard_at <= timeout:
            continue
        if status.open_session_id:
            UsageSession.objects.filter(pk=status.open_session_id).update(is_open=False)
        InstrumentStatus.objects.filter(pk=status.pk).update(silent=True, updated_at=now)
        silenced += 1
    return silenced
