"""Bookings settle from measured usage: completed, no-show, overrun, unverified."""

import datetime as dt

import pytest

from booking import services
from booking.models import Reservation
from booking.settlement import reservations_settle
from gateway import protocol
from telemetry import services as telemetry
from telemetry.ingest import Directory, Message, store
from tests import factories as f
from tests.booking.helpers import book

pytestmark = pytest.mark.django_db
NOW = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)  # on the slot grid
START = NOW - dt.timedelta(hours=6)  # a booking 6 h ago, 2 h long
END = START + dt.timedelta(hours=2)


@pytest.fixture
def instrument():
    instrument = f.bookable(f.InstrumentFactory(code="inst-r"), opening=(range(7), dt.time(0), dt.time(0)))
    gateway, _ = telemetry.gateway_register(lab=instrument.lab, code="gw-r", by=None)
    telemetry.instrument_bind(instrument=instrument, gateway=gateway, by=None)
    return instrument


def approved(instrument):
    reservation = book(instrument, start=START, end=END, now=START - dt.timedelta(days=1))
    services.reservation_approve(
        reservation=reservation, by=f.lab_manager(instrument.lab), now=START - dt.timedelta(hours=20)
    )
    return reservation


def report(*pairs, gateway="gw-r", instrument="inst-r"):
    """Heartbeats every minute from (minute after START, state) pairs, start to end of each."""
    events, seq = [], 1
    for first, last, state in pairs:
        for minute in range(first, last + 1):
            events.append(
                protocol.Event(seq=seq, instrument=instrument, ts=START + dt.timedelta(minutes=minute), state=state)
            )
            seq += 1
    for n in range(0, len(events), 500):
        body = protocol.encode(gateway, events[n : n + 500])
        store([Message(protocol.events_topic(gateway), body, NOW)], Directory(), NOW)


def settled(reservation):
    assert reservations_settle(now=NOW) == 1
    reservation.refresh_from_db()
    return reservation


def test_use_inside_the_period_completes_it_with_the_measured_minutes(instrument):
    reservation = approved(instrument)
    report((-5, 9, "idle"), (10, 100, "running"), (101, 130, "idle"))
    reservation = settled(reservation)
    assert reservation.status == Reservation.Status.COMPLETED
    assert reservation.measured_minutes == 91 and reservation.overrun_minutes == 0 and reservation.usage_verified


def test_no_running_soon_after_the_start_is_a_no_show(instrument):
    reservation = approved(instrument)
    report((-5, 40, "idle"), (41, 60, "running"))  # first ran after 41 minutes: the window is 30
    reservation = settled(reservation)
    assert reservation.status == Reservation.Status.NO_SHOW and reservation.usage_verified


def test_running_past_the_end_is_overrun(instrument):
    reservation = approved(instrument)
    report((0, 150, "running"), (151, 155, "idle"))
    reservation = settled(reservation)
    assert reservation.status == Reservation.Status.COMPLETED
    assert reservation.measured_minutes == 120 and reservation.overrun_minutes == 31


def test_without_a_reporting_gateway_the_booking_completes_unverified(instrument):
    reservation = approved(instrument)  # the gateway never reported
    reservation = settled(reservation)
    assert reservation.status == Reservation.Status.COMPLETED
    assert reservation.usage_verified is False and reservation.measured_minutes is None


def test_a_silent_gateway_is_not_a_no_show(instrument):
    reservation = approved(instrument)
    report((-300, -200, "idle"), (100, 110, "idle"))  # silent across the start
    reservation = settled(reservation)
    assert reservation.status == Reservation.Status.COMPLETED and reservation.usage_verified is False


def test_settling_waits_for_late_events(settings, instrument):
    settings.SETTLE_AFTER_MINUTES = 8 * 60  # the booking ended 4 hours ago
    approved(instrument)
    assert reservations_settle(now=NOW) == 0


def test_duplicated_reports_do_not_inflate_measured_use(instrument):
    reservation = approved(instrument)
    report((0, 60, "running"), (61, 62, "idle"))
    report((0, 60, "running"), (61, 62, "idle"))  # the same seqs again: repeats
    assert settled(reservation).measured_minutes == 61


def test_each_session_is_linked_to_its_booking_or_marked_unbooked(client, instrument):
    from django.urls import reverse

    from booking.usage import sessions_with_bookings

    reservation = approved(instrument)
    report((-60, -41, "running"), (-40, -1, "idle"), (0, 150, "running"), (151, 155, "idle"))
    (early, during) = sessions_with_bookings(instrument, START - dt.timedelta(hours=2), NOW)
    assert [(p.reservation, round(p.minutes)) for p in early.pieces] == [(None, 20)]  # ran until the idle at -40
    assert [(p.reservation, round(p.minutes)) for p in during.pieces] == [(reservation, 120), (None, 31)]
    assert round(during.unbooked_minutes) == 31  # the overrun counts as unbooked use
    url = reverse("booking:usage", args=[instrument.code])
    client.force_login(f.lab_manager(instrument.lab))
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and "unbooked" in page.content.decode()
    client.force_login(reservation.requester)
    assert client.get(url).status_code == 403
