"""Every pricing rule, in one place and callable on its own: plain values in, priced lines out.

- Billable time follows the rate's basis: booked time, measured use (time inside the booking
  plus overrun), or the larger. A booking no gateway measured is billed as declared (booked
  time), and says so.
- Time is rounded up to the billing increment, then counted in the rate's unit.
- Overrun measured past the end carries the overtime surcharge, on top of its time.
- Enterprises get the start-up/SME discount; the minimum charge applies after it; the set-up
  fee comes on top.
- Each line is rounded half-up to the fen once; VAT is one more rounding of the net.
"""

import math
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
UNIT_MINUTES = {"hour": 60, "half_day": 240, "day": 480}


AMOUNT_POSITIVE = _("Enter an amount above zero, in yuan with at most two decimals.")


def positive_amount(value: Decimal | str, field: str = "amount") -> Decimal:
    """An amount typed by a person: above zero, at most two decimals, or a field error."""
    try:
        amount = Decimal(str(value).strip())
    except ArithmeticError:
        raise ValidationError({field: AMOUNT_POSITIVE}) from None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(FEN):
        raise ValidationError({field: AMOUNT_POSITIVE})
    return amount


def money(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def vat(net: Decimal, rate: Decimal | None = None) -> Decimal:
    return money(net * (settings.BILLING_VAT_RATE if rate is None else rate))


@dataclass(frozen=True)
class Rate:
    """A rate card's terms, frozen on each charge it priced."""

    unit: str = "hour"
    price_internal: Decimal = ZERO
    price_academic: Decimal = ZERO
    price_enterprise: Decimal = ZERO
    sme_discount_percent: Decimal = ZERO
    assisted_extra: Decimal = ZERO
    minimum_charge: Decimal = ZERO
    increment_minutes: int = 15
    setup_fee: Decimal = ZERO
    overtime_surcharge_percent: Decimal = ZERO
    basis: str = "larger"
    no_show_fee: Decimal = ZERO
    late_cancel_fee: Decimal = ZERO

    @classmethod
    def of(cls, card) -> "Rate":
        return cls(**{name: getattr(card, name) for name in cls.__dataclass_fields__})

    def as_json(self) -> dict:
        return {k: str(v) if isinstance(v, Decimal) else v for k, v in asdict(self).items()}

    def unit_price(self, customer_class: str, *, assisted: bool = False) -> Decimal:
        base = {"internal": self.price_internal, "academic": self.price_academic}.get(
            customer_class, self.price_enterprise
        )
        return base + (self.assisted_extra if assisted else ZERO)


@dataclass(frozen=True)
class Line:
    basis: str  # a key of LINE_LABELS
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


@dataclass(frozen=True)
class Use:
    """What happened in one booking, in minutes. `measured` is None when no gateway measured it."""

    booked: float
    measured: float | None
    overrun: float = 0.0
    assisted: bool = False


def billable_minutes(rate: Rate, use: Use) -> tuple[float, str]:
    """The minutes to bill before rounding, and the basis that chose them."""
    if use.measured is None:
        return use.booked, "declared"
    measured = use.measured + use.overrun
    if rate.basis == "booked":
        return use.booked, "booked"
    if rate.basis == "measured":
        return measured, "measured"
    return (measured, "measured") if measured > use.booked else (use.booked, "booked")


def _units(rate: Rate, minutes: float) -> Decimal:
    """Minutes rounded up to the increment, in the rate's unit (4 places)."""
    # Telemetry minutes are floats; a hair above a whole increment is measurement noise.
    steps = math.ceil(round(minutes / rate.increment_minutes, 6)) if minutes > 0 else 0
    rounded = steps * rate.increment_minutes
    return (Decimal(rounded) / Decimal(UNIT_MINUTES[rate.unit])).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


# What each line counts, by its basis code; shown in the reader's language.
LINE_LABELS = {
    "booked": _("Use: booked time"),
    "measured": _("Use: measured use"),
    "declared": _("Use: declared time (no reporting gateway)"),
    "overtime": _("Overtime surcharge"),
    "samples": _("Samples tested"),
    "discount": _("Start-up/SME discount"),
    "minimum": _("Minimum charge"),
    "setup": _("Set-up fee"),
    "no_show": _("No-show fee"),
    "late_cancel": _("Late-cancellation fee"),
}


def price_use(rate: Rate, customer_class: str, use: Use) -> list[Line]:
    """The lines of a booking's use."""
    if rate.unit not in UNIT_MINUTES:
        raise ValueError(f"a {rate.unit} rate cannot price time")
    minutes, basis = billable_minutes(rate, use)
    price = rate.unit_price(customer_class, assisted=use.assisted)
    quantity = _units(rate, minutes)
    lines = [Line(basis, quantity, price, money(quantity * price))]
    if use.measured is not None and use.overrun > 0 and rate.overtime_surcharge_percent and basis == "measured":
        extra = _units(rate, use.overrun)
        surcharge = price * rate.overtime_surcharge_percent / 100
        lines.append(Line("overtime", extra, money(surcharge), money(extra * surcharge)))
    return _finish(rate, customer_class, lines)


def price_samples(rate: Rate, customer_class: str, samples: int) -> list[Line]:
    """The lines of a completed sample order, billed per sample."""
    if rate.unit != "sample":
        raise ValueError("only a per-sample rate prices samples")
    if samples < 1 or samples != int(samples):
        raise ValueError("samples must be a whole number of at least 1")
    price = rate.unit_price(customer_class)
    quantity = Decimal(samples)
    return _finish(rate, customer_class, [Line("samples", quantity, price, money(quantity * price))])


def price_fee(amount: Decimal, basis: str) -> list[Line]:
    """A no-show or late-cancellation fee."""
    return [Line(basis, Decimal(1), amount, money(amount))] if amount > 0 else []


def _finish(rate: Rate, customer_class: str, lines: list[Line]) -> list[Line]:
    subtotal = sum((line.amount for line in lines), ZERO)
    if customer_class == "enterprise" and rate.sme_discount_percent and subtotal:
        discount = money(subtotal * rate.sme_discount_percent / 100)
        lines.append(Line("discount", Decimal(1), -discount, -discount))
        subtotal -= discount
    if subtotal < rate.minimum_charge:
        top_up = rate.minimum_charge - subtotal
        lines.append(Line("minimum", Decimal(1), top_up, money(top_up)))
    if rate.setup_fee:
        lines.append(Line("setup", Decimal(1), rate.setup_fee, money(rate.setup_fee)))
    return lines


def net_of(lines: list[Line]) -> Decimal:
    return sum((line.amount for line in lines), ZERO)


def voucher_share(total: Decimal, percent: Decimal, balance: Decimal) -> Decimal:
    """What a voucher pays of a line's total: its share, rounded half-up, within the balance."""
    return max(ZERO, min(money(total * percent / 100), balance))
