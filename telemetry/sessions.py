"""Keeping usage sessions, reporting gaps and live status in step with stored events.

Called inside the ingest transaction with the events that were new. Events later than
everything heard before (the usual case) extend the derivation where it stood; an event
older than that (out of order, or delivered late by an agent that was offline)
recomputes the instrument's sessions from just before it.
"""

import datetime as dt
from collections import defaultdict
from typing import NamedTuple

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from telemetry.models import InstrumentStatus, ReportingGap, UsageSession
from telemetry.usage import Point, Span, Track, derive

# Advisory lock keys FIRST_STATUS_LOCKS + instrument id: the first status row of an instrument.
FIRST_STATUS_LOCKS = 7_302 << 40


class NewEvent(NamedTuple):
    instrument_id: int
    gateway_id: int
    seq: int
    ts: dt.datetime
    state: str


def apply(events: list[NewEvent], timeouts: dict[int, dt.timedelta], now: dt.datetime) -> set[int]:
    """Update sessions, gaps and status for the instruments of `events`; returns their ids.
    `timeouts` maps gateway id → silence timeout.

    The usual case — events later than all heard before — is written in a few
    statements for the whole batch, however many instruments it covers."""
    by_instrument: dict[int, list[NewEvent]] = defaultdict(list)
    for event in events:
        by_instrument[event.instrument_id].append(event)
    # Lock the instruments' status rows in a fixed order: two workers holding events of
    # the same instrument take turns instead of deriving its sessions at the same time.
    ids = sorted(by_instrument)
    statuses = {s.pk: s for s in InstrumentStatus.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    _wait_for_new_statuses(statuses, ids)
    open_sessions = {
        s.pk: s
        for s in UsageSession.objects.filter(pk__in=[s.open_session_id for s in statuses.values() if s.open_session_id])
    }
    pending: list[tuple[int, int, Span]] = []  # (instrument, gateway, span) to create or update
    gaps: list[ReportingGap] = []
    tracks: dict[int, tuple[int, Track]] = {}
    for instrument_id in ids:
        batch = by_instrument[instrument_id]
        latest = max(batch, key=lambda e: (e.ts, e.seq))
        timeout = timeouts[latest.gateway_id]
        status = statuses.get(instrument_id)
        if status is None or min(e.ts for e in batch) > status.last_ts:
            derived = derive([Point(e.ts, e.seq, e.state) for e in batch], _track(status, open_sessions), timeout)
            pending += [(instrument_id, latest.gateway_id, span) for span in derived.sessions]
            gaps += [ReportingGap(instrument_id=instrument_id, start=a, end=b) for a, b in derived.gaps]
        else:  # out of order: rare, so one instrument at a time
            derived = _recompute(instrument_id, latest.gateway_id, min(e.ts for e in batch), timeout)
        tracks[instrument_id] = (latest.gateway_id, derived.track)
    _save_spans(pending)
    ReportingGap.objects.bulk_create(gaps)
    _save_statuses(statuses, tracks, now)
    return set(ids)


def _wait_for_new_statuses(statuses: dict[int, InstrumentStatus], ids: list[int]) -> None:
    """Instruments heard for the first time have no status row to lock: on PostgreSQL two
    workers take turns on a lock per such instrument, and the second reads the row the first
    made. (SQLite runs one writing transaction at a time.)"""
    missing = [pk for pk in ids if pk not in statuses]
    if not missing or connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s + pk) FROM unnest(%s::bigint[]) AS pk ORDER BY pk",
            [FIRST_STATUS_LOCKS, missing],
        )
    made = InstrumentStatus.objects.select_for_update().filter(pk__in=missing).order_by("pk")
    statuses.update({status.pk: status for status in made})


def _track(status: InstrumentStatus | None, open_sessions: dict[int, UsageSession]) -> Track:
    if status is None:
        return Track()
    session = open_sessions.get(status.open_session_id)
    span = Span(session.start, session.end, True, session.pk) if session else None
    return Track(state=status.state, last_ts=status.last_ts, open=span)


def _save_spans(pending: list[tuple[int, int, Span]]) -> None:
    """Create new sessions (learning their ids) and update continued ones."""
    new = [(i, g, span) for i, g, span in pending if not span.pk]
    created = UsageSession.objects.bulk_create(
        UsageSession(instrument_id=i, gateway_id=g, start=span.start, end=span.end, is_open=span.is_open)
        for i, g, span in new
    )
    for (_, _, span), session in zip(new, created, strict=True):
        span.pk = session.pk
    created_ids = {id(span) for _, _, span in new}
    changed = [(span.pk, span.end, span.is_open) for _, _, span in pending if id(span) not in created_ids]
    _update("telemetry_usagesession", "id", [("end", "timestamptz"), ("is_open", "boolean")], changed)


def _save_statuses(statuses: dict[int, InstrumentStatus], tracks: dict[int, tuple[int, Track]], now) -> None:
    fresh, changed = [], []
    for instrument_id, (gateway_id, track) in tracks.items():
        status = statuses.get(instrument_id)
        if status is None:
            status = InstrumentStatus(instrument_id=instrument_id, since=track.last_ts)
            fresh.append(status)
        else:
            changed.append(status)
            if status.state != track.state:
                status.since = track.last_ts
        status.gateway_id, status.state, status.last_ts = gateway_id, track.state, track.last_ts
        status.last_heard_at = status.updated_at = now
        status.open_session_id = track.open.pk if track.open else None
        status.silent = False
    InstrumentStatus.objects.bulk_create(fresh)
    _update(
        "telemetry_instrumentstatus", "instrument_id",
        [("gateway_id", "bigint"), ("state", "varchar"), ("since", "timestamptz"), ("last_ts", "timestamptz"),
         ("last_heard_at", "timestamptz"), ("open_session_id", "bigint"), ("silent", "boolean"),
         ("updated_at", "timestamptz")],
        [(s.pk, s.gateway_id, s.state, s.since, s.last_ts, s.last_heard_at, s.open_session_id, s.silent,
          s.updated_at) for s in changed],
    )  # fmt: skip


def _update(table: str, key: str, columns: list[tuple[str, str]], rows: list[tuple]) -> None:
    """Update many rows by key in one statement; `rows` are (key, *values).

    Django's bulk_update builds a CASE per field and row in Python, which costs more than
    the database work here. PostgreSQL gets one UPDATE … FROM unnest(arrays); SQLite, in
    the same process, takes executemany."""
    if not rows:
        return
    names = [name for name, _ in columns]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            assignments = ", ".join(f'"{name}" = %s' for name in names)
            cursor.executemany(f'UPDATE {table} SET {assignments} WHERE "{key}" = %s', [(*r[1:], r[0]) for r in rows])
            return
        # One array per column: the statement stays small however many rows there are.
        arrays = ", ".join(["%s::bigint[]"] + [f"%s::{kind}[]" for _, kind in columns])
        assignments = ", ".join(f'"{name}" = v."{name}"' for name in names)
        aliases = ", ".join(f'"{name}"' for name in [key, *names])
        cursor.execute(
            f'UPDATE {table} AS t SET {assignments} FROM unnest({arrays}) AS v({aliases}) WHERE t."{key}" = v."{key}"',
            [list(column) for column in zip(*rows, strict=True)],
        )


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
    _save_spans([(instrument_id, gateway_id, span) for span in sessions])
    ReportingGap.objects.bulk_create(ReportingGap(instrument_id=instrument_id, start=a, end=b) for a, b in derived.gaps)
    return derived


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
