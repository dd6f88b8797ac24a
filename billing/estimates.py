"""What a booking would cost, before it is made: the same pricing rules as its charge,
with the rate card in force today and the booked time taken as used in full."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from accounts.models import Organization
from billing import pricing
from billing.charges import ASSISTED_WAYS, customer_class, rate_card_in_force
from billing.models import CustomerClass, RateCard
from instruments.models import Instrument


@dataclass(frozen=True)
class Estimate:
    card: RateCard
    customer_class: str
    lines: list[pricing.Line]
    net: Decimal
    vat: Decimal

    @property
    def total(self) -> Decimal:
        return self.net + self.vat


def booking_estimate(
    *, instrument: Instrument, customer: Organization, start: dt.datetime, end: dt.datetime, service_way: str
) -> Estimate | None:
    """None when the instrument has no rate for time (no card, or priced per sample)."""
    card = rate_card_in_force(instrument_id=instrument.pk, on=timezone.localdate())
    if card is None or card.unit not in pricing.UNIT_MINUTES or end <= start:
        return None
    rate = pricing.Rate.of(card)
    klass = customer_class(provider_id=instrument.institution_id, customer=customer)
    minutes = (end - start).total_seconds() / 60
    # Measured as booked: the estimate assumes the whole time is used, and no overrun.
    use = pricing.Use(booked=minutes, measured=minutes, assisted=service_way in ASSISTED_WAYS)
    lines = pricing.price_use(rate, klass, use)
    net = pricing.net_of(lines)
    vat = pricing.vat(net) if klass != CustomerClass.INTERNAL else Decimal("0.00")
    return Estimate(card=card, customer_class=klass, lines=lines, net=net, vat=vat)
