"""Rate cards: an instrument's prices from a day on.

A card is never edited: a change of price is a new card from a later day, so every charge
keeps pointing at the terms it was priced by. A new card may not start before today once
any charge of the instrument exists (that would reprice bookings approved since, but not
charged yet, behind the customers' backs); before the first charge a lab may date its first
cards back, so that bookings already approved get a price.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from billing.charges import rate_card_in_force
from billing.models import Charge, RateCard
from billing.permissions import can_set_rates
from instruments.models import Instrument

MONEY_FIELDS = (
    "price_internal", "price_academic", "price_enterprise", "assisted_extra", "minimum_charge", "setup_fee",
    "no_show_fee", "late_cancel_fee",
)  # fmt: skip
PERCENT_FIELDS = ("sme_discount_percent", "overtime_surcharge_percent")
REQUIRED = ("valid_from", "price_internal", "price_academic", "price_enterprise")
MAX_MONEY = Decimal("999999999999.99")  # what the column holds
FEN = Decimal("0.01")
MAX_INCREMENT = 24 * 60

RATES_DENIED = _("Only the managers of the instrument's lab set its rates.")
MONEY_INVALID = _("Enter an amount of at least 0 in yuan, with at most two decimals.")
MONEY_TOO_LARGE = _("Enter an amount below one trillion yuan.")
PERCENT_INVALID = _("Enter a percentage from 0 to 100, with at most two decimals.")
INCREMENT_INVALID = _("Enter a whole number of minutes from 1 to 1440.")
CHOICE_INVALID = _("Choose one of the options.")
DATE_REQUIRED = _("Enter the first day the card is in force.")
FIELD_REQUIRED = _("This field is required.")
SAME_DAY = _("A rate card from %(date)s exists already. Cards are never changed: choose another day for the new one.")
IN_THE_PAST = _(
    "Charges were already made with this instrument's rates, so a new card starts today or later, not on %(date)s."
)
UNKNOWN_TERMS = "unknown rate card terms: %s"


def _decimal(value) -> Decimal | None:
    """The value with at most two decimals as written ("1.230" has three), else None."""
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite() or amount.as_tuple().exponent < -2:
        return None
    return amount.copy_abs() if amount == 0 else amount  # no "-0.00"


def _money(value, field: str, errors: dict) -> Decimal | None:
    amount = _decimal(value)
    if amount is not None and amount > MAX_MONEY:
        errors[field] = MONEY_TOO_LARGE
    elif amount is None or amount < 0:  # a third decimal is refused, not rounded
        errors[field] = MONEY_INVALID
    return None if field in errors else amount.quantize(FEN)


def _percent(value, field: str, errors: dict) -> Decimal | None:
    amount = _decimal(value)
    if amount is None or not 0 <= amount <= 100:
        errors[field] = PERCENT_INVALID
        return None
    return amount.quantize(FEN)


def _increment(value, errors: dict) -> int | None:
    try:
        minutes = int(str(value).strip())
    except ValueError:
        minutes = None
    if minutes is None or str(minutes) != str(value).strip() or not 1 <= minutes <= MAX_INCREMENT:
        errors["increment_minutes"] = INCREMENT_INVALID
        return None
    return minutes


def _day(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def rate_card_terms(terms: dict, *, instrument: Instrument, today: dt.date) -> dict:
    """The terms as the card stores them, or a ValidationError naming each bad field."""
    unknown = set(terms) - {*MONEY_FIELDS, *PERCENT_FIELDS, "valid_from", "unit", "basis", "increment_minutes"}
    if unknown:
        raise TypeError(UNKNOWN_TERMS % ", ".join(sorted(unknown)))
    errors: dict = {}
    clean: dict = {}
    for field in REQUIRED:
        if terms.get(field) in (None, ""):
            errors[field] = DATE_REQUIRED if field == "valid_from" else FIELD_REQUIRED
    for field in MONEY_FIELDS:
        if field not in errors and terms.get(field) not in (None, ""):
            clean[field] = _money(terms[field], field, errors)
    for field in PERCENT_FIELDS:
        if terms.get(field) not in (None, ""):
            clean[field] = _percent(terms[field], field, errors)
    if terms.get("increment_minutes") not in (None, ""):
        clean["increment_minutes"] = _increment(terms["increment_minutes"], errors)
    for field, choices in (("unit", RateCard.Unit), ("basis", RateCard.Basis)):
        if terms.get(field) not in (None, ""):
            if terms[field] not in choices.values:
                errors[field] = CHOICE_INVALID
            clean[field] = terms[field]
    day = _day(terms.get("valid_from"))
    if day is not None and "valid_from" not in errors:
        clean["valid_from"] = day
        if day < today and Charge.objects.filter(instrument=instrument).exists():
            errors["valid_from"] = IN_THE_PAST % {"date": day.isoformat()}
        elif RateCard.objects.filter(instrument=instrument, valid_from=day).exists():
            errors["valid_from"] = SAME_DAY % {"date": day.isoformat()}
    elif "valid_from" not in errors:
        errors["valid_from"] = DATE_REQUIRED
    if errors:
        raise ValidationError(errors)
    return {k: v for k, v in clean.items() if v is not None}


def rate_card_create(*, by: User, instrument: Instrument, today: dt.date | None = None, **terms) -> RateCard:
    """A new card of the instrument's prices from `valid_from` on. Money in yuan (at most
    two decimals, not negative), percentages 0–100; terms left out take the defaults."""
    if not can_set_rates(by, instrument):
        raise PermissionDenied(RATES_DENIED)
    today = today or timezone.localdate()
    clean = rate_card_terms(terms, instrument=instrument, today=today)
    try:
        with transaction.atomic():
            return RateCard.objects.create(instrument=instrument, created_by=by, **clean)
    except IntegrityError:
        # The database's one card per instrument and day: another card of that day was made meanwhile.
        raise ValidationError({"valid_from": SAME_DAY % {"date": clean["valid_from"].isoformat()}}) from None


def rate_cards_of(instrument: Instrument, *, today: dt.date | None = None) -> tuple[list[RateCard], RateCard | None]:
    """Every card of the instrument, newest first, and the one in force today."""
    today = today or timezone.localdate()
    cards = list(RateCard.objects.filter(instrument=instrument).select_related("created_by").order_by("-valid_from"))
    return cards, next((card for card in cards if card.valid_from <= today), None)


def public_rates(instrument: Instrument, *, today: dt.date | None = None) -> tuple[RateCard | None, RateCard | None]:
    """The card in force today and the next one already announced, if any."""
    today = today or timezone.localdate()
    upcoming = RateCard.objects.filter(instrument=instrument, valid_from__gt=today).order_by("valid_from").first()
    return rate_card_in_force(instrument_id=instrument.pk, on=today), upcoming
