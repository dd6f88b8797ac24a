"""Occurrences of opening hours and closures, from plain rows.

A search over a thousand instruments meets the same few recurrences a thousand times (every
instrument open 08:30–17:30 on weekdays has its own event with the same rule and the same
first day). `Expander` expands each distinct recurrence once per window with dateutil, as
django-scheduler's `Event.get_occurrences` would, and hands the result to every event that
shares it. Events with stored occurrences (moved or cancelled through django-scheduler) are
left to django-scheduler itself.
"""

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from uuid import UUID

import pytz
from dateutil import rrule
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from schedule.models import Event, Occurrence, Rule

from booking.schedules import Span, occurrences

FREQUENCIES = {
    "YEARLY": rrule.YEARLY, "MONTHLY": rrule.MONTHLY, "WEEKLY": rrule.WEEKLY, "DAILY": rrule.DAILY,
    "HOURLY": rrule.HOURLY, "MINUTELY": rrule.MINUTELY, "SECONDLY": rrule.SECONDLY,
}  # fmt: skip
# django-scheduler narrows a rule's by-parameter to the event's own start when the parameter
# is finer than the frequency (a WEEKLY rule's weekdays become the start's weekday).
FREQUENCY_ORDER = {"YEARLY": 0, "MONTHLY": 1, "WEEKLY": 2, "DAILY": 3, "HOURLY": 4, "MINUTELY": 5, "SECONDLY": 6}
PARAMETER_ORDER = {
    "byyearday": 1, "bymonth": 1, "bymonthday": 2, "byweekno": 2, "byweekday": 3, "byhour": 4, "byminute": 5,
    "bysecond": 6,
}  # fmt: skip
# Parameters that keep a daily or weekly rule's occurrences the same when its first day moves
# forward by whole weeks (an interval, a count or a set position would shift them).
WEEK_SHIFT_SAFE = {"byweekday", "bymonth", "bymonthday", "byyearday", "byweekno", "byhour", "byminute", "bysecond"}


@dataclass(frozen=True)
class EventRow:
    """An opening window or closure as plain values."""

    id: int
    calendar_id: int
    start: dt.datetime
    end: dt.datetime
    title: str
    frequency: str | None  # None: happens once
    params: str
    until: dt.datetime | None
    has_stored_occurrences: bool = False


def event_rows(calendar_ids: Collection[int] | QuerySet) -> dict[int, list[EventRow]]:
    """Every event of the calendars, in one query for any number of calendars (give a
    subquery for many: a thousand ids would each be prepared as a parameter)."""
    rows: dict[int, list[EventRow]] = {}
    for values in (
        Event.objects.filter(calendar_id__in=calendar_ids)
        .annotate(stored=Exists(Occurrence.objects.filter(event_id=OuterRef("pk"))))
        .order_by("id")
        .values_list("id", "calendar_id", "start", "end", "title", "rule__frequency", "rule__params",
                     "end_recurring_period", "stored")
    ):  # fmt: skip
        row = EventRow(*values[:6], values[6] or "", values[7], values[8])
        rows.setdefault(row.calendar_id, []).append(row)
    return rows


class RowCache:
    """Event rows of calendars, kept in this process under their policy's schedule version.

    `BookingPolicy.schedule_version` is renewed in the transaction of every change to the
    policy's opening hours or closures (booking.policies), and read with the policy: a
    version seen before names the same rows in every process. Booking an instrument reads
    them from memory instead of a query. A change made past booking.policies (django-
    scheduler storing a moved occurrence, say) is seen once the version is renewed.
    """

    def __init__(self, size: int):
        self.size = size
        self._rows: OrderedDict[tuple[int, UUID], list[EventRow]] = OrderedDict()
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()

    def rows(self, versions: dict[int, UUID]) -> dict[int, list[EventRow]]:
        """The rows of each calendar in `versions` (calendar id: its policy's version)."""
        found: dict[int, list[EventRow]] = {}
        with self._lock:
            for calendar_id, version in versions.items():
                rows = self._rows.get((calendar_id, version))
                if rows is not None:
                    self._rows.move_to_end((calendar_id, version))
                    found[calendar_id] = rows
        missing = [calendar_id for calendar_id in versions if calendar_id not in found]
        if missing:
            loaded = event_rows(missing)
            with self._lock:
                for calendar_id in missing:
                    found[calendar_id] = self._rows[(calendar_id, versions[calendar_id])] = loaded.get(calendar_id, [])
                while len(self._rows) > self.size:
                    self._rows.popitem(last=False)
        return found


