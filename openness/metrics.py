"""Openness figures of one instrument over one period: pure functions on plain values.

The rules are DESIGN.md's "How usage is measured", applied the way booking.usage and
booking.settlement apply them to one booking, here summed over a period:
- running time comes only from usage sessions, so silence is never usage;
- each running instant belongs to the first booking (by start, then id) whose period
  [start, end) covers it — booking.usage's pieces — or to none: unbooked use;
- overrun is unbooked running time that continues, in one session, from a booking's end
  (a session running at the end, as settlement has it); it is part of unbooked use.

Times are integers ("ticks"): the selectors pass microseconds since the epoch, so every
sum is exact and rounding happens once, when a figure is shown. A period is [start, end).
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

from booking.models import Reservation

Interval = tuple[int, int]
TICKS_PER_SECOND = 1_000_000
TICKS_PER_HOUR = 3600 * TICKS_PER_SECOND
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Booking:
    """An approved, completed or no-show reservation (booking.usage.USED)."""

    pk: int
    start: int
    end: int
    status: str
    organization: int
    external: bool  # the requester's organization is not the instrument's institution
    verified: bool | None  # Reservation.usage_verified


@dataclass(frozen=True)
class Story:
    """What is recorded about one instrument around a period."""

    sessions: Sequence[Interval] = ()
    gaps: Sequence[Interval] = ()
    bookings: Sequence[Booking] = ()
    first_event: int | None = None  # the earliest event ever reported for it
    last_event: int | None = None  # the latest


@dataclass(frozen=True)
class Figures:
    """Ticks inside the period. The measured figures are None for an instrument whose
    gateway did not report at all in the period: nothing was measured, not zero."""

    period: int
    known: int  # time the gateway was reporting
    unknown: int  # reporting gaps
    booked: int  # declared: booked time of approved, completed and no-show bookings
    booked_external: int
    completed: int  # bookings starting in the period, by outcome
    no_show: int
    unverified: int
    effective: int | None = None
    external: int | None = None
    in_bookings: int | None = None
    unbooked: int | None = None
    overrun: int | None = None
    external_organizations: frozenset[int] | None = None

    @property
    def measured(self) -> bool:
        return self.effective is not None


def ticks(moment: dt.datetime) -> int:
    return (moment - EPOCH) // dt.timedelta(microseconds=1)


def overlap(interval: Interval, start: int, end: int) -> int:
    return max(0, min(interval[1], end) - max(interval[0], start))


def intervals_merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, with overlapping ones joined. Touching ones stay apart: two sessions that
    meet are still two sessions (an overrun does not carry from one into the next)."""
    merged: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def union_length(intervals: Iterable[Interval], start: int, end: int) -> int:
    return sum(overlap(i, start, end) for i in intervals_merge(intervals))


def session_pieces(session: Interval, bookings: Sequence[Booking]) -> list[tuple[int, int, Booking | None]]:
    """The session cut at booking edges, each piece with its booking or None (unbooked);
    booking.usage._pieces on ticks. `bookings` are sorted by (start, pk)."""
    pieces: list[tuple[int, int, Booking | None]] = []
    cursor, session_end = session
    for booking in bookings:
        if booking.end <= cursor or booking.start >= session_end:
            continue
        if booking.start > cursor:
            pieces.append((cursor, booking.start, None))
        inside_end = min(booking.end, session_end)
        pieces.append((max(booking.start, cursor), inside_end, booking))
        cursor = inside_end
    if cursor < session_end:
        pieces.append((cursor, session_end, None))
    return pieces


def known_time(story: Story, start: int, end: int) -> int:
    """Time the gateway was reporting: from the first event to the last one heard, less
    the silences. Before the first event (no gateway yet) and after the last one (unbound,
    or silent with no later event to close the gap) nothing is known."""
    if story.first_event is None or story.last_event is None:
        return 0
    lo, hi = max(start, story.first_event), min(end, story.last_event)
    if hi <= lo:
        return 0
    return (hi - lo) - union_length(story.gaps, lo, hi)


def outcome_counts(bookings: Iterable[Booking], start: int, end: int) -> tuple[int, int, int]:
    """(completed, no-show, unverified) of the bookings starting in the period. A completed
    booking not measured by telemetry (settled without a gateway, or marked by hand) is
    unverified, as settlement marks it."""
    completed = no_show = unverified = 0
    for booking in bookings:
        if not start <= booking.start < end:
            continue
        if booking.status == Reservation.Status.NO_SHOW:
            no_show += 1
        elif booking.status == Reservation.Status.COMPLETED and booking.verified:
            completed += 1
        elif booking.status == Reservation.Status.COMPLETED:
            unverified += 1
    return completed, no_show, unverified


def figures_compute(*, story: Story, start: int, end: int) -> Figures:
    bookings = sorted(story.bookings, key=lambda b: (b.start, b.pk))
    completed, no_show, unverified = outcome_counts(bookings, start, end)
    known = known_time(story, start, end)
    declared = Figures(
        period=end - start,
        known=known,
        unknown=union_length(story.gaps, start, end),
        booked=sum(overlap((b.start, b.end), start, end) for b in bookings),
        booked_external=sum(overlap((b.start, b.end), start, end) for b in bookings if b.external),
        completed=completed,
        no_show=no_show,
        unverified=unverified,
    )
    if known == 0:
        return declared
    effective = external = in_bookings = unbooked = overrun = 0
    organizations: set[int] = set()
    for session in intervals_merge(story.sessions):
        previous: Booking | None = None
        for piece_start, piece_end, booking in session_pieces(session, bookings):
            inside = overlap((piece_start, piece_end), start, end)
            effective += inside
            if booking is not None:
                in_bookings += inside
                if booking.external and inside:
                    external += inside
                    organizations.add(booking.organization)
            else:
                unbooked += inside
                if previous is not None:  # the session was running at that booking's end
                    overrun += inside
            previous = booking
    return replace(
        declared,
        effective=effective,
        external=external,
        in_bookings=in_bookings,
        unbooked=unbooked,
        overrun=overrun,
        external_organizations=frozenset(organizations),
    )


def reference_hours(*, start: dt.datetime, end: dt.datetime, annual_hours: int, tz: dt.tzinfo) -> Fraction:
    """Reference (定额) hours of [start, end): each local calendar year it touches gives
    its annual hours in proportion to the share of that year inside the period, so that
    a whole year — leap or not — is exactly `annual_hours`."""
    total = Fraction(0)
    year = start.astimezone(tz).year
    while (year_start := dt.datetime(year, 1, 1, tzinfo=tz)) < end:
        year_end = dt.datetime(year + 1, 1, 1, tzinfo=tz)
        inside = overlap((ticks(year_start), ticks(year_end)), ticks(start), ticks(end))
        total += Fraction(inside, ticks(year_end) - ticks(year_start)) * annual_hours
        year += 1
    return total


def ratio(part: int | Fraction | None, whole: int | Fraction | None) -> Fraction | None:
    """part ÷ whole, or None when either is unknown or the whole is zero."""
    if part is None or not whole:
        return None
    return Fraction(part) / Fraction(whole)
