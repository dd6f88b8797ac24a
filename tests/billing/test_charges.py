"""Settled bookings become charges once, priced by the rate in force when they were approved."""

import datetime as dt
from decimal import Decimal as D

import pytest

from accounts.models import Organization
from billing import charges
from billing.models import Charge, LedgerEntry
from booking.models import Reservation, ReservationEvent
from tests import factories as f
from tests.billing.helpers import DAY, rate_card, settled

pytestmark = pytest.mark.django_db
NOW = DAY + dt.timedelta(days=1)


@pytest.fixture
def instrument():
    return f.InstrumentFactory()


def test_a_measured_booking_is_charged_by_its_measured_use(instrument):
    rate_card(instrument)
    reservation = settled(instrument, minutes=60, measured=80)  # larger basis: 80 → 90 min = 1.5 h × 300
    assert charges.charges_make(now=NOW) == 1
    charge = Charge.objects.get(reservation=reservation)
    assert charge.kind == "use" and charge.verified and charge.customer_class == "enterprise"
    assert [(x.basis, x.amount) for x in charge.lines.all()] == [("measured", D("450.00"))]
    assert charge.net == D("450.00") and charge.vat == D("27.00")  # 6%
    assert charge.rate["price_enterprise"] == "300.00" and charge.service_date == dt.date(2026, 10, 12)
    assert LedgerEntry.objects.filter(kind="charge", subject=f"charge:{charge.pk}").exists()


def test_charging_twice_makes_one_charge(instrument):
    rate_card(instrument)
    settled(instrument)
    assert charges.charges_make(now=NOW) == 1
    assert charges.charges_make(now=NOW) == 0
    assert Charge.objects.count() == 1


def test_an_unverified_booking_is_charged_as_declared_and_marked(instrument):
    rate_card(instrument)
    reservation = settled(instrument, minutes=90, measured=None)
    charges.charges_make(now=NOW)
    charge = reservation.charge
    assert not charge.verified and [x.basis for x in charge.lines.all()] == ["declared"]
    assert charge.net == D("450.00")


def test_the_rate_in_force_when_approved_is_frozen(instrument):
    rate_card(instrument, valid_from=dt.date(2026, 1, 1), price_enterprise=D("300"))
    rate_card(instrument, valid_from=dt.date(2026, 10, 1), price_enterprise=D("500"))
    reservation = settled(instrument)  # on 12 October
    ReservationEvent.objects.create(reservation=reservation, to_status="approved")
    ReservationEvent.objects.filter(reservation=reservation).update(at=dt.datetime(2026, 9, 20, tzinfo=dt.UTC))
    charges.charges_make(now=NOW)
    assert reservation.charge.net == D("300.00")  # approved in September


def test_customer_classes(instrument):
    rate_card(instrument)
    own = settled(instrument, customer=instrument.institution)
    academic = settled(instrument, customer=f.OrganizationFactory(kind=Organization.Kind.INSTITUTE))
    charges.charges_make(now=NOW)
    own.refresh_from_db()
    academic.refresh_from_db()
    assert (own.charge.customer_class, own.charge.net, own.charge.vat) == ("internal", D("100.00"), D("0.00"))
    assert (academic.charge.customer_class, academic.charge.net) == ("academic", D("200.00"))


def test_internal_use_carries_its_cost_centre(instrument):
    rate_card(instrument)
    reservation = settled(instrument, customer=instrument.institution, cost_centre="2026-NSFC-0042")
    charges.charges_make(now=NOW)
    assert Charge.objects.get(reservation=reservation).cost_centre == "2026-NSFC-0042"


def test_no_show_and_late_cancellation_fees_are_policy_options(instrument):
    rate_card(instrument, no_show_fee=D("150"), late_cancel_fee=D("80"))
    no_show = settled(instrument, status=Reservation.Status.NO_SHOW, measured=0)
    late = settled(instrument, status=Reservation.Status.CANCELLED, cancelled_late=True, settled_at=None)
    on_time = settled(instrument, status=Reservation.Status.CANCELLED, settled_at=None)
    assert charges.charges_make(now=NOW) == 2
    assert Charge.objects.get(reservation=no_show).net == D("150.00")
    assert Charge.objects.get(reservation=late).kind == "late_cancel"
    assert not Charge.objects.filter(reservation=on_time).exists()


def test_without_fees_a_no_show_costs_nothing(instrument):
    rate_card(instrument)
    settled(instrument, status=Reservation.Status.NO_SHOW, measured=0)
    assert charges.charges_make(now=NOW) == 0


def test_an_instrument_without_a_rate_is_not_charged(instrument):
    settled(instrument)
    assert charges.charges_make(now=NOW) == 0


def test_a_booking_before_the_first_rate_is_not_charged(instrument):
    rate_card(instrument, valid_from=dt.date(2026, 11, 1))
    settled(instrument)
    assert charges.charges_make(now=NOW) == 0


def test_approved_but_unsettled_bookings_wait(instrument):
    rate_card(instrument)
    settled(instrument, status=Reservation.Status.APPROVED, settled_at=None)
    assert charges.charges_make(now=NOW) == 0


def test_voucher_eligibility_follows_measured_use(instrument):
    rate_card(instrument, no_show_fee=D("100"))
    measured = charges.charge_reservation(settled(instrument))
    declared = charges.charge_reservation(settled(instrument, measured=None))
    fee = charges.charge_reservation(settled(instrument, status=Reservation.Status.NO_SHOW, measured=0))
    assert charges.voucher_eligible(measured)
    assert not charges.voucher_eligible(declared) and not charges.voucher_eligible(fee)
