"""Each flag rule fires on a constructed March story with the numbers that made it fire,
and does not fire just on the other side of its threshold."""

import datetime as dt
from decimal import Decimal

import pytest

from instruments.models import Instrument
from openness.models import Flag
from tests import factories as f
from tests.openness.flag_stories import at, detect, reporting, run

pytestmark = pytest.mark.django_db
Kind = Flag.Kind
SECOND = dt.timedelta(seconds=1)


@pytest.fixture(autouse=True)
def _round_thresholds(settings):
    """A reference of 365 h a year makes March's reference exactly 31 h."""
    settings.OPENNESS_REFERENCE_HOURS_GENERAL = 365
    settings.OPENNESS_FLAG_IDLE_UTILIZATION = Decimal("0.5")
    settings.OPENNESS_FLAG_IDLE_DAYS = 10


def test_idle_fires_below_half_the_reference_hours_with_its_numbers():
    instrument = reporting()
    f.UsageSessionFactory(instrument=instrument, start=at(30, 8) + SECOND, end=at(30, 23, 30))  # 15.5 h less 1 s
    flag = detect(instrument)[Kind.IDLE]
    assert flag.evidence["fired"] == ["utilization"]
    numbers = flag.evidence["numbers"]
    assert (numbers["effective_hours"], numbers["reference_hours"], numbers["utilization"]) == (
        "15.50",
        "31.00",
        "0.5000",
    )
    assert flag.evidence["thresholds"]["utilization_below"] == "0.5"
    assert flag.evidence["period"] == {"from": "2026-03-01T00:00:00+08:00", "to": "2026-04-01T00:00:00+08:00"}
    assert flag.state == Flag.State.OPEN


def test_idle_does_not_fire_at_exactly_half_the_reference_hours():
    instrument = reporting()
    run(15.5, instrument, start=at(30, 8))
    assert Kind.IDLE not in detect(instrument)


def test_idle_fires_after_n_days_without_running(settings):
    settings.OPENNESS_FLAG_IDLE_UTILIZATION = Decimal("0")  # only the days rule
    instrument = reporting()
    run(100, instrument, start=at(22) - dt.timedelta(hours=100))  # ends as the last 10 days begin
    flag = detect(instrument)[Kind.IDLE]
    assert flag.evidence["fired"] == ["no_running"]
    numbers = flag.evidence["numbers"]
    assert (numbers["idle_from"], numbers["idle_to"]) == ("2026-03-22T00:00:00+08:00", "2026-04-01T00:00:00+08:00")
    assert numbers["idle_effective_hours"] == "0.00" and numbers["idle_coverage"] == "1.0000"


def test_idle_days_rule_does_not_fire_when_it_ran_a_second_into_the_window(settings):
    settings.OPENNESS_FLAG_IDLE_UTILIZATION = Decimal("0")
    instrument = reporting()
    run(100, instrument, start=at(22) - dt.timedelta(hours=100) + SECOND)  # ends 1 s into the window
    assert Kind.IDLE not in detect(instrument)


def test_a_silent_gateway_is_never_taken_for_an_idle_instrument():
    instrument = f.BindingFactory().instrument  # bound, never reported
    flags = detect(instrument)
    assert Kind.IDLE not in flags and Kind.LOW_SHARING not in flags
    assert flags[Kind.GATEWAY].evidence["fired"] == ["silent"]


def _shared(external_hours: dt.timedelta):
    """100 h of running on March 10–14, part of it inside an outside start-up's booking."""
    instrument = reporting()
    start, _end = run(100, instrument, start=at(10))
    f.ReservationFactory(instrument=instrument, start=start, end=start + external_hours)
    return instrument


def test_low_sharing_fires_below_seven_percent_with_its_numbers():
    instrument = _shared(dt.timedelta(hours=7) - dt.timedelta(seconds=36))
    flag = detect(instrument)[Kind.LOW_SHARING]
    numbers = flag.evidence["numbers"]
    assert (numbers["external_hours"], numbers["effective_hours"], numbers["sharing_rate"]) == (
        "6.99",
        "100.00",
        "0.0699",
    )
    assert flag.evidence["thresholds"] == {"sharing_rate_below": "0.07"}


