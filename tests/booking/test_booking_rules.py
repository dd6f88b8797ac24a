"""Every rule of the booking policy, and that all problems are reported at once."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from booking import policy as rules
from booking.policies import CLOSES_BEFORE_OPENING, closure_add, opening_window_add
from booking.services import BookingInvalid
from tests import factories as f
from tests.booking.helpers import at, book

pytestmark = pytest.mark.django_db


def problems(instrument, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(BookingInvalid) as caught:
        book(instrument, **kwargs)
    return caught.value.by_field()


def flat(found: dict[str, list[str]]) -> list[str]:
    return [message for messages in found.values() for message in messages]


def test_a_request_within_every_rule_is_accepted():
    instrument = f.bookable()
    assert book(instrument).pk


def test_end_must_be_after_start():
    found = problems(f.bookable(), start=at(2, 10), end=at(2, 9))
    assert found == {"end": [str(rules.END_NOT_AFTER_START)]}


def test_past_start_is_refused():
    found = problems(f.bookable(), start=at(-1, 10), end=at(-1, 11))
    assert str(rules.IN_THE_PAST) in found["start"]


def test_short_notice_is_refused():
    instrument = f.bookable(min_notice_minutes=24 * 60)
    # Two hours from now, whatever the time of day (tomorrow morning may be 32 hours away).
    start = (timezone.localtime() + dt.timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    found = flat(problems(instrument, start=start, end=start + dt.timedelta(hours=1)))
    assert any("Book at least 1440 minutes ahead" in m for m in found)


def test_too_far_ahead_is_refused():
    found = flat(problems(f.bookable(max_days_ahead=7), start=at(9, 10), end=at(9, 11)))
    assert any("at most 7 days ahead" in m for m in found)


@pytest.mark.parametrize(
    ("hours", "message", "minutes"),
    [(0.5, rules.TOO_SHORT, 60), (5, rules.TOO_LONG, 240)],
)
def test_length_limits(hours, message, minutes):
    instrument = f.bookable(min_minutes=60, max_minutes=240)
    found = problems(instrument, start=at(2, 10), end=at(2, 10) + dt.timedelta(hours=hours))
    assert found == {"end": [message % {"minutes": minutes}]}


def test_start_and_end_fall_on_slot_boundaries():
    found = problems(f.bookable(granularity_minutes=30), start=at(2, 10, 10), end=at(2, 11, 10))
    assert found == {"start": [rules.NOT_ALIGNED % {"minutes": 30, "example": 30}]}


def test_outside_opening_hours_is_refused():
    instrument = f.bookable(opening=(range(7), dt.time(9), dt.time(17)))
    found = problems(instrument, start=at(2, 16), end=at(2, 18))
    assert found == {"start": [str(rules.OUTSIDE_OPENING_HOURS)]}


def test_weekday_opening_hours_close_at_the_weekend():
    instrument = f.bookable(opening=(range(5), dt.time(9), dt.time(17)))
    days = next(d for d in range(2, 9) if at(d, 10).weekday() == 5)  # the next Saturday
    found = problems(instrument, start=at(days, 10), end=at(days, 11))
    assert found == {"start": [str(rules.OUTSIDE_OPENING_HOURS)]}
    monday = days + 2
    assert book(instrument, start=at(monday, 10), end=at(monday, 11)).pk


def test_opening_hours_that_close_at_midnight_join_the_next_day():
    instrument = f.bookable(opening=(range(7), dt.time(0), dt.time(0)))  # 00:00 closing means 24:00
    assert book(instrument, start=at(2, 22), end=at(3, 2)).pk  # over midnight
    evening = f.bookable(opening=(range(7), dt.time(18), dt.time(0)))
    assert book(evening, start=at(2, 22), end=at(3, 0)).pk  # up to midnight
    found = problems(evening, start=at(2, 23), end=at(3, 1))
    assert found == {"start": [str(rules.OUTSIDE_OPENING_HOURS)]}


def test_closing_before_opening_is_refused_but_midnight_is_the_end_of_the_day():
    instrument = f.bookable(opening=(range(5), dt.time(9), dt.time(17)))
    manager = f.lab_manager(instrument.lab)
    with pytest.raises(ValidationError) as refused:
        opening_window_add(policy=instrument.policy, by=manager, weekdays=[5], opens=dt.time(9), closes=dt.time(8))
    assert refused.value.message_dict == {"closes": [str(CLOSES_BEFORE_OPENING)]}
    event = opening_window_add(policy=instrument.policy, by=manager, weekdays=[5], opens=dt.time(20), closes=dt.time(0))
    assert event.title == "20:00-24:00"
    assert event.end - event.start == dt.timedelta(hours=4)


def test_one_off_closure_is_refused():
    instrument = f.bookable()
    closure_add(policy=instrument.policy, by=None, start=at(2, 9), end=at(2, 12), reason="年度维护")
    found = flat(problems(instrument, start=at(2, 11), end=at(2, 13)))
    assert any("年度维护" in m for m in found)
    assert book(instrument, start=at(2, 12), end=at(2, 13)).pk  # right after the closure ends


def test_recurring_closure_repeats():
    instrument = f.bookable()
    closure_add(policy=instrument.policy, by=None, start=at(1, 12), end=at(1, 13), reason="午休", repeat="DAILY")
    for days in (1, 3, 10):
        assert any("午休" in m for m in flat(problems(instrument, start=at(days, 12), end=at(days, 13))))


def test_recurring_closure_ends_when_told():
    instrument = f.bookable()
    until = at(3, 0).date()
    closure_add(policy=instrument.policy, by=None, start=at(1, 12), end=at(1, 13), reason="培训", repeat="DAILY",
                until=until)  # fmt: skip
    assert problems(instrument, start=at(3, 12), end=at(3, 13))
    assert book(instrument, start=at(4, 12), end=at(4, 13)).pk


@pytest.mark.parametrize("status", ["repair", "fault", "retired"])
def test_instrument_out_of_service_cannot_be_booked(status):
    instrument = f.bookable(f.InstrumentFactory(status=status))
    assert "instrument" in problems(instrument)


def test_unshared_instrument_cannot_be_booked():
    instrument = f.bookable(f.InstrumentFactory(share_mode="none"))
    assert "instrument" in problems(instrument)


def test_instrument_without_policy_is_not_open_for_booking():
    assert problems(f.InstrumentFactory())["instrument"] == [str(rules.NO_POLICY)]


def test_internal_sharing_admits_only_insiders():
    instrument = f.bookable(f.InstrumentFactory(share_mode="internal"))
    assert problems(instrument) == {"non_field_errors": [str(rules.NOT_SHARED_EXTERNALLY)]}
    insider = f.UserFactory(organization=instrument.institution)
    assert book(instrument, requester=insider).is_external is False


def test_own_institution_only():
    instrument = f.bookable(who_may_book="institution")
    assert "non_field_errors" in problems(instrument)
    assert book(instrument, requester=f.UserFactory(organization=instrument.institution)).pk


def test_listed_organizations_only():
    listed = f.OrganizationFactory(kind="enterprise")
    instrument = f.bookable(who_may_book="organizations", allowed_organizations=[listed])
    assert problems(instrument) == {"non_field_errors": [str(rules.NOT_ALLOWED)]}
    assert book(instrument, requester=f.UserFactory(organization=listed)).is_external


def test_trained_users_only():
    trained = f.UserFactory()
    instrument = f.bookable(who_may_book="trained", trained_users=[trained])
    assert problems(instrument) == {"non_field_errors": [str(rules.NOT_TRAINED)]}
    assert book(instrument, requester=trained).pk


def test_every_problem_is_reported_at_once():
    instrument = f.bookable(who_may_book="institution", min_minutes=60, granularity_minutes=30,
                            opening=(range(7), dt.time(9), dt.time(17)))  # fmt: skip
    found = problems(instrument, start=at(2, 16, 40), end=at(2, 17, 10))
    assert set(found) == {"non_field_errors", "start", "end"}
    assert len(flat(found)) == 4  # who, length, alignment, opening hours


def test_rules_object_can_be_swapped(settings):
    settings.BOOKING_RULES = "tests.booking.test_booking_rules.WeekendsOff"
    instrument = f.bookable()
    saturday = next(d for d in range(2, 9) if at(d, 10).weekday() == 5)
    assert problems(instrument, start=at(saturday, 10), end=at(saturday, 11)) == {"start": ["no weekends"]}


class WeekendsOff(rules.BookingRules):
    def problems(self, request, calendar):
        found = super().problems(request, calendar)
        if timezone.localtime(request.start).weekday() >= 5:
            found.append(rules.Problem("start", "no weekends"))
        return found
