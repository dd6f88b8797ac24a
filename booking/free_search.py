"""The free-time search: which instruments have enough free time in a window.

It answers for a thousand instruments at once, so it reads plain values (instruments and
their policies in one query, events and held reservations in three more), expands each
distinct recurrence once (booking.recurrence) and computes the free time once for
instruments whose hours, closures, bookings and rules are the same. The answer is the
one InstrumentCalendar.free gives instrument by instrument (tests/booking/test_free_search.py).
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from schedule.models import Calendar

from booking.availability import TERMS, Terms, clip, free_time, held_spans, merge
from booking.models import BookingPolicy
from booking.recurrence import Expander, event_rows
from booking.schedules import Span
from instruments.models import Instrument


@dataclass(frozen=True)
class FreeTime:
    instrument_id: int
    free: tuple[Span, ...]  # every free window, long or short
    busy: tuple[Span, ...]  # held time, without names


def instruments_free(
    instruments: QuerySet[Instrument],
    start: dt.datetime,
    end: dt.datetime,
    *,
    minimum: dt.timedelta = dt.timedelta(0),
    now: dt.datetime | None = None,
) -> list[FreeTime]:
    """The bookable instruments among `instruments`, in their order, with a free window at
    least `minimum` long, where one booking of `minimum` is allowed: not longer than the
    instrument's longest booking."""
    now = now or timezone.now()
    chosen = (
        instruments.filter(policy__isnull=False)
        # Instrument.bookable, asked of the database.
        .filter(status=Instrument.Status.NORMAL)
        .exclude(share_mode=Instrument.ShareMode.NONE)
        .prefetch_related(None)
    )
    shared: dict[tuple, Terms] = {}  # a thousand instruments have a few distinct policies
    rows = []
    for pk, opening_id, closures_id, *values in chosen.values_list(
        "pk", "policy__opening_hours_id", "policy__closures_id", *(f"policy__{name}" for name in TERMS)
    ):
        terms = shared.setdefault(tuple(values), Terms(*values))
        rows.append((pk, opening_id, closures_id, terms))
    # The other queries select by subquery: a thousand ids, each a parameter, cost more.
    policies = BookingPolicy.objects.filter(instrument__in=chosen.values("pk"))
    calendars = Calendar.objects.filter(
        Q(pk__in=policies.values("opening_hours_id")) | Q(pk__in=policies.values("closures_id"))
    )
    events = event_rows(calendars.values("pk"))
    held = held_spans(chosen.values("pk"), start, end, max([t.buffer_minutes for t in shared.values()], default=0))
    expander = Expander(start, end)
    computed: dict[tuple, tuple[Span, ...]] = {}
    found = []
    for pk, opening_id, closures_id, terms in rows:
        if minimum > dt.timedelta(minutes=terms.max_minutes):
            continue
        opening = tuple(expander.spans(events.get(opening_id, ())))
        closed = tuple(expander.spans(events.get(closures_id, ())))
        mine = tuple(held.get(pk, ()))
        key = (terms, opening, closed, mine)
        if key not in computed:
            computed[key] = tuple(
                free_time(terms, open=opening, closed=closed, held=mine, start=start, end=end, now=now)
            )
        free = computed[key]
        if any(span.end - span.start >= minimum for span in free):
            found.append(FreeTime(pk, free, tuple(clip(merge(mine), start, end))))
    return found
