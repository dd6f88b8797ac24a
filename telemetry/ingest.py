"""Storing a batch of MQTT messages: validate, drop repeats, write, derive — one
transaction, so that the worker acknowledges to the broker only what is committed.

New events are told from repeats and reused seqs, and inserted, by telemetry.event_writes.

The same transaction moves each gateway's end-to-end acknowledgement (`Acknowledged`),
which the worker publishes to the agent after the commit. A message that the database
refuses cannot hold up the others: the batch is stored again message by message, and
the one that fails becomes a dead letter (see `write_isolating`).
"""

import datetime as dt
import logging
from collections import Counter as Tally
from dataclasses import dataclass, field

import orjson
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F, Max, Min, Q

from config import metrics
from gateway import protocol
from instruments.services import record_change_note, settled_horizon
from telemetry import sessions
from telemetry.event_writes import Row, insert, sort_out, stored_again
from telemetry.models import Acknowledged, Counter, DeadLetter, Event, Gateway, GatewayStatus
from telemetry.partitions import Partitions, retention_cutoff

log = logging.getLogger("telemetry.ingest")
UNKNOWN_GATEWAY, GATEWAY_REVOKED, NOT_BOUND = "unknown_gateway", "gateway_revoked", "not_bound"
SEQ_REUSED = "seq_reused"
EXPIRED = "expired"
UNSTORABLE = "unstorable"
# The database is away or busy: keep the batch unacknowledged and try again.
TRANSIENT = (OperationalError, InterfaceError)
MAX_WAITING_RANGES = 1000
SEQ_REUSED_DETAIL = (
    "this seq was stored before with another instrument, time or state: the agent's outbox was reset, "
    "so seq no longer identifies its events; give the gateway a new outbox that continues after the last seq"
)
PARTITIONS = Partitions()  # the months this process knows have a partition


@dataclass(frozen=True)
class Message:
    topic: str
    payload: bytes
    received_at: dt.datetime


@dataclass
class Result:
    stored: int = 0
    duplicates: int = 0
    rejected: Tally[str] = field(default_factory=Tally)
    instruments: set[int] = field(default_factory=set)
    gateways: set[int] = field(default_factory=set)
    acks: dict[str, int] = field(default_factory=dict)  # gateway id → committed through seq

    def add(self, other: "Result") -> None:
        self.stored += other.stored
        self.duplicates += other.duplicates
        self.rejected.update(other.rejected)
        self.instruments |= other.instruments
        self.gateways |= other.gateways
        self.acks.update(other.acks)


@dataclass
class GatewayInfo:
    pk: int
    active: bool
    timeout: dt.timedelta
    instruments: dict[str, int]  # bound instrument code → id


class Directory:
    """Gateways and their bindings, cached for a few seconds between batches."""

    _loaded_at: dt.datetime | None
    _gateways: dict[str, GatewayInfo]

    def __init__(self, ttl: float = 5.0):
        self.ttl, self._loaded_at, self._gateways = ttl, None, {}

    def get(self, code: str, now: dt.datetime) -> GatewayInfo | None:
        stale = self._loaded_at is None or (now - self._loaded_at).total_seconds() > self.ttl
        if stale or code not in self._gateways:
            self._load(now)
        return self._gateways.get(code)

    def timeouts(self) -> dict[int, dt.timedelta]:
        return {g.pk: g.timeout for g in self._gateways.values()}

    def _load(self, now: dt.datetime) -> None:
        gateways = {}
        for g in Gateway.objects.prefetch_related("bindings__instrument"):
            gateways[g.code] = GatewayInfo(
                pk=g.pk, active=g.active, timeout=dt.timedelta(seconds=g.timeout_seconds),
                instruments={b.instrument.code: b.instrument_id for b in g.bindings.all()},
            )  # fmt: skip
        self._gateways, self._loaded_at = gateways, now


@dataclass
class Prepared:
    """A batch checked and turned into rows, ready to be written."""

    messages: list[Message]
    rows: list[Row] = field(default_factory=list)
    letters: list[DeadLetter] = field(default_factory=list)
    statuses: list[Message] = field(default_factory=list)
    gateways: set[int] = field(default_factory=set)
    ranges: list[tuple[int, str, int, int]] = field(default_factory=list)  # (gateway pk, id, after, last)


def store(messages: list[Message], directory: Directory, now: dt.datetime) -> Result:
    """Check and write a batch in one go (the worker runs the two steps on two threads)."""
    return write(prepare(messages, directory, now), directory, now)


