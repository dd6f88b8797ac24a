"""Pricing cases worked by hand: increments, bases, minimums, overtime, customer classes,
discounts, set-up fees, samples, fees and voucher shares."""

from decimal import Decimal as D

import pytest

from billing import pricing
from billing.pricing import Rate, Use

HOURLY = Rate(
    unit="hour", price_internal=D("100"), price_academic=D("200"), price_enterprise=D("300"), increment_minutes=15
)


def amounts(lines):
    return [(line.basis, line.quantity, line.unit_price, line.amount) for line in lines]


def test_time_is_rounded_up_to_the_increment():
    # 61 minutes measured, 60 booked, basis larger: 61 → 75 minutes = 1.25 h × 200 = 250.00
    lines = pricing.price_use(HOURLY, "academic", Use(booked=60, measured=61))
    assert amounts(lines) == [("measured", D("1.2500"), D("200"), D("250.00"))]


def test_a_whole_increment_is_not_rounded_up_by_float_noise():
    lines = pricing.price_use(HOURLY, "academic", Use(booked=30, measured=60.000000001))
    assert lines[0].quantity == D("1.0000")


def test_the_larger_basis_bills_booked_time_when_little_was_used():
    lines = pricing.price_use(HOURLY, "internal", Use(booked=120, measured=10))
    assert amounts(lines) == [("booked", D("2.0000"), D("100"), D("200.00"))]


def test_the_measured_basis_bills_measured_use_plus_overrun():
    rate = Rate(**{**HOURLY.__dict__, "basis": "measured"})
    # 50 min inside + 20 min overrun = 70 → 75 minutes = 1.25 h × 300 = 375.00
    lines = pricing.price_use(rate, "enterprise", Use(booked=120, measured=50, overrun=20))
    assert amounts(lines) == [("measured", D("1.2500"), D("300"), D("375.00"))]


def test_the_booked_basis_ignores_measurements():
    rate = Rate(**{**HOURLY.__dict__, "basis": "booked"})
    lines = pricing.price_use(rate, "academic", Use(booked=90, measured=200, overrun=30))
    assert amounts(lines) == [("booked", D("1.5000"), D("200"), D("300.00"))]


def test_an_unmeasured_booking_is_billed_as_declared():
    lines = pricing.price_use(HOURLY, "academic", Use(booked=90, measured=None, overrun=0))
    assert amounts(lines) == [("declared", D("1.5000"), D("200"), D("300.00"))]


def test_overrun_carries_the_overtime_surcharge():
    rate = Rate(**{**HOURLY.__dict__, "overtime_surcharge_percent": D("50")})
    # 60 inside + 20 overrun = 80 → 90 min = 1.5 h × 200 = 300; overrun 20 → 30 min = 0.5 h × 100 = 50
    lines = pricing.price_use(rate, "academic", Use(booked=60, measured=60, overrun=20))
    assert amounts(lines) == [
        ("measured", D("1.5000"), D("200"), D("300.00")),
        ("overtime", D("0.5000"), D("100.00"), D("50.00")),
    ]


def test_staff_operated_use_adds_the_assisted_price():
    rate = Rate(**{**HOURLY.__dict__, "assisted_extra": D("80")})
    lines = pricing.price_use(rate, "academic", Use(booked=60, measured=60, assisted=True))
    assert amounts(lines) == [("booked", D("1.0000"), D("280"), D("280.00"))]


def test_enterprises_get_the_discount_then_the_minimum_then_the_setup_fee():
    rate = Rate(
        **{**HOURLY.__dict__, "sme_discount_percent": D("20"), "minimum_charge": D("500"), "setup_fee": D("50")}
    )
    # 1 h × 300 = 300; discount 20% = 60 → 240; minimum 500 tops up 260; set-up 50: net 550
    lines = pricing.price_use(rate, "enterprise", Use(booked=60, measured=60))
    assert amounts(lines) == [
        ("booked", D("1.0000"), D("300"), D("300.00")),  # a tie bills booked time
        ("discount", D("1"), D("-60.00"), D("-60.00")),
        ("minimum", D("1"), D("260.00"), D("260.00")),
        ("setup", D("1"), D("50"), D("50.00")),
    ]
    assert pricing.net_of(lines) == D("550.00")


