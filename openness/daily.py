"""Figures per instrument and settled day, so that a report of a year adds days up
rather than computing from millions of sessions.

A day has settled once no live event can reach it any more (FIGURES_SETTLED_AFTER_DAYS):
the jobs worker then computes its figures for every instrument (`days_settle`), by the
very function that computes any period (openness.metrics.figures_compute), and marks it
(SettledDay). Reports read settled whole days from DailyFigure and compute everything
else — recent days, partial days at the ends — from the facts; the figures of adjacent
periods add up exactly, so the sum is what a computation of the whole period gives.

When facts of settled days change after all (an import of history, a late correction),
the writer notes it (instruments.RecordChange); until the next `days_settle` recomputes
them, those days count as not settled and reports compute them from the facts.
"""

import datetime as dt
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Aggregate, Min, Q, Sum, TextField
from django.utils import timezone

from booking.models import Reservation
from instruments.models import Instrument, RecordChange
from instruments.services import record_lock, settled_horizon
from openness.metrics import Figures, Story, figures_compute, intervals_merge, known_time, ticks
from openness.models import (
    DailyFigure,
    DailyOrganization,
    MonthlyFigure,
    MonthlyOrganization,
    SettledDay,
    SettledMonth,
)
from openness.stories import Ids, stories_load
from telemetry.models import Event, UsageSession

FIELDS = ("known", "unknown", "booked", "booked_external", "effective", "external", "in_bookings", "unbooked",
          "overrun", "completed", "no_show", "unverified")  # fmt: skip
MEASURED = ("effective", "external", "in_bookings", "unbooked", "overrun")
SETTLE_AT_ONCE = 31  # days per transaction of the jobs worker


def midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), timezone.get_current_timezone())


def first_unsettled(now: dt.datetime | None = None) -> dt.date:
    """Days before this one have settled."""
    return timezone.localdate(settled_horizon(now))


def _days(start: dt.date, end: dt.date) -> Iterable[dt.date]:
    day = start
    while day < end:
        yield day
        day += dt.timedelta(days=1)


def _changed_days(changes: Iterable[RecordChange]) -> set[dt.date]:
    changed: set[dt.date] = set()
    for change in changes:
        last = timezone.localdate(change.end - dt.timedelta(microseconds=1))
        changed.update(_days(timezone.localdate(change.start), last + dt.timedelta(days=1)))
    return changed


def settled_days(first: dt.date, after: dt.date) -> set[dt.date]:
    """The days in [first, after) whose DailyFigure rows can be trusted now."""
    days = set(SettledDay.objects.filter(day__gte=first, day__lt=after).values_list("day", flat=True))
    if days:
        changes = RecordChange.objects.filter(start__lt=midnight(after), end__gt=midnight(first))
        days -= _changed_days(changes)
    return days


# --- writing ---------------------------------------------------------------------------


def days_settle(*, now: dt.datetime | None = None, limit: int = SETTLE_AT_ONCE) -> int:
    """Compute the figures of settled days that have none yet or whose facts changed, the
    oldest first, at most `limit` days; returns how many. The jobs worker's task."""
    with transaction.atomic():
        record_lock()  # no change is being written while the facts are read
        changes = list(RecordChange.objects.all())
        todo = sorted(_due(first_unsettled(now)) | _changed_days(changes))[:limit]
        if todo:
            _compute(todo, now or timezone.now())
            _compute_months({day.replace(day=1) for day in todo}, now or timezone.now())
        done = set(todo)
        RecordChange.objects.filter(pk__in=[c.pk for c in changes if _changed_days([c]) <= done]).delete()
    return len(todo)


def _due(before: dt.date) -> set[dt.date]:
    """Days with facts, before `before`, that are not settled yet."""
    firsts = [
        UsageSession.objects.aggregate(first=Min("start"))["first"],
        Event.objects.aggregate(first=Min("ts"))["first"],
        Reservation.objects.aggregate(first=Min("start"))["first"],
    ]
    known = [timezone.localdate(moment) for moment in firsts if moment is not None]
    if not known:
        return set()
    settled = set(SettledDay.objects.filter(day__lt=before).values_list("day", flat=True))
    return set(_days(min(known), before)) - settled


def _compute(days: list[dt.date], now: dt.datetime) -> None:
    instruments = list(Instrument.objects.values_list("pk", flat=True))
    rows, served = [], []
    for run_first, run_after in _runs(days):
        stories = stories_load(instruments=instruments, start=midnight(run_first), end=midnight(run_after))
        for pk, story in stories.items():
            for day, day_story in _by_day(story, run_first, run_after).items():
                row, organizations = _row(pk, day, day_story)
                if row is not None:
                    rows.append(row)
                    served += [DailyOrganization(instrument_id=pk, day=day, organization_id=o) for o in organizations]
    DailyFigure.objects.filter(day__in=days).delete()
    DailyOrganization.objects.filter(day__in=days).delete()
    _insert(DailyFigure, rows)
    _insert(DailyOrganization, served)
    SettledDay.objects.filter(day__in=days).delete()
    SettledDay.objects.bulk_create([SettledDay(day=day, computed_at=now) for day in days])


