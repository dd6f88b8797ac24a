"""The recorded facts of many instruments around a period, in a handful of queries, as
plain values for openness.metrics."""

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Max, Min, QuerySet

from booking.models import Reservation
from booking.usage import USED
from instruments.models import Instrument
from openness.metrics import Booking, Story, ticks
from telemetry.models import Event, ReportingGap, UsageSession

# Instruments as a queryset (of rows or of values, such as their pks) or a list of their ids.
Ids = QuerySet[Instrument, Any] | list[int]


def _ids(instruments: Ids) -> Any:
    # A subquery rather than a list of ids: a province has more instruments than SQLite
    # accepts query parameters.
    return instruments.values("pk") if isinstance(instruments, QuerySet) else list(instruments)


def stories_load(*, instruments: Ids, start: dt.datetime, end: dt.datetime) -> dict[int, Story]:
    """Sessions and gaps touching [start, end), the bookings they may meet, and the span
    of each instrument's events: four queries whatever the number of instruments."""
    ids = _ids(instruments)
    sessions: dict[int, list] = defaultdict(list)
    earliest = start
    for pk, s, e in UsageSession.objects.filter(instrument_id__in=ids, start__lt=end, end__gt=start).values_list(
        "instrument_id", "start", "end"
    ):
        sessions[pk].append((ticks(s), ticks(e)))
        earliest = min(earliest, s)
    gaps: dict[int, list] = defaultdict(list)
    for pk, s, e in ReportingGap.objects.filter(instrument_id__in=ids, start__lt=end, end__gt=start).values_list(
        "instrument_id", "start", "end"
    ):
        gaps[pk].append((ticks(s), ticks(e)))
    # From the earliest session start: a booking that ended before the period still
    # makes the rest of a session running at its end overrun.
    bookings: dict[int, list] = defaultdict(list)
    for row in Reservation.objects.filter(
        instrument_id__in=ids, status__in=USED, start__lt=end, end__gt=earliest
    ).values_list("pk", "instrument_id", "start", "end", "status", "organization_id", "instrument__institution_id",
                  "usage_verified"):  # fmt: skip
        pk, instrument, s, e, status, organization, institution, verified = row
        bookings[instrument].append(
            Booking(pk, ticks(s), ticks(e), status, organization, organization != institution, verified)
        )
    spans = (
        Event.objects.filter(instrument_id__in=ids)
        .order_by()
        .values("instrument_id")
        .annotate(first=Min("ts"), last=Max("ts"))
        .values_list("instrument_id", "first", "last")
    )
    events = {pk: (ticks(first), ticks(last)) for pk, first, last in spans}
    keys = set(sessions) | set(gaps) | set(bookings) | set(events)
    return {
        pk: Story(sessions[pk], gaps[pk], bookings[pk], *events.get(pk, (None, None)))
        for pk in keys
    }  # fmt: skip