def test_the_discount_is_for_enterprises_only():
    rate = Rate(**{**HOURLY.__dict__, "sme_discount_percent": D("20")})
    assert [x.basis for x in pricing.price_use(rate, "academic", Use(booked=60, measured=60))] == ["booked"]


def test_each_line_is_rounded_half_up_to_the_fen():
    rate = Rate(unit="hour", price_academic=D("100.01"), increment_minutes=1)
    # 7 minutes = 0.1167 h (4 places) × 100.01 = 11.6711... → 11.67
    assert pricing.price_use(rate, "academic", Use(booked=7, measured=7))[0].amount == D("11.67")
    rate = Rate(unit="hour", price_academic=D("0.05"), increment_minutes=30)
    # 0.5 h × 0.05 = 0.025 → 0.03 (half-up, not banker's 0.02)
    assert pricing.price_use(rate, "academic", Use(booked=30, measured=30))[0].amount == D("0.03")


def test_half_days_and_days_count_in_their_unit():
    rate = Rate(unit="half_day", price_academic=D("1000"), increment_minutes=60)
    # 5 h 10 min → 6 h = 1.5 half days × 1000
    assert pricing.price_use(rate, "academic", Use(booked=310, measured=310))[0].amount == D("1500.00")
    rate = Rate(unit="day", price_academic=D("1600"), increment_minutes=240)
    assert pricing.price_use(rate, "academic", Use(booked=300, measured=None))[0].amount == D("1600.00")


def test_samples_are_billed_per_sample():
    rate = Rate(unit="sample", price_enterprise=D("800"), sme_discount_percent=D("10"))
    lines = pricing.price_samples(rate, "enterprise", 3)
    assert amounts(lines) == [
        ("samples", D("3"), D("800"), D("2400.00")),
        ("discount", D("1"), D("-240.00"), D("-240.00")),
    ]


@pytest.mark.parametrize("samples", [0, -1, 2.5])
def test_samples_must_be_a_whole_positive_number(samples):
    with pytest.raises(ValueError, match="whole number"):
        pricing.price_samples(Rate(unit="sample"), "academic", samples)


def test_a_time_rate_cannot_price_samples_nor_a_sample_rate_time():
    with pytest.raises(ValueError, match="per-sample"):
        pricing.price_samples(HOURLY, "academic", 1)
    with pytest.raises(ValueError, match="cannot price time"):
        pricing.price_use(Rate(unit="sample"), "academic", Use(booked=60, measured=60))


def test_fees_are_one_line_or_none():
    assert amounts(pricing.price_fee(D("150"), "no_show")) == [("no_show", D("1"), D("150"), D("150.00"))]
    assert pricing.price_fee(D("0"), "no_show") == []


def test_vat_is_rounded_once_on_the_net(settings):
    settings.BILLING_VAT_RATE = D("0.06")
    assert pricing.vat(D("11.75")) == D("0.71")  # 0.705 → 0.71
    assert pricing.vat(D("100.00"), D("0.13")) == D("13.00")


def test_the_voucher_pays_its_share_within_the_balance():
    assert pricing.voucher_share(D("1000.00"), D("40"), D("5000")) == D("400.00")
    assert pricing.voucher_share(D("1000.00"), D("60"), D("250.00")) == D("250.00")
    assert pricing.voucher_share(D("333.33"), D("40"), D("5000")) == D("133.33")  # 133.332
    assert pricing.voucher_share(D("0.05"), D("50"), D("1")) == D("0.03")  # 0.025 half-up
    assert pricing.voucher_share(D("100"), D("40"), D("0")) == D("0")


def test_a_rate_freezes_to_json_and_reads_back():
    rate = Rate(**{**HOURLY.__dict__, "setup_fee": D("12.50")})
    frozen = rate.as_json()
    assert frozen["setup_fee"] == "12.50" and frozen["increment_minutes"] == 15
