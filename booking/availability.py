"""Free time: opening hours minus closures minus what is already held.

The interval arithmetic is pure; `load_calendars` fetches everything it needs for any
number of instruments in a handful of queries, so that a search over a thousand
instruments does not make a thousand round trips, and expands each distinct recurrence
of opening hours and closures once (booking.recurrence). Opening hours and closures are
read from the database only when their policy's schedule version is new to the process.
"""

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone

from booking.models import BookingPolicy, Reservation
from booking.recurrence import Expander, RowCache
from booking.schedules import Span
from instruments.models import Instrument


def merge(spans: Iterable[Span]) -> list[Span]:
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: s.start):
        if merged and span.start <= merged[-1].end:
            if span.end > merged[-1].end:
                merged[-1] = Span(merged[-1].start, span.end)
        else:
            merged.append(span)
    return merged


def subtract(spans: list[Span], holes: list[Span]) -> list[Span]:
    """`spans` minus `holes`; both merged and sorted."""
    result: list[Span] = []
    for span in spans:
        pieces = [span]
        for hole in holes:
            if hole.end <= span.start or hole.start >= span.end:
                continue
            next_pieces = []
            for piece in pieces:
                if hole.start > piece.start:
                    next_pieces.append(Span(piece.start, min(hole.start, piece.end)))
                if hole.end < piece.end:
                    next_pieces.append(Span(max(hole.end, piece.start), piece.end))
            pieces = [p for p in next_pieces if p.end > p.start]
        result += pieces
    return result


def clip(spans: list[Span], start: dt.datetime, end: dt.datetime) -> list[Span]:
    return [Span(max(s.start, start), min(s.end, end)) for s in spans if s.end > start and s.start < end]


@dataclass(frozen=True)
class Terms:
    """The time rules of a booking policy, as plain values."""

    min_minutes: int
    max_minutes: int
    granularity_minutes: int
    max_days_ahead: int
    min_notice_minutes: int
    buffer_minutes: int

    @classmethod
    def of(cls, policy: BookingPolicy) -> "Terms":
        return cls(*(getattr(policy, name) for name in TERMS))


TERMS = tuple(f.name for f in Terms.__dataclass_fields__.values())
# Opening hours and closures as this process last read them: two calendars per instrument,
# for up to 10,000 instruments.
ROWS = RowCache(size=20_000)


def free_time(
    terms: Terms,
    *,
    open: Iterable[Span],
    closed: Iterable[Span],
    held: Iterable[Span],
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
) -> list[Span]:
    """Windows in which a new booking could lie, as far as time goes: inside the opening
    hours and the policy's notice and horizon, clear of closures and of held time with the
    buffer, shrunk to whole slots and at least the shortest booking long."""
    earliest = max(start, now + dt.timedelta(minutes=terms.min_notice_minutes))
    latest = min(end, now + dt.timedelta(days=terms.max_days_ahead))
    if earliest >= latest:
        return []
    # A new booking needs its own buffer before the next held slot.
    buffer = dt.timedelta(minutes=terms.buffer_minutes)
    blocked = merge([*closed, *(Span(h.start - buffer, h.end) for h in held)])
    free = subtract(clip(merge(open), earliest, latest), blocked)
    minimum = dt.timedelta(minutes=terms.min_minutes)
    return [span for span in _aligned(free, terms.granularity_minutes) if span.end - span.start >= minimum]


@dataclass
class InstrumentCalendar:
    """What decides an instrument's free time within one window."""

    instrument: Instrument
    policy: BookingPolicy | None
    open: list[Span] = field(default_factory=list)
    closed: list[Span] = field(default_factory=list)
    held: list[Span] = field(default_factory=list)  # [start, blocked_until) of holding reservations

    def free(self, start: dt.datetime, end: dt.datetime, *, now: dt.datetime | None = None) -> list[Span]:
        """Windows in which a new booking could lie, as far as time goes (the policy's
        other rules, such as who may book, are checked when booking)."""
        if self.policy is None or not self.instrument.bookable:
            return []
        return free_time(
            Terms.of(self.policy), open=self.open, closed=self.closed, held=self.held, start=start, end=end,
            now=now or timezone.now(),
        )  # fmt: skip

    def busy(self, start: dt.datetime, end: dt.datetime) -> list[Span]:
        """Held time inside the opening hours, as outsiders may see it (no names)."""
        return clip(merge(self.held), start, end)


