"""Opening hours and closures expand through django-scheduler's rules."""

import datetime as dt

import pytest
from django.utils import timezone

from booking import schedules
from tests.booking.helpers import at

pytestmark = pytest.mark.django_db


def expand_plainly(event, start, end):
    tz = timezone.get_current_timezone()
    return sorted((o.start, o.end) for o in event.get_occurrences(start.astimezone(tz), end.astimezone(tz)))


@pytest.mark.parametrize("weeks_ahead", [0, 1, 5, 30, 104])
def test_moving_an_old_rule_forward_changes_no_occurrence(weeks_ahead):
    calendar = schedules.new_calendar("open", f"t{weeks_ahead}")
    opening = schedules.opening_window_add(calendar, weekdays=[0, 2, 4], opens=dt.time(8, 30), closes=dt.time(17))
    closure = schedules.closure_add(calendar, start=at(-400, 12), end=at(-400, 13, 30), reason="午休", repeat="WEEKLY",
                                    until=at(300, 0).date())  # fmt: skip
    start = at(7 * weeks_ahead, 0)
    end = start + dt.timedelta(days=9)
    events = schedules.events_by_calendar([calendar.pk])[calendar.pk]
    ours = sorted((s.start, s.end) for s in schedules.occurrences(events, start, end))
    plain = sorted(expand_plainly(opening, start, end) + expand_plainly(closure, start, end))
    assert ours == plain
    assert ours  # weekdays Mon/Wed/Fri fall in any 9 days


def test_opening_hours_are_wall_clock_beijing_time():
    calendar = schedules.new_calendar("open", "tz")
    schedules.opening_window_add(calendar, weekdays=range(7), opens=dt.time(8, 30), closes=dt.time(17, 30))
    events = schedules.events_by_calendar([calendar.pk])[calendar.pk]
    (span,) = schedules.occurrences(events, at(3, 0), at(4, 0))
    assert (timezone.localtime(span.start).time(), timezone.localtime(span.end).time()) == (
        dt.time(8, 30),
        dt.time(17, 30),
    )
    assert schedules.opening_window_days(events[0]) == list(range(7))
