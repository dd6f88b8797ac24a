"""Reads of billing for the layers above (openness): money per instrument and period, and
use billed that no gateway measured. A charge belongs to the period in which its booking
started (or its sample order was completed)."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, Sum

from billing.models import Charge, VoucherPayment

ZERO = Decimal("0.00")


def _in_period(start: dt.datetime, end: dt.datetime, prefix: str = "") -> Q:
    booked = Q(**{f"{prefix}reservation__start__gte": start, f"{prefix}reservation__start__lt": end})
    sampled = Q(**{f"{prefix}sample_order__completed_at__gte": start, f"{prefix}sample_order__completed_at__lt": end})
    return booked | sampled


@dataclass(frozen=True)
class Money:
    revenue: Decimal = ZERO  # net of every charge
    vouchers: Decimal = ZERO  # what innovation vouchers paid of them


def money_by_instrument(*, instruments: list[int], start: dt.datetime, end: dt.datetime) -> dict[int, Money]:
    revenue = dict(
        Charge.objects.filter(_in_period(start, end), instrument_id__in=instruments)
        .values_list("instrument_id")
        .annotate(s=Sum("net"))
    )
    vouchers = dict(
        VoucherPayment.objects.filter(
            _in_period(start, end, "charge__"), charge__instrument_id__in=instruments, reversed_at__isnull=True
        )
        .values_list("charge__instrument_id")
        .annotate(s=Sum("amount"))
    )
    return {pk: Money(revenue.get(pk) or ZERO, vouchers.get(pk) or ZERO) for pk in set(revenue) | set(vouchers)}


@dataclass
class Unmeasured:
    """Use charged on bookings whose instrument measured no running time inside them."""

    charges: int = 0
    amount: Decimal = ZERO  # net + VAT
    vouchers: Decimal = ZERO
    unverified: int = 0  # no reporting gateway: billed as declared
    zero_use: int = 0  # the gateway reported, and the instrument did not run
    bookings: list[int] = field(default_factory=list)  # the first few, as evidence


def billed_without_measured_use(
    *, instruments: list[int], start: dt.datetime, end: dt.datetime, examples: int = 10
) -> dict[int, Unmeasured]:
    charges = Charge.objects.filter(
        kind=Charge.Kind.USE, instrument_id__in=instruments, reservation__start__gte=start,
        reservation__start__lt=end,
    ).filter(
        Q(reservation__usage_verified=False)
        | Q(reservation__measured_minutes=0, reservation__overrun_minutes__in=[0, None])
    )  # fmt: skip
    rows = charges.order_by("instrument_id", "reservation__start", "pk").values_list(
        "instrument_id", "reservation_id", "reservation__usage_verified", "net", "vat"
    )
    found: dict[int, Unmeasured] = defaultdict(Unmeasured)
    for pk, reservation, verified, net, vat in rows:
        u = found[pk]
        u.charges += 1
        u.amount += net + vat
        if verified:
            u.zero_use += 1
        else:
            u.unverified += 1
        if len(u.bookings) < examples:
            u.bookings.append(reservation)
    paid = (
        VoucherPayment.objects.filter(reversed_at__isnull=True, charge__in=charges.values("pk"))
        .values_list("charge__instrument_id")
        .annotate(s=Sum("amount"))
    )
    for pk, amount in paid:
        found[pk].vouchers = amount
    return dict(found)
