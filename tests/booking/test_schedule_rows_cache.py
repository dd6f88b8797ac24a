"""A process keeps opening hours and closures in memory under their policy's schedule
version: the next booking of an unchanged instrument reads none of them, and every change
through booking.policies (the only door to them) is seen by the next request."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from schedule.models import Event

from booking.availability import load_calendar
from booking.policies import closure_add, opening_window_add, schedule_event_remove
from instruments.models import Instrument
from tests import factories as f
from tests.booking.helpers import at

pytestmark = pytest.mark.django_db
DAY = (at(2, 0), at(3, 0))


def fresh(instrument: Instrument) -> Instrument:
    """The instrument as the next request loads it."""
    return Instrument.objects.select_related("lab", "policy").get(pk=instrument.pk)


def hours(spans) -> list[tuple[int, int]]:
    return [(s.start.astimezone(DAY[0].tzinfo).hour, s.end.astimezone(DAY[0].tzinfo).hour or 24) for s in spans]


def schedule_queries(instrument: Instrument) -> tuple[list, list]:
    """(open, closed) hours of the day, and the queries that read opening hours or closures."""
    with CaptureQueriesContext(connection) as captured:
        calendar = load_calendar(fresh(instrument), *DAY, with_held=False)
    read = [q["sql"] for q in captured.captured_queries if "schedule_event" in q["sql"]]
    return (hours(calendar.open), hours(calendar.closed)), read


def test_an_unchanged_schedule_is_read_once_per_process():
    instrument = f.bookable()
    first, read_first = schedule_queries(instrument)
    again, read_again = schedule_queries(instrument)
    assert first == again == ([(8, 20)], [])
    assert len(read_first) == 1
    assert read_again == []


def test_every_change_through_the_policies_is_seen_by_the_next_request():
    instrument = f.bookable()
    schedule_queries(instrument)  # kept in memory

    closure = closure_add(policy=fresh(instrument).policy, by=None, start=at(2, 12), end=at(2, 14), reason="维护")
    assert schedule_queries(instrument)[0] == ([(8, 20)], [(12, 14)])

    window = opening_window_add(policy=fresh(instrument).policy, by=None, weekdays=list(range(7)),
                                opens=dt.time(20, 0), closes=dt.time(22, 0))  # fmt: skip
    assert schedule_queries(instrument)[0] == ([(8, 20), (20, 22)], [(12, 14)])

    schedule_event_remove(policy=fresh(instrument).policy, by=None, event_id=closure.pk)
    schedule_event_remove(policy=fresh(instrument).policy, by=None, event_id=window.pk)
    assert schedule_queries(instrument)[0] == ([(8, 20)], [])


def test_a_change_rolled_back_leaves_the_schedule_as_it_was():
    instrument = f.bookable()
    schedule_queries(instrument)
    seen = []

    def change_then_fail():
        with transaction.atomic():
            closure_add(policy=fresh(instrument).policy, by=None, start=at(2, 12), end=at(2, 14), reason="维护")
            seen.append(schedule_queries(instrument)[0])
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError, match="rolled back"):
        change_then_fail()
    assert seen == [([(8, 20)], [(12, 14)])]  # seen inside its transaction
    assert Event.objects.filter(calendar=instrument.policy.closures).count() == 0
    assert schedule_queries(instrument)[0] == ([(8, 20)], [])