class Expander:
    """The occurrences of events that touch [start, end), each distinct recurrence expanded once."""

    def __init__(self, start: dt.datetime, end: dt.datetime):
        self.start, self.end = start, end
        self.tz = timezone.get_current_timezone()
        self._cache: dict[tuple, tuple[Span, ...]] = {}

    def spans(self, rows: Iterable[EventRow]) -> list[Span]:
        """Sorted by start, as schedules.occurrences gives them."""
        found: list[Span] = []
        stored = []
        for row in rows:
            if row.has_stored_occurrences:
                stored.append(row.id)
            elif row.frequency is None:
                if row.start < self.end and row.end > self.start:
                    found.append(Span(row.start, row.end, row.title))
            else:
                key = (row.frequency, row.params, row.start, row.end, row.until, row.title)
                if key not in self._cache:
                    self._cache[key] = self._expand(row)
                found += self._cache[key]
        if stored:
            events = Event.objects.filter(pk__in=stored).order_by("id").select_related("rule")
            found += occurrences(events.prefetch_related("occurrence_set"), self.start, self.end)
        return sorted(found, key=lambda span: span.start)

    def _expand(self, row: EventRow) -> tuple[Span, ...]:
        """django-scheduler's Event._get_occurrence_list, for the window, with dateutil."""
        assert row.frequency is not None
        tz, duration = self.tz, row.end - row.start
        local_end = self.end.astimezone(tz)
        if row.until is not None and row.until < local_end:
            local_end = row.until.astimezone(tz)
        rule_params = Rule(frequency=row.frequency, params=row.params).get_params()
        recurrence = rrule.rrule(
            FREQUENCIES[row.frequency],
            dtstart=self._first_start(row, rule_params, duration),
            until=row.until.astimezone(tz).replace(tzinfo=None) if row.until is not None else None,
            **_narrowed(row.frequency, rule_params, row.start),
        )
        window_start, window_end = self.start.astimezone(tz).replace(tzinfo=None), local_end.replace(tzinfo=None)
        starts = []
        before = recurrence.before(window_start, inc=False)
        if before is not None and before + duration > window_start:
            starts.append(before)
        inside = recurrence.between(window_start, window_end, inc=True)
        if inside and inside[-1] == window_end:
            inside.pop()
        localize = pytz.timezone(str(tz)).localize
        spans = []
        for naive in starts + inside:
            start = localize(naive)
            if start + duration > self.start and start < self.end:
                spans.append(Span(start, start + duration, row.title))
        return tuple(spans)

    def _first_start(self, row: EventRow, rule_params: dict, duration: dt.timedelta) -> dt.datetime:
        """The rule's first start in local wall-clock time, moved forward by whole weeks to
        just before the window when that changes no occurrence in it: opening hours set up
        two years ago are not stepped through day by day on every search."""
        first = row.start.astimezone(self.tz).replace(tzinfo=None)
        movable = (
            row.frequency in ("DAILY", "WEEKLY")
            and set(rule_params) <= WEEK_SHIFT_SAFE
            # The moved start lies more than six days before the window; an occurrence that
            # lasts longer could reach into the window from further back.
            and duration <= dt.timedelta(days=6)
        )
        weeks = (self.start.astimezone(self.tz).date() - first.date()).days // 7 - 1
        return first + dt.timedelta(weeks=weeks) if movable and weeks > 0 else first


def _narrowed(frequency: str, rule_params: dict, start: dt.datetime) -> dict:
    """The rrule parameters django-scheduler derives from a rule and the event's start
    (Event._event_params)."""
    own = {
        "byyearday": start.timetuple().tm_yday, "bymonth": start.month, "bymonthday": start.day,
        "byweekno": start.isocalendar()[1], "byweekday": start.weekday(), "byhour": start.hour,
        "byminute": start.minute, "bysecond": start.second,
    }  # fmt: skip
    params = {}
    for name, value in rule_params.items():
        if PARAMETER_ORDER.get(name, -1) > FREQUENCY_ORDER[frequency] and name in own:
            mine = own[name]
            params[name] = [mine] if mine == value or (hasattr(value, "__iter__") and mine in value) else value
        else:
            params[name] = value
    return params