def _month_after(month: dt.date) -> dt.date:
    return (month + dt.timedelta(days=32)).replace(day=1)


def _compute_months(months: set[dt.date], now: dt.datetime) -> None:
    """Sum the stored days of each of these months that is settled through, once more."""
    for month in sorted(months):
        after = _month_after(month)
        MonthlyFigure.objects.filter(month=month).delete()
        MonthlyOrganization.objects.filter(month=month).delete()
        SettledMonth.objects.filter(month=month).delete()
        if SettledDay.objects.filter(day__gte=month, day__lt=after).count() < (after - month).days:
            continue  # not settled through yet
        days = DailyFigure.objects.filter(day__gte=month, day__lt=after).order_by().values("instrument_id")
        sums = days.annotate(**{f"s_{name}": Sum(name) for name in FIELDS})
        rows = [MonthlyFigure(instrument_id=row["instrument_id"], month=month, **{n: row[f"s_{n}"] for n in FIELDS})
                for row in sums]  # fmt: skip
        _insert(MonthlyFigure, rows)
        served = DailyOrganization.objects.filter(day__gte=month, day__lt=after)
        pairs = served.values_list("instrument_id", "organization_id").distinct()
        _insert(MonthlyOrganization, [MonthlyOrganization(instrument_id=i, month=month, organization_id=o)
                                      for i, o in pairs])  # fmt: skip
        SettledMonth.objects.create(month=month, computed_at=now)


