"""Week and month calendars of an instrument, and the search for free instruments.

Outsiders see free, booked and closed time, never who booked.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import urlencode

from booking import month, windows
from booking.availability import load_calendar, merge
from booking.free_search import instruments_free
from booking.schedules import WEEKDAYS, Span
from booking.slots import click_slots
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
    slots: list["ClickSlot"] = field(default_factory=list)


@dataclass
class ClickSlot:
    """A click target inside free time: where it is drawn (percent of its block) and the
    form prefilled with the start it offers."""

    top: float
    height: float
    start: dt.datetime
    url: str


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
            *(_free_block(s, day_start, day_end, cal.policy, book_url) for s in cal.free(day_start, day_end)),
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


def _period_query(start: dt.datetime, end: dt.datetime) -> str:
    local = timezone.localtime
    return urlencode({"start": local(start).isoformat(), "end": local(end).isoformat()})


def _free_block(span: Span, day_start: dt.datetime, day_end: dt.datetime, policy, book_url: str) -> Block | None:
    """Free time, cut into click targets: a click prefills the form with the start it
    lands on (slots.click_slots), for an hour or the shortest booking, within the longest."""
    block = _block("free", span, day_start, day_end)
    if block is None:
        return None
    shown = block.end - block.start
    for slot in click_slots(policy, Span(block.start, block.end)):
        block.slots.append(ClickSlot(
            top=100 * (slot.span.start - block.start) / shown, height=100 * (slot.span.end - slot.span.start) / shown,
            start=slot.start, url=f"{book_url}?{_period_query(slot.start, slot.end)}",
        ))  # fmt: skip
    block.url = block.slots[0].url if block.slots else ""
    return block


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
    start = dt.datetime.combine(month.grid_start(first), dt.time(), tz)
    cal = load_calendar(instrument, start, start + dt.timedelta(weeks=month.WEEKS))
    weeks = month.month_weeks(cal, first)
    next_month = (first + dt.timedelta(days=32)).replace(day=1)
    previous_month = (first - dt.timedelta(days=1)).replace(day=1)
    context = {
        "instrument": instrument, "weeks": weeks, "month": first, "next": next_month, "previous": previous_month,
        "opened": cal.policy is not None, "weekdays": [name for _number, name in WEEKDAYS],
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
    minimum = _hours(request.GET.get("hours"))
    if start and filters.is_valid():
        for hit in instruments_free(filters.qs, start, end, minimum=minimum):
            wide = [s for s in hit.free if s.end - s.start >= minimum]
            results.append({"instrument": hit.instrument_id, "free": wide[:6], "more": len(wide) > 6})
    page = Paginator(results, 20).get_page(request.GET.get("page"))
    # Only the page's instruments are loaded as such.
    instruments = instrument_catalog().in_bulk([row["instrument"] for row in page])
    for row in page:
        row["instrument"] = instruments[row["instrument"]]
    return render(
        request,
        "booking/search.html",
        {"filters": filters, "page": page, "error": error, "from": request.GET.get("from", ""),
         "to": request.GET.get("to", ""), "hours": request.GET.get("hours", "1")},
    )  # fmt: skip


def _hours(value: str | None) -> dt.timedelta:
    """The least free time asked for; an hour unless a sensible number of hours is given."""
    try:
        hours = float(value or 1)
    except ValueError:
        hours = 1
    return dt.timedelta(hours=hours if 0 <= hours <= 24 * windows.MAX_DAYS else 1)
