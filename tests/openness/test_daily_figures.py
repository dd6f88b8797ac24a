"""Figures of settled days are stored per instrument and day, and reports add them up: for
any story and any period the result is exactly what a computation from the facts gives,
before and after the days settle, and after the facts of settled days change."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from booking.models import Reservation
from instruments.models import RecordChange
from instruments.services import record_change_note
from openness import daily
from openness.metrics import figures_compute, ticks
from openness.models import DailyFigure, SettledDay
from openness.stories import stories_load
from tests import factories as f

DAY = dt.date(2026, 3, 10)
LATER = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)  # every day of the stories has settled by then


def at(minutes: int) -> dt.datetime:
    """`minutes` after local midnight of DAY."""
    start = dt.datetime.combine(DAY, dt.time(), timezone.get_current_timezone())
    return start + dt.timedelta(minutes=minutes)


def from_facts(instruments: list[int], start: dt.datetime, end: dt.datetime) -> dict:
    stories = stories_load(instruments=instruments, start=start, end=end)
    return {pk: figures_compute(story=story, start=ticks(start), end=ticks(end)) for pk, story in stories.items()}


def reported(figures: dict) -> dict:
    """Leave out instruments with nothing at all in the period (they read as empty)."""
    return {pk: fig for pk, fig in figures.items() if any((fig.known, fig.booked, fig.unknown, fig.completed,
                                                          fig.no_show, fig.unverified))}  # fmt: skip


SPAN = 5 * 24 * 60  # five days of minutes
intervals = st.lists(st.tuples(st.integers(0, SPAN), st.integers(1, 600)), max_size=6)


class TestAddingUpDays(TestCase):
    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        sessions=intervals, gaps=intervals, bookings=intervals, inside=st.lists(st.booleans(), min_size=6, max_size=6),
        periods=st.lists(st.tuples(st.integers(-60, SPAN + 60), st.integers(1, SPAN)), min_size=1, max_size=4),
        settle=st.booleans(),
    )  # fmt: skip
    def test_stored_days_add_up_to_the_figures_from_the_facts(self, sessions, gaps, bookings, inside, periods, settle):
        binding = f.BindingFactory()
        instrument = binding.instrument
        for minutes in (-24 * 60, SPAN + 24 * 60):
            f.EventFactory(gateway=binding.gateway, instrument=instrument, ts=at(minutes))
        for start, length in sessions:
            f.UsageSessionFactory(instrument=instrument, start=at(start), end=at(start + length))
        for start, length in gaps:
            if any(start < s + n and s < start + length for s, n in sessions):
                continue  # as ingest derives them, the instrument never runs during a silence
            f.ReportingGapFactory(instrument=instrument, start=at(start), end=at(start + length))
        colleague = f.UserFactory(organization=instrument.institution)
        for (start, length), own in zip(bookings, inside, strict=False):
            extra = {"requester": colleague} if own else {}
            f.ReservationFactory(instrument=instrument, start=at(start), end=at(start + length), **extra)
        if settle:
            daily.days_settle(now=LATER, limit=100)
            assert SettledDay.objects.exists()
        for start, length in periods:
            begin, end = at(start), at(start + length)
            stored = daily.figures_by_instrument(instruments=[instrument.pk], start=begin, end=end)
            assert reported(stored) == reported(from_facts([instrument.pk], begin, end))


@pytest.mark.django_db
def test_a_change_to_settled_days_is_read_from_the_facts_until_they_are_computed_again():
    binding = f.BindingFactory()
    instrument = binding.instrument
    for minutes in (-24 * 60, SPAN):
        f.EventFactory(gateway=binding.gateway, instrument=instrument, ts=at(minutes))
    f.UsageSessionFactory(instrument=instrument, start=at(60), end=at(180))
    assert daily.days_settle(now=LATER, limit=100) > 0
    whole = (at(0), at(24 * 60))
    assert (
        daily.figures_by_instrument(instruments=[instrument.pk], start=whole[0], end=whole[1])[
            instrument.pk
        ].in_bookings
        == 0
    )
    # History arrives for a settled day: a booking covering the session.
    booking = f.ReservationFactory(instrument=instrument, start=at(0), end=at(240))
    assert record_change_note(start=booking.start, end=booking.end)
    figures = daily.figures_by_instrument(instruments=[instrument.pk], start=whole[0], end=whole[1])
    assert figures[instrument.pk].in_bookings == 2 * 3600 * 10**6  # from the facts, at once
    assert daily.days_settle(now=LATER, limit=100) == 1  # that day again
    assert not RecordChange.objects.exists()
    assert DailyFigure.objects.get(instrument=instrument, day=DAY).in_bookings == 2 * 3600 * 10**6


@pytest.mark.django_db
def test_settling_a_booking_of_a_settled_day_notes_the_change():
    booking = f.ReservationFactory(start=at(60), end=at(120), status=Reservation.Status.APPROVED)
    from booking import services

    services.reservation_settle(reservation=booking, outcome=Reservation.Status.COMPLETED)
    (change,) = RecordChange.objects.all()
    assert (change.start, change.end) == (booking.start, booking.end)


@pytest.mark.django_db
def test_recent_days_are_never_settled():
    f.UsageSessionFactory()  # an hour ago
    daily.days_settle()
    assert not SettledDay.objects.filter(day__gte=daily.first_unsettled()).exists()


@pytest.mark.django_db
def test_the_command_computes_every_settled_day_again_with_the_same_result():
    instrument = f.BindingFactory().instrument
    f.UsageSessionFactory(instrument=instrument, start=at(60), end=at(180))
    f.ReservationFactory(instrument=instrument, start=at(0), end=at(120))
    daily.days_settle(now=LATER, limit=100)
    before = list(DailyFigure.objects.order_by("day", "instrument").values())
    call_command("compute_daily_figures", "--again", stdout=None)
    after = list(DailyFigure.objects.order_by("day", "instrument").values())
    assert [{k: v for k, v in row.items() if k != "id"} for row in before] == [
        {k: v for k, v in row.items() if k != "id"} for row in after
    ]


@pytest.mark.django_db
def test_whole_settled_months_are_read_from_their_sums_and_agree_with_the_facts():
    from openness.models import MonthlyFigure, SettledMonth

    binding = f.BindingFactory()
    instrument = binding.instrument
    march = dt.datetime(2026, 3, 1, tzinfo=timezone.get_current_timezone())
    for ts in (march - dt.timedelta(days=3), march + dt.timedelta(days=70)):
        f.EventFactory(gateway=binding.gateway, instrument=instrument, ts=ts)
    for n in range(0, 60 * 24 * 50, 60 * 17):  # sessions every 17 hours, some across midnight
        f.UsageSessionFactory(instrument=instrument, start=march + dt.timedelta(minutes=n),
                              end=march + dt.timedelta(minutes=n + 300))  # fmt: skip
        if n % 3 == 0:
            f.ReservationFactory(instrument=instrument, start=march + dt.timedelta(minutes=n - 30),
                                 end=march + dt.timedelta(minutes=n + 240))  # fmt: skip
    daily.days_settle(now=LATER, limit=200)
    assert SettledMonth.objects.filter(month=dt.date(2026, 3, 1)).exists()
    assert MonthlyFigure.objects.filter(instrument=instrument, month=dt.date(2026, 3, 1)).exists()
    for begin, end in [(march, march + dt.timedelta(days=31)), (march - dt.timedelta(days=2), march + dt.timedelta(
            days=45, hours=5))]:  # fmt: skip
        stored = daily.figures_by_instrument(instruments=[instrument.pk], start=begin, end=end)
        assert reported(stored) == reported(from_facts([instrument.pk], begin, end))
    # A change to one day of the month: the month is read day by day, that day from the facts.
    booking = f.ReservationFactory(instrument=instrument, start=march + dt.timedelta(days=10, hours=1),
                                   end=march + dt.timedelta(days=10, hours=2))  # fmt: skip
    record_change_note(start=booking.start, end=booking.end)
    begin, end = march, march + dt.timedelta(days=31)
    stored = daily.figures_by_instrument(instruments=[instrument.pk], start=begin, end=end)
    assert reported(stored) == reported(from_facts([instrument.pk], begin, end))