def _insert(model, rows: list) -> None:
    """bulk_create, by COPY on PostgreSQL: a year of a province is millions of rows."""
    if connection.vendor != "postgresql" or not rows:
        model.objects.bulk_create(rows, batch_size=2000)
        return
    columns = [f.column for f in model._meta.concrete_fields if not f.primary_key or f.column != "id"]
    names = [f.attname for f in model._meta.concrete_fields if not f.primary_key or f.column != "id"]
    with (
        connection.cursor() as wrapper,
        wrapper.cursor.copy(f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row([getattr(row, name) for name in names])


def _runs(days: list[dt.date], *, monthly: bool = False) -> list[tuple[dt.date, dt.date]]:
    """Sorted days (or first days of months) as [first, after) runs of consecutive ones."""
    runs: list[list[dt.date]] = []
    for day in sorted(days):
        after = _month_after(day) if monthly else day + dt.timedelta(days=1)
        if runs and runs[-1][1] == day:
            runs[-1][1] = after
        else:
            runs.append([day, after])
    return [(first, after) for first, after in runs]


def _by_day(story: Story, first: dt.date, after: dt.date) -> dict[dt.date, Story]:
    """The story of each day: what touches the day, and the bookings of every (merged)
    session that touches it — a booking that ended the day before still makes the rest of
    its session overrun. Computing a day from it gives what the whole story gives."""
    days = list(_days(first, after))
    edges = [ticks(midnight(day)) for day in [*days, after]]

    def touched(start: int, end: int) -> range:
        lo, hi = max(0, bisect_right(edges, start) - 1), min(len(days), bisect_left(edges, end))
        return range(lo, max(lo, hi))

    sessions = intervals_merge(story.sessions)
    session_ends = [end for _start, end in sessions]
    by_day: list[tuple[list, list, list]] = [([], [], []) for _ in days]
    for session in sessions:
        for i in touched(*session):
            by_day[i][0].append(session)
    for gap in story.gaps:
        for i in touched(*gap):
            by_day[i][1].append(gap)
    for booking in story.bookings:
        where = set(touched(booking.start, booking.end))
        j = bisect_right(session_ends, booking.start)  # the first session ending after it starts
        while j < len(sessions) and sessions[j][0] < booking.end:
            where.update(touched(*sessions[j]))
            j += 1
        for i in where:
            by_day[i][2].append(booking)
    return {
        day: Story(s, g, b, story.first_event, story.last_event)
        for day, (s, g, b) in zip(days, by_day, strict=True)
        if s or g or b or story.first_event is not None
    }


def _row(pk: int, day: dt.date, story: Story) -> tuple[DailyFigure | None, frozenset[int]]:
    start, end = ticks(midnight(day)), ticks(midnight(day + dt.timedelta(days=1)))
    if not (story.sessions or story.gaps or story.bookings):  # most days of most instruments: quick
        known = known_time(story, start, end)
        return (DailyFigure(instrument_id=pk, day=day, known=known) if known else None), frozenset()
    f = figures_compute(story=story, start=start, end=end)
    values = {name: getattr(f, name) or 0 for name in FIELDS}
    if not any(values.values()):
        return None, frozenset()
    return DailyFigure(instrument_id=pk, day=day, **values), f.external_organizations or frozenset()


# --- reading ---------------------------------------------------------------------------


def figures_by_instrument(*, instruments: Ids, start: dt.datetime, end: dt.datetime) -> dict[int, Figures]:
    """Each instrument's figures of [start, end): settled whole days from DailyFigure, the
    rest from the facts. Instruments with nothing at all are left out."""
    first, after = timezone.localdate(start), timezone.localdate(end) + dt.timedelta(days=1)
    settled = settled_days(first, after)
    cold, raw = [], []
    cursor = start
    for day in _days(first, after):
        day_start, day_end = midnight(day), midnight(day + dt.timedelta(days=1))
        if day in settled and start <= day_start and day_end <= end:
            if cursor < day_start:
                raw.append((cursor, day_start))
            cold.append(day)
            cursor = day_end
    if cursor < end:
        raw.append((cursor, end))
    months, days = _whole_months(cold)
    parts: list[dict[int, Figures]] = [_cold(instruments, days)] if days else []
    if months:
        parts.append(_cold(instruments, months, monthly=True))
    for raw_start, raw_end in raw:
        stories = stories_load(instruments=instruments, start=raw_start, end=raw_end)
        parts.append({pk: figures_compute(story=story, start=ticks(raw_start), end=ticks(raw_end))
                      for pk, story in stories.items()})  # fmt: skip
    return figures_sum(parts, period=ticks(end) - ticks(start))


def _whole_months(days: list[dt.date]) -> tuple[list[dt.date], list[dt.date]]:
    """The settled months whose every day is among these days, and the days left over."""
    by_month: dict[dt.date, list[dt.date]] = defaultdict(list)
    for day in days:
        by_month[day.replace(day=1)].append(day)
    whole = {m for m, in_month in by_month.items() if len(in_month) == (_month_after(m) - m).days}
    if whole:
        whole &= set(SettledMonth.objects.filter(month__in=whole).values_list("month", flat=True))
    rest = [day for day in days if day.replace(day=1) not in whole]
    return sorted(whole), rest


def _cold(instruments: Ids, days: list[dt.date], *, monthly: bool = False) -> dict[int, Figures]:
    """Sums of stored days (or, with `monthly`, of stored months: `days` are then months)."""
    figure, served_by, key = (MonthlyFigure, MonthlyOrganization, "month") if monthly else (
        DailyFigure, DailyOrganization, "day")  # fmt: skip
    when = Q()
    for run_first, run_after in _runs(days, monthly=monthly):
        when |= Q(**{f"{key}__gte": run_first, f"{key}__lt": run_after})
    rows = figure.objects.filter(when, instrument_id__in=instruments)
    served = served_by.objects.filter(when, instrument_id__in=instruments).order_by()
    organizations = {
        pk: frozenset(ids if isinstance(ids, list) else map(int, ids.split(",")))
        for pk, ids in served.values("instrument_id").annotate(ids=DistinctIds("organization_id")).values_list(
            "instrument_id", "ids")
    }  # fmt: skip
    sums = rows.order_by().values("instrument_id").annotate(**{f"s_{name}": Sum(name) for name in FIELDS})
    period = 0  # set by figures_sum, which knows the whole period
    out = {}
    for row in sums:
        pk = row["instrument_id"]
        values = {name: int(row[f"s_{name}"]) for name in FIELDS}
        out[pk] = Figures(period=period, external_organizations=organizations.get(pk, frozenset()), **values)
    return out


class DistinctIds(Aggregate):
    """The distinct values of an integer column in each group, as one value per group: an
    array on PostgreSQL, a comma-separated string on SQLite. A year's distinct organizations
    per instrument then cross the wire as 10,000 values, not as 800,000 rows."""

    function = "GROUP_CONCAT"
    template = "%(function)s(DISTINCT %(expressions)s)"
    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="ARRAY_AGG", **extra_context)


def figures_sum(parts: list[dict[int, Figures]], *, period: int) -> dict[int, Figures]:
    """Figures of adjacent periods added up. Measured figures exist when the gateway
    reported at some time in the whole period, as for one computation of it."""
    totals: dict[int, Figures] = {}
    for part in parts:
        for pk, figures in part.items():
            totals[pk] = figures if pk not in totals else _add(totals[pk], figures)
    return {pk: _finish(figures, period) for pk, figures in totals.items()}


def _add(a: Figures, b: Figures) -> Figures:
    values = {name: (getattr(a, name) or 0) + (getattr(b, name) or 0) for name in FIELDS}
    organizations = (a.external_organizations or frozenset()) | (b.external_organizations or frozenset())
    return Figures(period=a.period + b.period, external_organizations=organizations, **values)


def _finish(figures: Figures, period: int) -> Figures:
    values = {name: getattr(figures, name) or 0 for name in FIELDS}
    if not values["known"]:  # not measured in the whole period: no measured figure at all
        values.update(dict.fromkeys(MEASURED))
        organizations = None
    else:
        organizations = figures.external_organizations or frozenset()
    return Figures(period=period, external_organizations=organizations, **values)
