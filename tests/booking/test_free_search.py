"""The free-time search gives the answer of the plain computation: django-scheduler's own
expansion of every event, instrument by instrument, and free time worked out piece by piece
from every boundary, on random opening hours (midnight-crossing ones too), closures, held
bookings, windows and booking rules."""

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schedule.models import Event, Occurrence, Rule

from booking.availability import load_calendar
from booking.free_search import instruments_free
from booking.models import Reservation
from booking.recurrence import EventRow, Expander
from booking.schedules import closure_add
from instruments.models import Instrument
from tests import factories as f
from tests.booking.helpers import at, book

SHANGHAI = ZoneInfo("Asia/Shanghai")
RULES = [
    (None, ""), ("DAILY", ""), ("DAILY", "byweekday:0,1,2,3,4"), ("DAILY", "byweekday:5,6"), ("WEEKLY", ""),
    ("WEEKLY", "byweekday:1,3"), ("MONTHLY", ""), ("MONTHLY", "bymonthday:1,15"), ("DAILY", "interval:2"),
    ("WEEKLY", "interval:2"), ("DAILY", "count:9"),
]  # fmt: skip


def plain_occurrences(event: Event, start: dt.datetime, end: dt.datetime) -> list[tuple]:
    """django-scheduler, as the search used to ask it, event by event."""
    tz = timezone.get_current_timezone()
    found = event._get_occurrence_list(start.astimezone(tz), end.astimezone(tz))
    return sorted((o.start, o.end) for o in found if o.end > start and o.start < end)


