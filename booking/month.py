"""The month view of an instrument's calendar: six weeks from the Monday before the 1st,
each day with its free hours, or closed — for all of its opening hours (a holiday, a
maintenance day) or because it has none."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from booking.availability import InstrumentCalendar, clip, merge, subtract

WEEKS = 6
# closure_add's title for a closure given no reason.
UNNAMED_CLOSURE = "closed"


@dataclass
class Day:
    date: dt.date
    in_month: bool
    today: bool
    free_hours: float
    opens: bool  # the instrument has opening hours that day
    closed: bool  # closures take all of them
    reason: str = ""  # the closure's reason, if it gave one


def grid_start(first: dt.date) -> dt.date:
    return first - dt.timedelta(days=first.weekday())


def month_weeks(cal: InstrumentCalendar, first: dt.date) -> list[list[Day]]:
    """`cal` must cover the grid: WEEKS weeks from grid_start(first)."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(grid_start(first), dt.time(), tz)
    free_by_day: dict[dt.date, float] = {}
    for span in cal.free(start, start + dt.timedelta(weeks=WEEKS)):
        day = timezone.localtime(span.start).date()
        free_by_day[day] = free_by_day.get(day, 0) + (span.end - span.start).total_seconds() / 3600
    opening, closures = merge(cal.open), merge(cal.closed)
    today = timezone.localdate()
    days = []
    for offset in range(7 * WEEKS):
        date = grid_start(first) + dt.timedelta(days=offset)
        day_start = dt.datetime.combine(date, dt.time(), tz)
        day_end = dt.datetime.combine(date + dt.timedelta(days=1), dt.time(), tz)
        open_today = clip(opening, day_start, day_end)
        closed = bool(open_today) and not subtract(open_today, closures)
        days.append(Day(
            date=date, in_month=date.month == first.month, today=date == today,
            free_hours=round(free_by_day.get(date, 0), 1), opens=bool(open_today), closed=closed,
            reason=_reason(cal, day_start, day_end) if closed else "",
        ))  # fmt: skip
    return [days[week * 7 : week * 7 + 7] for week in range(WEEKS)]


def _reason(cal: InstrumentCalendar, start: dt.datetime, end: dt.datetime) -> str:
    touching = (s.label for s in cal.closed if s.start < end and s.end > start)
    return next((label for label in touching if label != UNNAMED_CLOSURE), "")
