"""Figures of stored sessions, gaps and bookings at the edges: midnight, the period's edge
to the second, a silence inside a booking, running past a booking's end, no gateway."""

import datetime as dt

import pytest
from django.utils import timezone

from instruments.models import Instrument
from openness import selectors
from openness.metrics import TICKS_PER_HOUR, TICKS_PER_SECOND
from tests import factories as f

pytestmark = pytest.mark.django_db
H, S = TICKS_PER_HOUR, TICKS_PER_SECOND
DAY = dt.date(2026, 3, 10)


def at(days: int, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    """Local (Asia/Shanghai) time `days` after DAY."""
    moment = dt.datetime.combine(DAY + dt.timedelta(days=days), dt.time(hour, minute, second))
    return timezone.make_aware(moment, timezone.get_current_timezone())


def day(days: int = 0) -> tuple[dt.datetime, dt.datetime]:
    return at(days, 0), at(days + 1, 0)


def figures(instrument, start, end):
    (row,) = selectors.instrument_rows(instruments=Instrument.objects.filter(pk=instrument.pk), start=start, end=end)
    return row.figures


@pytest.fixture
def instrument():
    """An instrument whose gateway reported from ten days before DAY to ten days after."""
    binding = f.BindingFactory()
    for ts in (at(-10, 0), at(10, 0)):
        f.EventFactory(gateway=binding.gateway, instrument=binding.instrument, ts=ts)
    return binding.instrument


def test_a_session_across_midnight_counts_on_each_day_its_own_hours(instrument):
    f.UsageSessionFactory(instrument=instrument, start=at(0, 23), end=at(1, 1))
    assert figures(instrument, *day(0)).effective == 1 * H
    assert figures(instrument, *day(1)).effective == 1 * H
    assert figures(instrument, at(0, 0), at(2, 0)).effective == 2 * H


def test_the_period_edge_clips_to_the_second(instrument):
    f.UsageSessionFactory(instrument=instrument, start=at(0, 9), end=at(0, 10))
    assert figures(instrument, at(0, 9, 59, 59), at(0, 11)).effective == 1 * S
    assert figures(instrument, at(0, 8), at(0, 9, 0, 1)).effective == 1 * S
    assert figures(instrument, at(0, 10), at(0, 11)).effective == 0  # [start, end): the end is outside


def test_a_silence_inside_a_booking_is_unknown_time_not_use(instrument):
    f.ReservationFactory(instrument=instrument, start=at(0, 9), end=at(0, 12))
    f.UsageSessionFactory(instrument=instrument, start=at(0, 9), end=at(0, 10))
    f.ReportingGapFactory(instrument=instrument, start=at(0, 10), end=at(0, 11))
    f.UsageSessionFactory(instrument=instrument, start=at(0, 11), end=at(0, 12))
    result = figures(instrument, *day(0))
    assert (result.in_bookings, result.external, result.unbooked) == (2 * H, 2 * H, 0)
    assert (result.booked, result.unknown, result.known) == (3 * H, 1 * H, 23 * H)
    assert result.completed == 1 and len(result.external_organizations) == 1


def test_running_past_a_bookings_end_is_overrun_and_counts_as_unbooked(instrument):
    f.ReservationFactory(instrument=instrument, start=at(0, 9), end=at(0, 10))
    f.UsageSessionFactory(instrument=instrument, start=at(0, 9, 30), end=at(0, 11))
    result = figures(instrument, *day(0))
    assert (result.effective, result.external, result.unbooked, result.overrun) == (1.5 * H, 0.5 * H, H, H)
    # The booking ended before this period began; what runs on is still its overrun.
    later = figures(instrument, at(0, 10, 30), at(0, 12))
    assert (later.effective, later.in_bookings, later.overrun, later.booked) == (0.5 * H, 0, 0.5 * H, 0)


def test_the_owners_own_booking_is_measured_use_but_not_external(instrument):
    insider = f.UserFactory(organization=instrument.institution)
    f.ReservationFactory(instrument=instrument, requester=insider, start=at(0, 9), end=at(0, 10))
    f.UsageSessionFactory(instrument=instrument, start=at(0, 9), end=at(0, 10))
    result = figures(instrument, *day(0))
    assert (result.in_bookings, result.external, result.booked_external) == (H, 0, 0)
    assert result.external_organizations == frozenset()


def test_time_before_the_first_event_is_not_covered():
    binding = f.BindingFactory()
    for ts in (at(0, 12), at(0, 18)):
        f.EventFactory(gateway=binding.gateway, instrument=binding.instrument, ts=ts)
    result = figures(binding.instrument, *day(0))
    assert result.known == 6 * H and result.unknown == 0 and result.measured


def test_an_instrument_without_a_gateway_shows_declared_hours_only():
    instrument = f.InstrumentFactory()
    f.ReservationFactory(instrument=instrument, start=at(0, 9), end=at(0, 11), usage_verified=False)
    f.ReservationFactory(instrument=instrument, start=at(0, 14), end=at(0, 15), usage_verified=None)
    result = figures(instrument, *day(0))
    assert not result.measured and result.effective is None and result.external is None
    assert (result.booked, result.unverified, result.completed, result.known) == (3 * H, 2, 0, 0)


def test_a_bound_gateway_that_never_reported_is_not_a_measurement():
    binding = f.BindingFactory()
    f.UsageSessionFactory(instrument=binding.instrument, start=at(0, 9), end=at(0, 10))  # no events to back it
    (row,) = selectors.instrument_rows(
        instruments=Instrument.objects.filter(pk=binding.instrument.pk), start=at(0, 0), end=at(1, 0)
    )
    assert row.has_gateway and not row.figures.measured and row.figures.effective is None


def test_cancelled_and_pending_bookings_are_not_booked_hours(instrument):
    for status in ("cancelled", "pending", "rejected", "expired"):
        f.ReservationFactory(instrument=instrument, start=at(0, 9), end=at(0, 10), status=status)
    f.ReservationFactory(instrument=instrument, start=at(0, 11), end=at(0, 12), status="no_show")
    result = figures(instrument, *day(0))
    assert (result.booked, result.no_show, result.completed) == (H, 1, 0)
