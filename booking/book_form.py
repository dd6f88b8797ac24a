"""Beside the booking form: the chosen day's opening hours, closures and free times, the
instrument's rules in plain words, and what other apps add (billing's cost estimate)."""

import datetime as dt
from dataclasses import dataclass

from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_time
from django.utils.http import urlencode

from booking.availability import clip, load_calendar, merge
from booking.extensions import Draft, booking_form_panels
from booking.models import Reservation
from booking.plain_rules import rules_in_words
from booking.schedules import Span
from booking.slots import offered_end
from instruments.models import Instrument


@dataclass(frozen=True)
class FreeTime:
    span: Span
    url: str  # the form prefilled from its start
    start: dt.datetime  # the period the link offers
    end: dt.datetime


def draft_of(instrument: Instrument, values: QueryDict | dict, initial: dict) -> tuple[dt.date, Draft]:
    """The day and period the form holds: what was typed, else what it was prefilled with."""
    tz = timezone.get_current_timezone()
    day = _typed(values, "day", parse_date) or initial.get("day") or timezone.localdate()
    start_time = _typed(values, "start_time", parse_time) or initial.get("start_time")
    end_time = _typed(values, "end_time", parse_time) or initial.get("end_time")
    start = dt.datetime.combine(day, start_time, tz) if start_time else None
    end = dt.datetime.combine(day, end_time, tz) if (start and end_time) else None
    if start and end and end <= start:
        end = None
    way = values.get("service_way") or Reservation.ServiceWay.USE
    return day, Draft(instrument=instrument, start=start, end=end, service_way=way)


def _typed(values: QueryDict | dict, name: str, parse):
    """A value as typed, parsed; None when missing or not a real date or time."""
    try:
        return parse(values.get(name) or "")
    except ValueError:  # well-formed but impossible: 2026-02-31, 25:00
        return None


def _hours(span: Span, day_end: dt.datetime) -> str:
    """08:30–17:30, and 24:00 for an end at the next midnight."""
    end = "24:00" if span.end == day_end else f"{timezone.localtime(span.end):%H:%M}"
    return f"{timezone.localtime(span.start):%H:%M}–{end}"


def side_context(request: HttpRequest, instrument: Instrument, day: dt.date, draft: Draft) -> dict:
    tz = timezone.get_current_timezone()
    day_start = dt.datetime.combine(day, dt.time(), tz)
    day_end = day_start + dt.timedelta(days=1)
    calendar = load_calendar(instrument, day_start, day_end)
    policy = calendar.policy
    free = []
    if policy is not None:
        book_url = reverse("booking:book", args=[instrument.code])
        for span in calendar.free(day_start, day_end):
            end = offered_end(policy, span.start, span.end)
            query = urlencode(
                {"start": timezone.localtime(span.start).isoformat(), "end": timezone.localtime(end).isoformat()}
            )
            free.append(FreeTime(span=span, url=f"{book_url}?{query}", start=span.start, end=end))
    return {
        "instrument": instrument,
        "day": day,
        "opening": [_hours(s, day_end) for s in clip(merge(calendar.open), day_start, day_end)],
        "closures": [s for s in calendar.closed if s.start < day_end and s.end > day_start],
        "free_times": free,
        "rules": rules_in_words(policy) if policy else [],
        "panels": booking_form_panels(request, draft),
    }