def prepare(
    messages: list[Message], directory: Directory, now: dt.datetime, *, window: dict[str, dt.timedelta] | None = None
) -> Prepared:
    """Decode and check every message; no database writes. `window` (max_future, max_age)
    replaces the live time window of the settings (import_events takes history)."""
    prepared = Prepared(messages=messages)
    rows, letters = prepared.rows, prepared.letters
    kept_from = retention_cutoff(now)
    window = window or {"max_future": dt.timedelta(seconds=settings.TELEMETRY_MAX_FUTURE_SECONDS),
                        "max_age": dt.timedelta(days=settings.TELEMETRY_MAX_AGE_DAYS)}  # fmt: skip
    for message in messages:
        if message.topic.endswith("/status"):
            prepared.statuses.append(message)
            continue
        try:
            batch = protocol.decode(message.topic, message.payload, now=now, loads=orjson.loads, **window)
        except protocol.MessageRejected as rejected:
            letters.append(_letter(message, rejected.reason, rejected.detail))
            continue
        gateway = directory.get(batch.gateway, now)
        if gateway is None or not gateway.active:
            reason = UNKNOWN_GATEWAY if gateway is None else GATEWAY_REVOKED
            letters.append(_letter(message, reason, f"{len(batch.events)} events from {batch.gateway}"))
            continue
        letters += [_letter(message, r.reason, r.detail, r.seq) for r in batch.rejections]
        bound = gateway.instruments
        for event in batch.events:
            instrument_id = bound.get(event.instrument)
            if instrument_id is None:
                letters.append(_letter(message, NOT_BOUND, f"{event.instrument} is not bound to {batch.gateway}",
                                       event.seq, payload=False))  # fmt: skip
                continue
            if kept_from is not None and event.ts < kept_from:
                letters.append(_letter(message, EXPIRED, f"{event.ts:%Y-%m-%d} is before the raw events kept "
                                       f"(from {kept_from:%Y-%m-%d}, TELEMETRY_RETENTION_MONTHS)", event.seq,
                                       payload=False))  # fmt: skip
                continue
            readings = event.readings
            power = readings.get("power_w")
            extra = (
                {k: v for k, v in readings.items() if k != "power_w"} if len(readings) > (power is not None) else None
            )
            rows.append((gateway.pk, event.seq, instrument_id, event.ts, event.state, power, extra,
                         message.received_at, batch.gateway))  # fmt: skip
        prepared.gateways.add(gateway.pk)
        if batch.seq_range is not None:
            prepared.ranges.append((gateway.pk, batch.gateway, *batch.seq_range))
    return prepared


def write_isolating(prepared: Prepared, directory: Directory, now: dt.datetime) -> Result:
    """`write`, unless the database refuses something in the batch for a reason other than
    being away: then each message is stored on its own, and a message that still fails is
    kept as a dead letter (whole, for replay) and counted, so that it cannot stop ingest for
    every gateway. Its events' acknowledgement does not move: the agent keeps them and
    re-sends them later, so a fix on the server recovers them."""
    try:
        return write(prepared, directory, now)
    except TRANSIENT:
        raise
    except Exception:
        log.exception("a batch of %d messages could not be stored; storing them one by one", len(prepared.messages))
    total = Result()
    for message in prepared.messages:
        try:
            total.add(store([message], directory, now))
        except TRANSIENT:
            raise
        except Exception as error:
            log.exception("dead-lettering a message that cannot be stored (%s)", message.topic)
            total.add(_unstorable(message, error))
    return total


def _unstorable(message: Message, error: Exception) -> Result:
    letter = _letter(message, UNSTORABLE, f"{type(error).__name__}: {error}", payload=False)
    letter.payload = message.payload  # whole (at most 256 KiB), so that it can be replayed
    result = Result(rejected=Tally({UNSTORABLE: 1}))
    with transaction.atomic():
        letter.save()
        _count([message], 0, result)
    metrics.ingest_recorded(result, ())
    return result


def write(prepared: Prepared, directory: Directory, now: dt.datetime) -> Result:
    """Write a prepared batch, its sessions, statuses, rejects and counters: one transaction."""
    result = Result(gateways=set(prepared.gateways))
    rows, letters = prepared.rows, list(prepared.letters)
    PARTITIONS.ensure(row[3] for row in rows)
    with transaction.atomic():
        to_insert, reused = sort_out(rows)
        new = insert(to_insert)
        reused += stored_again(to_insert, new)
        for row in reused:
            letters.append(DeadLetter(received_at=row[7], topic=protocol.events_topic(row[8]), gateway_code=row[8],
                                      seq=row[1], reason=SEQ_REUSED, detail=SEQ_REUSED_DETAIL))  # fmt: skip
        result.stored, result.duplicates = len(new), len(rows) - len(new) - len(reused)
        if new:
            fresh, seen = [], set()
            for row in rows:  # each new event once, even if the batch carried it twice
                if (row[0], row[1]) in new and (row[0], row[1]) not in seen:
                    seen.add((row[0], row[1]))
                    fresh.append(sessions.NewEvent(row[2], row[0], row[1], row[3], row[4]))
            result.instruments = sessions.apply(fresh, directory.timeouts(), now)
            _note_settled_days(fresh, now)
        for letter in letters:
            result.rejected[letter.reason] += 1
        DeadLetter.objects.bulk_create(letters)
        _statuses(prepared.statuses, directory, now, result)
        result.acks = _acknowledge(prepared.ranges, now)
        _count(prepared.messages, len(rows) + len(prepared.letters), result)
    metrics.ingest_recorded(result, (row[3] for row in rows if (row[0], row[1]) in new))
    return result