def _aligned(spans: list[Span], granularity: int) -> list[Span]:
    """Shrink each span to slot boundaries (multiples of `granularity` minutes from local midnight)."""
    tz = timezone.get_current_timezone()
    step = dt.timedelta(minutes=granularity)
    out = []
    for span in spans:
        local = span.start.astimezone(tz)
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        offset = (local - midnight) % step
        start = span.start + ((step - offset) % step)
        local_end = span.end.astimezone(tz)
        end = span.end - ((local_end - local_end.replace(hour=0, minute=0, second=0, microsecond=0)) % step)
        if end > start:
            out.append(Span(start, end))
    return out


def load_calendars(
    instruments: Iterable[Instrument], start: dt.datetime, end: dt.datetime, *, with_held: bool = True
) -> list[InstrumentCalendar]:
    """`with_held=False` leaves `held` empty, for callers that do not read it (booking checks
    clashes in its own transaction)."""
    instruments = list(instruments)
    policies = _policies(instruments)
    for instrument in instruments:
        if instrument.pk in policies:
            policies[instrument.pk].instrument = instrument  # the instrument in hand, not another copy
    events = ROWS.rows({c: p.schedule_version for p in policies.values() for c in (p.opening_hours_id, p.closures_id)})
    held: dict[int, list[Span]] = {}
    if with_held:
        longest_buffer = max([p.buffer_minutes for p in policies.values()], default=0)
        held = held_spans([i.pk for i in instruments], start, end, longest_buffer)
    expander = Expander(start, end)
    calendars = []
    for instrument in instruments:
        policy = policies.get(instrument.pk)
        calendar = InstrumentCalendar(instrument=instrument, policy=policy, held=held.get(instrument.pk, []))
        if policy is not None:
            calendar.open = expander.spans(events.get(policy.opening_hours_id, []))
            calendar.closed = expander.spans(events.get(policy.closures_id, []))
        calendars.append(calendar)
    return calendars


def _policies(instruments: list[Instrument]) -> dict[int, BookingPolicy]:
    """The instruments' policies: those loaded with them (select_related("policy")), or
    from one query."""
    loaded = Instrument.policy.related  # type: ignore[attr-defined]  # the reverse one-to-one
    if instruments and all(loaded.is_cached(i) for i in instruments):
        return {i.pk: policy for i in instruments if (policy := loaded.get_cached_value(i)) is not None}
    return {p.instrument_id: p for p in BookingPolicy.objects.filter(instrument__in=instruments)}


def held_spans(
    instrument_ids: Collection[int] | QuerySet, start: dt.datetime, end: dt.datetime, longest_buffer_minutes: int
) -> dict[int, list[Span]]:
    """[start, blocked_until) of the holding reservations that matter to [start, end)."""
    held: dict[int, list[Span]] = {}
    for instrument_id, s, b in Reservation.objects.filter(
        instrument__in=instrument_ids,
        status__in=Reservation.HOLDING,
        start__lt=end + dt.timedelta(minutes=longest_buffer_minutes),
        blocked_until__gt=start,
    ).values_list("instrument_id", "start", "blocked_until"):
        held.setdefault(instrument_id, []).append(Span(s, b))
    return held


def load_calendar(
    instrument: Instrument, start: dt.datetime, end: dt.datetime, *, with_held: bool = True
) -> InstrumentCalendar:
    return load_calendars([instrument], start, end, with_held=with_held)[0]