moments = st.datetimes(dt.datetime(2023, 1, 1), dt.datetime(2027, 12, 31)).map(
    lambda d: d.replace(second=0, microsecond=0, minute=d.minute // 15 * 15)
)


@settings(max_examples=400, deadline=None)
@given(
    rule=st.sampled_from(RULES),
    first=moments,
    minutes=st.integers(15, 4 * 24 * 60),
    until_days=st.none() | st.integers(-30, 400),
    window=moments,
    days=st.integers(1, 10),
    zone=st.sampled_from(["Asia/Shanghai", "Europe/Berlin"]),
)
def test_each_recurrence_expands_as_django_scheduler_does(rule, first, minutes, until_days, window, days, zone):
    with timezone.override(zone):
        tz = ZoneInfo(zone)
        # Stored events come back from the database in UTC.
        start = first.replace(tzinfo=tz).astimezone(dt.UTC)
        end = start + dt.timedelta(minutes=minutes)
        frequency, params = rule
        # dateutil deprecates a count together with an end.
        until = None if until_days is None or "count" in params else start + dt.timedelta(days=until_days)
        event = Event(start=start, end=end, title="t", end_recurring_period=until,
                      rule=Rule(frequency=frequency, params=params) if frequency else None)  # fmt: skip
        row = EventRow(1, 1, start, end, "t", frequency, params, until)
        window_start = window.replace(tzinfo=tz)
        window_end = window_start + dt.timedelta(days=days)
        ours = [(s.start, s.end) for s in Expander(window_start, window_end).spans([row])]
        assert ours == plain_occurrences(event, window_start, window_end)


# --- the whole search, on the database ----------------------------------------------------

terms = st.fixed_dictionaries(
    {
        "granularity_minutes": st.sampled_from([15, 30, 45, 60]),
        "min_minutes": st.sampled_from([15, 30, 60, 90]),
        "max_minutes": st.sampled_from([60, 120, 240, 600]),
        "min_notice_minutes": st.sampled_from([0, 60, 600]),
        "max_days_ahead": st.sampled_from([1, 3, 30]),
        "buffer_minutes": st.sampled_from([0, 15, 30]),
    }
).filter(lambda t: t["max_minutes"] >= t["min_minutes"])
clock = st.tuples(st.integers(0, 23), st.sampled_from([0, 15, 30, 45])).map(lambda hm: dt.time(*hm))
opening = st.tuples(st.lists(st.integers(0, 6), min_size=1, max_size=7, unique=True), clock, st.integers(30, 16 * 60))
closure = st.tuples(st.integers(-10, 100), st.integers(15, 3000), st.sampled_from(["", "DAILY", "WEEKLY", "MONTHLY"]),
                    st.none() | st.integers(0, 20))  # fmt: skip
held = st.lists(st.tuples(st.integers(0, 40), st.integers(1, 12), st.sampled_from(Reservation.Status.values)),
                max_size=4)  # fmt: skip
instrument_story = st.tuples(terms, st.lists(opening, min_size=1, max_size=2), st.lists(closure, max_size=2), held,
                             st.sampled_from(["normal", "normal", "repair"]))  # fmt: skip


def make_instrument(story, base: dt.datetime, requester) -> Instrument:
    rules, openings, closures, bookings, status = story
    instrument = f.InstrumentFactory(status=status)
    policy = f.bookable(instrument, opening=None, **rules).policy
    for days, opens, minutes in openings:
        # Written as django-scheduler events directly, so that hours may run past midnight.
        first = dt.datetime.combine(dt.date(2024, 1, 1) + dt.timedelta(days=min(days)), opens, SHANGHAI)
        params = "byweekday:" + ",".join(str(d) for d in sorted(days))
        rule, _ = Rule.objects.get_or_create(frequency="DAILY", params=params, defaults={"name": "d"})
        Event.objects.create(calendar=policy.opening_hours, title="open", start=first,
                             end=first + dt.timedelta(minutes=minutes), rule=rule)  # fmt: skip
    for hours, minutes, repeat, weeks in closures:
        start = base + dt.timedelta(hours=hours, minutes=15)
        until = (start + dt.timedelta(weeks=weeks)).date() if weeks is not None else None
        closure_add(policy.closures, start=start, end=start + dt.timedelta(minutes=minutes), reason="维护",
                    repeat=repeat, until=until)  # fmt: skip
    cursor = base
    for gap, length, status in bookings:
        start = cursor + dt.timedelta(hours=gap / 4)
        end = start + dt.timedelta(hours=length / 4)
        Reservation.objects.create(
            instrument=instrument, requester=requester, organization_id=requester.organization_id, is_external=True,
            start=start, end=end, blocked_until=end + dt.timedelta(minutes=policy.buffer_minutes), status=status,
            purpose="p",
        )  # fmt: skip
        cursor = end + dt.timedelta(minutes=policy.buffer_minutes)
    return instrument


def plain_free(instrument: Instrument, start: dt.datetime, end: dt.datetime, now: dt.datetime) -> list[tuple]:
    """Free time from django-scheduler's occurrences and every boundary between them."""
    policy = instrument.policy
    if not instrument.bookable:
        return []

    def spans(calendar):
        return [s for e in Event.objects.filter(calendar=calendar) for s in plain_occurrences(e, start, end)]

    opening, closed = spans(policy.opening_hours), spans(policy.closures)
    buffer = dt.timedelta(minutes=policy.buffer_minutes)
    blocked = closed + [
        (r.start - buffer, r.blocked_until) for r in instrument.reservations.filter(status__in=Reservation.HOLDING)
    ]
    earliest = max(start, now + dt.timedelta(minutes=policy.min_notice_minutes))
    latest = min(end, now + dt.timedelta(days=policy.max_days_ahead))
    points = sorted({earliest, latest, *(t for s in opening + blocked for t in s if earliest < t < latest)})
    runs: list[list] = []
    for a, b in itertools.pairwise(points):
        if a < earliest or b > latest:
            continue
        inside = any(s <= a and b <= e for s, e in opening) and not any(s < b and a < e for s, e in blocked)
        if inside and runs and runs[-1][1] == a:
            runs[-1][1] = b
        elif inside:
            runs.append([a, b])
    step = policy.granularity_minutes

    def slot_edge(moment, up):
        local = timezone.localtime(moment)
        minutes = local.hour * 60 + local.minute + (local.second or local.microsecond) / 60
        whole = (-(-minutes // step) if up else minutes // step) * step
        return moment + dt.timedelta(minutes=whole - minutes)

    aligned = [(slot_edge(a, True), slot_edge(b, False)) for a, b in runs]
    return [(a, b) for a, b in aligned if b - a >= dt.timedelta(minutes=policy.min_minutes)]


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])  # fmt: skip
@given(
    stories=st.lists(instrument_story, min_size=1, max_size=3),
    start_hours=st.integers(-30, 60),
    days=st.integers(1, 7),
    now_hours=st.integers(-12, 24),
    wanted=st.sampled_from([0, 30, 60, 120, 300]),
)
def test_the_search_finds_what_the_plain_computation_finds(stories, start_hours, days, now_hours, wanted):
    today = dt.datetime.combine(dt.date(2026, 3, 2), dt.time(), SHANGHAI)
    requester = f.UserFactory(organization=f.OrganizationFactory(kind="enterprise"))
    instruments = [make_instrument(story, today, requester) for story in stories]
    start = today + dt.timedelta(hours=start_hours)
    end = start + dt.timedelta(days=days)
    now = today + dt.timedelta(hours=now_hours, minutes=7)
    minimum = dt.timedelta(minutes=wanted)
    queryset = Instrument.objects.filter(pk__in=[i.pk for i in instruments]).order_by("pk")

    found = {hit.instrument_id: hit for hit in instruments_free(queryset, start, end, minimum=minimum, now=now)}

    for instrument in instruments:
        plain = plain_free(instrument, start, end, now)
        assert [(s.start, s.end) for s in load_calendar(instrument, start, end).free(start, end, now=now)] == plain
        # Listed when one booking as long as asked for fits in a free window and is allowed.
        longest = dt.timedelta(minutes=instrument.policy.max_minutes)
        listed = minimum <= longest and any(b - a >= minimum for a, b in plain)
        assert (instrument.pk in found) == listed
        if listed:
            hit = found[instrument.pk]
            assert [(s.start, s.end) for s in hit.free] == plain
            assert [(s.start, s.end) for s in hit.busy] == plain_busy(instrument, start, end)


def plain_busy(instrument: Instrument, start: dt.datetime, end: dt.datetime) -> list[tuple]:
    held = instrument.reservations.filter(status__in=Reservation.HOLDING, start__lt=end, blocked_until__gt=start)
    busy: list[list] = []
    for r in held.order_by("start"):
        if busy and r.start <= busy[-1][1]:
            busy[-1][1] = max(busy[-1][1], r.blocked_until)
        else:
            busy.append([r.start, r.blocked_until])
    return [(max(a, start), min(b, end)) for a, b in busy]


@pytest.mark.django_db
def test_events_with_stored_occurrences_are_left_to_django_scheduler():
    start = at(1, 0)
    instrument = f.bookable()
    event = Event.objects.get(calendar=instrument.policy.opening_hours)
    moved = event.get_occurrence(dt.datetime.combine(start.date() + dt.timedelta(days=1), dt.time(8), SHANGHAI))
    moved.move(moved.start + dt.timedelta(hours=2), moved.end + dt.timedelta(hours=2))
    assert Occurrence.objects.filter(event=event).exists()
    free = load_calendar(instrument, start, start + dt.timedelta(days=3)).free(start, start + dt.timedelta(days=3))
    assert [(timezone.localtime(s.start).hour, timezone.localtime(s.end).hour) for s in free] == [
        (8, 20), (10, 22), (8, 20),
    ]  # fmt: skip


# --- the longest booking -------------------------------------------------------------------


@pytest.mark.django_db
def test_an_instrument_is_not_offered_for_longer_than_its_longest_booking(api):
    short = f.bookable(max_minutes=120)
    day = at(2, 0)
    window = {"from": day.isoformat(), "to": (day + dt.timedelta(days=1)).isoformat()}

    def codes(minutes):
        response = api.get("/api/v1/availability/", {**window, "min_minutes": minutes})
        assert response.status_code == 200
        return [r["code"] for r in response.json()["results"]]

    assert codes(120) == [short.code]
    assert codes(180) == []  # 12 free hours, but no booking may last 3 of them
    # What the search offers for two hours can be booked for two hours.
    free = load_calendar(short, day, day + dt.timedelta(days=1)).free(day, day + dt.timedelta(days=1))
    assert book(short, start=free[0].start, end=free[0].start + dt.timedelta(minutes=120)).pk


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("minutes", ["-59760688395352816", "59760688395352816", "-1", "1e3", "zwei"])
def test_a_search_for_impossible_minutes_is_400_with_a_message(api, minutes):
    response = api.get("/api/v1/availability/", {"min_minutes": minutes}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {"min_minutes": ["Give a whole number of minutes from 0 to 89280."]}


@pytest.mark.django_db
@pytest.mark.parametrize("hours", ["1e300", "inf", "nan", "-2"])
def test_the_search_page_takes_impossible_hours_as_one_hour(client, hours):
    instrument = f.bookable()
    response = client.get("/booking/search/", {"hours": hours, "from": at(2, 0).date().isoformat()})
    assert response.status_code == 200
    assert instrument.code in response.content.decode()