def test_low_sharing_does_not_fire_at_seven_percent():
    assert Kind.LOW_SHARING not in detect(_shared(dt.timedelta(hours=7)))


def _declared(measured: dt.timedelta):
    """16 h booked by the owner's own researcher, `measured` of it running."""
    instrument = reporting()
    insider = f.UserFactory(organization=instrument.institution)
    f.ReservationFactory(instrument=instrument, requester=insider, start=at(10, 8), end=at(11))
    f.UsageSessionFactory(instrument=instrument, start=at(10, 8), end=at(10, 8) + measured)
    return instrument


def test_declared_over_measured_fires_at_twice_the_measured_use_and_8_hours_more():
    flag = detect(_declared(dt.timedelta(hours=8)))[Kind.DECLARED_OVER_MEASURED]
    numbers = flag.evidence["numbers"]
    assert (numbers["booked_hours"], numbers["measured_in_bookings_hours"], numbers["difference_hours"]) == (
        "16.00", "8.00", "8.00",
    )  # fmt: skip
    assert flag.evidence["thresholds"] == {"difference_at_least_hours": "8", "ratio_at_least": "2"}


def test_declared_over_measured_does_not_fire_just_under_twice():
    assert Kind.DECLARED_OVER_MEASURED not in detect(_declared(dt.timedelta(hours=8, seconds=1)))


def test_declared_over_measured_needs_the_margin_in_hours_too():
    instrument = reporting()
    f.ReservationFactory(instrument=instrument, start=at(10, 8), end=at(10, 16) - SECOND)  # 8 h less 1 s, none used
    assert Kind.DECLARED_OVER_MEASURED not in detect(instrument)


def test_a_missing_gateway_fires_with_zero_coverage():
    instrument = f.InstrumentFactory()
    flag = detect(instrument)[Kind.GATEWAY]
    assert flag.evidence["fired"] == ["missing"]
    assert flag.evidence["numbers"] == {
        "has_gateway": False, "reporting_hours": "0.00", "unknown_hours": "0.00", "period_hours": "744.00",
        "coverage": "0.0000",
    }  # fmt: skip


def test_a_silent_gateway_fires_below_90_percent_coverage_and_not_at_it():
    silent, enough = reporting(), reporting()
    tenth = dt.timedelta(hours=74.4)  # a tenth of March's 744 h
    f.ReportingGapFactory(instrument=silent, start=at(5), end=at(5) + tenth + SECOND)
    f.ReportingGapFactory(instrument=enough, start=at(5), end=at(5) + tenth)
    flag = detect(silent)[Kind.GATEWAY]
    assert flag.evidence["fired"] == ["silent"] and flag.evidence["numbers"]["coverage"] == "0.9000"  # rounded
    assert flag.evidence["numbers"]["unknown_hours"] == "74.40"
    assert Kind.GATEWAY not in detect(enough)


def _catalogued(in_service: dt.date, created: dt.datetime) -> Instrument:
    instrument = reporting(in_service_date=in_service)
    Instrument.objects.filter(pk=instrument.pk).update(created_at=created)
    return instrument


def test_late_registration_fires_in_the_month_of_cataloguing_after_90_days():
    instrument = _catalogued(dt.date(2025, 11, 30), at(1, 10))
    flag = detect(instrument)[Kind.LATE_REGISTRATION]
    assert flag.evidence["numbers"] == {"in_service_date": "2025-11-30", "catalogued": "2026-03-01", "delay_days": 91}
    assert flag.evidence["thresholds"] == {"delay_above_days": 90}
    assert Kind.LATE_REGISTRATION not in detect(instrument, period=(at(32), at(32) + dt.timedelta(days=30)))


def test_late_registration_does_not_fire_at_90_days():
    assert Kind.LATE_REGISTRATION not in detect(_catalogued(dt.date(2025, 12, 1), at(1, 10)))


def test_instruments_catalogued_before_the_judged_date_are_not_judged(settings):
    settings.OPENNESS_FLAG_REGISTRATION_FROM = dt.date(2026, 3, 2)  # the province's history came in on March 1
    assert Kind.LATE_REGISTRATION not in detect(_catalogued(dt.date(2020, 1, 1), at(1, 10)))