def _letter(message: Message, reason: str, detail: str, seq: int | None = None, *, payload: bool = True) -> DeadLetter:
    kind = "status" if message.topic.endswith("/status") else "events"
    try:
        gateway = protocol.gateway_of(message.topic, kind)
    except protocol.MessageRejected:
        gateway = ""
    return DeadLetter(
        received_at=message.received_at,
        topic=message.topic[:300],
        gateway_code=gateway,
        seq=seq,
        reason=reason,
        detail=detail[:1000],
        payload=message.payload[:4096] if payload else b"",
    )


def _statuses(messages: list[Message], directory: Directory, now: dt.datetime, result: Result) -> None:
    for message in messages:
        try:
            code = protocol.gateway_of(message.topic, "status")
            body = protocol.decode_status(message.payload)
        except protocol.MessageRejected as rejected:
            _letter(message, rejected.reason, rejected.detail).save()
            result.rejected[rejected.reason] += 1
            continue
        gateway = directory.get(code, now)
        if gateway is None:
            _letter(message, UNKNOWN_GATEWAY, f"status of {code}").save()
            result.rejected[UNKNOWN_GATEWAY] += 1
            continue
        details = {name: body[name] for name in protocol.STATUS_FIGURES if name in body}
        GatewayStatus.objects.update_or_create(
            gateway_id=gateway.pk, defaults={"online": body["online"], "details": details, "updated_at": now}
        )
        result.gateways.add(gateway.pk)


def _acknowledge(ranges: list[tuple[int, str, int, int]], now: dt.datetime) -> dict[str, int]:
    """Move each gateway's acknowledgement over the (after, last] ranges committed now, and
    return gateway id → the seq through which everything is committed."""
    if not ranges:
        return {}
    codes = {pk: code for pk, code, _after, _last in ranges}
    Acknowledged.objects.bulk_create(
        [Acknowledged(gateway_id=pk, updated_at=now) for pk in codes], ignore_conflicts=True
    )
    # Locked in one order, so that two workers storing the same gateways wait rather than
    # deadlock, and neither overwrites the other's ranges.
    marks = list(Acknowledged.objects.select_for_update().filter(gateway_id__in=codes).order_by("gateway_id"))
    for mark in marks:
        waiting = sorted([*map(tuple, mark.ranges), *((a, b) for pk, _c, a, b in ranges if pk == mark.gateway_id)])
        kept = []
        for after, last in waiting:
            if after <= mark.seq:
                mark.seq = max(mark.seq, last)
            elif last > mark.seq:
                kept.append([after, last])
        mark.ranges, mark.updated_at = kept[:MAX_WAITING_RANGES], now  # past that, the agent re-sends
    Acknowledged.objects.bulk_update(marks, ["seq", "ranges", "updated_at"])
    return {codes[mark.gateway_id]: mark.seq for mark in marks}


def _count(messages: list[Message], received: int, result: Result) -> None:
    increments = {
        "messages": len(messages),
        "received": received,
        "stored": result.stored,
        "duplicate": result.duplicates,
    }
    increments.update({f"rejected:{reason}": n for reason, n in result.rejected.items()})
    for name, value in increments.items():
        if value and not Counter.objects.filter(name=name).update(value=F("value") + value):
            _counter, created = Counter.objects.get_or_create(name=name, defaults={"value": value})
            if not created:  # another worker made it a moment ago
                Counter.objects.filter(name=name).update(value=F("value") + value)


def _note_settled_days(fresh: list[sessions.NewEvent], now: dt.datetime) -> None:
    """Events of days that have settled (an import of history) change the usage derived
    from the event before them to the event after them: note that span, so that figures
    computed per day for it are computed again."""
    horizon = settled_horizon(now)
    old = [event for event in fresh if event.ts < horizon]
    if not old:
        return
    for instrument in {event.instrument_id for event in old}:
        times = [event.ts for event in old if event.instrument_id == instrument]
        first, last = min(times), max(times)
        around = Event.objects.filter(instrument_id=instrument).aggregate(
            before=Max("ts", filter=Q(ts__lt=first)), after=Min("ts", filter=Q(ts__gt=last))
        )
        record_change_note(start=around["before"] or first, end=(around["after"] or last) + dt.timedelta(seconds=1),
                           now=now)  # fmt: skip
