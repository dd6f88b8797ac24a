"""Opening hours and closures as django-scheduler events; their recurrence is expanded
by django-scheduler's rules (dateutil rrule), never by hand.

Opening hours are daily-recurring events restricted to weekdays; closures are one-off
or recurring events (daily, weekly, monthly) with an optional end.
"""

import copy
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from schedule.models import Calendar, Event, Rule

WEEKDAYS = [
    (0, _("Mon")), (1, _("Tue")), (2, _("Wed")), (3, _("Thu")), (4, _("Fri")), (5, _("Sat")), (6, _("Sun")),
]  # fmt: skip
CLOSURE_REPEATS = [
    ("", _("Does not repeat")),
    ("DAILY", _("Every day")),
    ("WEEKLY", _("Every week")),
    ("MONTHLY", _("Every month")),
]
MIDNIGHT = dt.time(0)
# Opening-hours events start on this Monday; their rule makes them repeat for ever.
ANCHOR_MONDAY = dt.date(2024, 1, 1)


@dataclass(frozen=True)
class Span:
    start: dt.datetime
    end: dt.datetime
    label: str = ""


def new_calendar(kind: str, instrument_code: str) -> Calendar:
    slug = f"{kind}-{instrument_code}"[:200]
    return Calendar.objects.create(name=slug, slug=slug)


def _rule(frequency: str, params: str = "") -> Rule:
    rule, _created = Rule.objects.get_or_create(
        frequency=frequency, params=params, defaults={"name": f"{frequency} {params}"[:32], "description": params}
    )
    return rule


def opening_window_add(calendar: Calendar, *, weekdays: Iterable[int], opens: dt.time, closes: dt.time) -> Event:
    """Opening hours on `weekdays`; `closes` at 00:00 means open until midnight, so that
    windows of consecutive days join and a booking may run over midnight."""
    days = sorted(set(weekdays))
    tz = timezone.get_current_timezone()
    first = ANCHOR_MONDAY + dt.timedelta(days=days[0])
    last = first + dt.timedelta(days=1) if closes == MIDNIGHT else first
    return Event.objects.create(
        calendar=calendar,
        title=f"{opens:%H:%M}-{closing_label(closes)}",
        start=dt.datetime.combine(first, opens, tz),
        end=dt.datetime.combine(last, closes, tz),
        # DAILY limited to the weekdays: django-scheduler narrows a WEEKLY rule's
        # weekdays to the start's own weekday.
        rule=_rule("DAILY", "byweekday:" + ",".join(str(d) for d in days)),
    )


def closing_label(closes: dt.time) -> str:
    """A closing time as written on the rules page: midnight at the end of a day is 24:00."""
    return "24:00" if closes == MIDNIGHT else f"{closes:%H:%M}"


def opening_window_days(event: Event) -> list[int]:
    value = event.rule.get_params().get("byweekday", []) if event.rule else [event.start.weekday()]
    return [value] if isinstance(value, int) else list(value)


def closure_add(
    calendar: Calendar,
    *,
    start: dt.datetime,
    end: dt.datetime,
    reason: str,
    repeat: str = "",
    until: dt.date | None = None,
) -> Event:
    tz = timezone.get_current_timezone()
    return Event.objects.create(
        calendar=calendar,
        title=reason[:255] or "closed",
        start=start,
        end=end,
        rule=_rule(repeat) if repeat else None,
        end_recurring_period=dt.datetime.combine(until, dt.time.max, tz) if (repeat and until) else None,
    )


def _moved_near(event: Event, moment: dt.datetime) -> Event:
    """The event with its first occurrence moved forward by whole weeks to just before
    `moment`, for daily and weekly rules.

    django-scheduler walks a rule from the event's first occurrence: opening hours set
    up two years ago would be stepped through day by day on every query. For a daily or
    weekly rule (without COUNT) moving the start by whole weeks of wall-clock time
    changes no occurrence after `moment`.
    """
    if event.rule is None or event.rule.frequency not in ("DAILY", "WEEKLY") or "count" in event.rule.get_params():
        return event
    tz = moment.tzinfo
    first = event.start.astimezone(tz)
    weeks = (moment.date() - first.date()).days // 7 - 1
    if weeks <= 0:
        return event
    moved = copy.copy(event)  # shares the prefetched occurrences; the stored event is untouched
    shift = dt.timedelta(weeks=weeks)
    moved.start = dt.datetime.combine(first.date() + shift, first.time(), tz)
    local_end = event.end.astimezone(tz)
    moved.end = dt.datetime.combine(local_end.date() + shift, local_end.time(), tz)
    return moved


def events_by_calendar(calendar_ids: Iterable[int]) -> dict[int, list[Event]]:
    """Every event of the calendars, loaded in two queries for any number of calendars."""
    events: dict[int, list[Event]] = {}
    queryset = Event.objects.filter(calendar_id__in=list(calendar_ids)).select_related("rule")
    for event in queryset.prefetch_related("occurrence_set"):
        events.setdefault(event.calendar_id, []).append(event)
    return events


def occurrences(events: Iterable[Event], start: dt.datetime, end: dt.datetime) -> list[Span]:
    """The occurrences of the events that touch [start, end), in local time, sorted."""
    tz = timezone.get_current_timezone()
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    spans = []
    for event in events:
        event = _moved_near(event, local_start)
        # clear_prefetch=False: the events come with their occurrence_set prefetched.
        for occurrence in event.get_occurrences(local_start, local_end, clear_prefetch=False):
            if not occurrence.cancelled and occurrence.end > start and occurrence.start < end:
                spans.append(Span(occurrence.start, occurrence.end, occurrence.title))
    return sorted(spans, key=lambda span: span.start)
