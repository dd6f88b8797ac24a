"""Week and month calendars of an instrument, and the search for free instruments.

Outsiders see free, booked and closed time, never who booked.
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import urlencode

from booking import windows
from booking.availability import load_calendar, load_calendars, merge
from booking.schedules import Span
from instruments.filters import InstrumentFilter
from instruments.models import Instrument
from instruments.selectors import instrument_catalog


@dataclass
class Block:
    kind: str  # "free", "busy", "closed"
    start: dt.datetime
    end: dt.datetime
    top: float  # percent of the day column
    height: float
    label: str = ""
    url: str = ""


def _week_start(request: HttpRequest) -> dt.date:
    day = parse_date(request.GET.get("week", "") or "") or timezone.localdate()
    return day - dt.timedelta(days=day.weekday())


def calendar(request: HttpRequest, code: str) -> HttpResponse:
    instrument = get_object_or_404(Instrument.objects.select_related("lab__institution"), code=code)
    if request.GET.get("view") == "month":
        return _month(request, instrument)
    monday = _week_start(request)
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(monday, dt.time(), tz)
    end = start + dt.timedelta(days=7)
    cal = load_calendar(instrument, start, end)
    opening = merge(cal.open)
    first_hour = min([timezone.localtime(s.start).hour for s in opening], default=8)
    last_hour = max([_ceil_hour(timezone.localtime(s.end)) for s in opening], default=20)
    if last_hour <= first_hour:
        first_hour, last_hour = 0, 24
    book_url = reverse("booking:book", args=[code])
    days = []
    for offset in range(7):
        day = monday + dt.timedelta(days=offset)
        day_start = dt.datetime.combine(day, dt.time(first_hour), tz)
        day_end = dt.datetime.combine(day, dt.time(), tz) + dt.timedelta(hours=last_hour)
        blocks = [
            *(_block("closed", s, day_start, day_end, s.label) for s in cal.closed),
            *(_block("busy", s, day_start, day_end) for s in cal.busy(day_start, day_end)),
            *(
                _block("free", s, day_start, day_end, url=f"{book_url}?{_period_query(s, cal.policy)}")
                for s in cal.free(day_start, day_end)
            ),
        ]
        days.append({"date": day, "blocks": [b for b in blocks if b is not None], "today": day == timezone.localdate()})
    context = {
        "instrument": instrument,
        "days": days,
        "hours": list(range(first_hour, last_hour)),
        "monday": monday,
        "previous": monday - dt.timedelta(days=7),
        "next": monday + dt.timedelta(days=7),
        "opened": cal.policy is not None,
    }
    template = "booking/_week.html" if request.GET.get("partial") else "booking/calendar.html"
    return render(request, template, context)


def _period_query(span: Span, policy) -> str:
    """The booking form's prefill for a click on free time: its start, for an hour (or
    the shortest booking, if longer), within the free time."""
    end = min(span.end, span.start + dt.timedelta(minutes=max(60, policy.min_minutes)))
    local = timezone.localtime
    return urlencode({"start": local(span.start).isoformat(), "end": local(end).isoformat()})


def _ceil_hour(moment: dt.datetime) -> int:
    """The hour a column must reach to show `moment`; midnight at the end is 24."""
    return (moment.hour + (moment.minute > 0 or moment.second > 0)) or 24


def _block(kind: str, span: Span, day_start: dt.datetime, day_end: dt.datetime, label: str = "", url: str = ""):
    start, end = max(span.start, day_start), min(span.end, day_end)
    if end <= start:
        return None
    total = (day_end - day_start).total_seconds()
    return Block(
        kind=kind, start=start, end=end, label=label, url=url,
        top=100 * (start - day_start).total_seconds() / total,
        height=100 * (end - start).total_seconds() / total,
    )  # fmt: skip


def _month(request: HttpRequest, instrument: Instrument) -> HttpResponse:
    tz = timezone.get_current_timezone()
    first = parse_date((request.GET.get("month", "") or "") + "-01") or timezone.localdate().replace(day=1)
    grid_start = first - dt.timedelta(days=first.weekday())
    start = dt.datetime.combine(grid_start, dt.time(), tz)
    end = start + dt.timedelta(days=42)
    cal = load_calendar(instrument, start, end)
    free_by_day: dict[dt.date, float] = {}
    for span in cal.free(start, end):
        day = timezone.localtime(span.start).date()
        free_by_day[day] = free_by_day.get(day, 0) + (span.end - span.start).total_seconds() / 3600
    weeks = [
        [
            {"date": d, "free": round(free_by_day.get(d, 0), 1), "in_month": d.month == first.month}
            for d in (grid_start + dt.timedelta(days=7 * w + i) for i in range(7))
        ]
        for w in range(6)
    ]
    next_month = (first + dt.timedelta(days=32)).replace(day=1)
    previous_month = (first - dt.timedelta(days=1)).replace(day=1)
    context = {
        "instrument": instrument, "weeks": weeks, "month": first, "next": next_month, "previous": previous_month,
        "opened": cal.policy is not None,
    }  # fmt: skip
    template = "booking/_month.html" if request.GET.get("partial") else "booking/calendar_month.html"
    return render(request, template, context)


def search(request: HttpRequest) -> HttpResponse:
    """Instruments of a category or region free in a window, at least `hours` long."""
    filters = InstrumentFilter(request.GET or None, queryset=instrument_catalog())
    results, error = [], None
    try:
        start, end = windows.window(request.GET, default_days=7)
    except ValidationError as invalid:
        error = " ".join(invalid.messages)
        start = end = None
    try:
        minimum = dt.timedelta(hours=float(request.GET.get("hours") or 1))
    except ValueError:
        minimum = dt.timedelta(hours=1)
    if start and filters.is_valid():
        for cal in load_calendars(filters.qs.filter(policy__isnull=False), start, end):
            free = [s for s in cal.free(start, end) if s.end - s.start >= minimum]
            if free:
                results.append({"instrument": cal.instrument, "free": free[:6], "more": len(free) > 6})
    page = Paginator(results, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "booking/search.html",
        {"filters": filters, "page": page, "error": error, "from": request.GET.get("from", ""),
         "to": request.GET.get("to", ""), "hours": request.GET.get("hours", "1")},
    )  # fmt: skip