def test_an_in_scope_instrument_marked_not_shared_is_flagged():
    instrument = reporting(share_mode=Instrument.ShareMode.NONE)
    flag = detect(instrument)[Kind.NOT_SHARED]
    assert flag.evidence["numbers"] == {"share_mode": "none", "original_value": "1250000.00"}
    assert Kind.NOT_SHARED not in detect(reporting(share_mode=Instrument.ShareMode.INTERNAL))


def test_instruments_below_the_threshold_or_retired_get_no_flags():
    small = f.InstrumentFactory(share_mode=Instrument.ShareMode.NONE, original_value=Decimal("499999.99"))
    retired = f.InstrumentFactory(share_mode=Instrument.ShareMode.NONE, status=Instrument.Status.RETIRED)
    assert detect(small) == {} and detect(retired) == {}


def _no_shows(count: int) -> Instrument:
    instrument = reporting()
    for day in range(count):
        f.ReservationFactory(instrument=instrument, start=at(10 + day, 9), end=at(10 + day, 10), status="no_show")
    return instrument


def test_three_no_shows_in_the_month_are_flagged_and_two_are_not():
    flag = detect(_no_shows(3))[Kind.NO_SHOWS]
    assert flag.evidence["numbers"] == {"no_show": 3, "completed": 0, "unverified": 0}
    assert Kind.NO_SHOWS not in detect(_no_shows(2))


def test_every_flag_carries_its_period_rule_numbers_and_thresholds():
    instrument = reporting(share_mode=Instrument.ShareMode.NONE, in_service_date=dt.date(2020, 1, 1))
    Instrument.objects.filter(pk=instrument.pk).update(created_at=at(3))
    f.InstrumentFactory()
    for day in range(3):
        f.ReservationFactory(instrument=instrument, start=at(10 + day, 9), end=at(11 + day), status="no_show")
    flags = Flag.objects.all()
    detect()
    assert {flag.kind for flag in flags} == {Kind.IDLE, Kind.NOT_SHARED, Kind.LATE_REGISTRATION, Kind.NO_SHOWS,
                                             Kind.GATEWAY, Kind.DECLARED_OVER_MEASURED}  # fmt: skip
    for flag in flags:
        assert flag.evidence["period"] and flag.evidence["fired"] and flag.evidence["numbers"]
        assert flag.evidence["thresholds"]


def _billed(instrument: Instrument, *, verified: bool, measured: float | None) -> None:
    from billing.charges import charge_reservation
    from tests.billing.helpers import rate_card

    if not instrument.rate_cards.exists():
        rate_card(instrument, valid_from=dt.date(2026, 1, 1))
    reservation = f.ReservationFactory(
        instrument=instrument,
        start=at(12, 9),
        end=at(12, 11),
        usage_verified=verified,
        measured_minutes=measured,
        overrun_minutes=0 if verified else None,
        settled_at=at(12, 14),
    )
    assert charge_reservation(reservation) is not None


def test_use_billed_where_the_instrument_did_not_run_is_flagged_with_the_bill():
    instrument = reporting()
    _billed(instrument, verified=True, measured=0)  # the gateway reported; nothing ran: 2 h booked × 300
    flag = detect(instrument)[Kind.BILLED_UNMEASURED]
    assert flag.evidence["fired"] == ["zero_use"]
    numbers = flag.evidence["numbers"]
    assert (numbers["billed_charges"], numbers["billed_amount"], numbers["billed_zero_use"]) == (1, "636.00", 1)
    assert flag.evidence["thresholds"] == {"charges_at_least": 1}


def test_use_billed_as_declared_without_a_gateway_is_flagged_as_unverified():
    instrument = f.InstrumentFactory()
    _billed(instrument, verified=False, measured=None)
    assert detect(instrument)[Kind.BILLED_UNMEASURED].evidence["fired"] == ["unverified"]


def test_measured_use_that_was_billed_is_not_flagged(settings):
    instrument = reporting()
    _billed(instrument, verified=True, measured=90)
    assert Kind.BILLED_UNMEASURED not in detect(instrument)
    settings.OPENNESS_FLAG_BILLED_UNMEASURED = 2
    _billed(instrument, verified=True, measured=0)
    assert Kind.BILLED_UNMEASURED not in detect(instrument)  # one charge, below the threshold of two
