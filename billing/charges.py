"""Charges: what each settled booking and completed sample order costs.

A charge is made once (the database holds one per booking or order) by the jobs worker,
priced by the rate card in force when the booking was approved or the order accepted, with
the card's terms frozen on it. Charges are never edited: a correction is a credit note.
"""

import datetime as dt
import logging
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Organization
from billing import ledger, pricing
from billing.models import Charge, ChargeLine, CustomerClass, RateCard
from booking.models import Reservation, ReservationEvent, SampleOrder

log = logging.getLogger(__name__)

ACADEMIC_KINDS = (Organization.Kind.UNIVERSITY, Organization.Kind.INSTITUTE, Organization.Kind.REGULATOR)
ASSISTED_WAYS = (Reservation.ServiceWay.TECHNICAL, Reservation.ServiceWay.ENTRUSTED)
# Bookings settled longer ago than this are not looked at again for a charge.
LOOKBACK = dt.timedelta(days=62)


def customer_class(*, provider_id: int, customer: Organization) -> str:
    if customer.pk == provider_id:
        return CustomerClass.INTERNAL
    if customer.kind in ACADEMIC_KINDS:
        return CustomerClass.ACADEMIC
    return CustomerClass.ENTERPRISE


def rate_card_in_force(*, instrument_id: int, on: dt.date) -> RateCard | None:
    return RateCard.objects.filter(instrument_id=instrument_id, valid_from__lte=on).order_by("-valid_from").first()


def _local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def approved_on(reservation: Reservation) -> dt.date:
    """The day the booking was approved (the rate of that day applies). A booking without a
    recorded approval (imported history) counts as approved when asked, or at its start if earlier."""
    at = (
        ReservationEvent.objects.filter(reservation=reservation, to_status=Reservation.Status.APPROVED)
        .order_by("at")
        .values_list("at", flat=True)
        .first()
    )
    return _local_date(at or min(reservation.created_at, reservation.start))


def reservation_lines(reservation: Reservation, rate: pricing.Rate, klass: str) -> tuple[str, list[pricing.Line]]:
    """The charge kind and lines for a settled (or late-cancelled) booking by its rate."""
    status = reservation.status
    if status == Reservation.Status.NO_SHOW:
        return Charge.Kind.NO_SHOW, pricing.price_fee(rate.no_show_fee, "no_show")
    if status == Reservation.Status.CANCELLED:
        return Charge.Kind.LATE_CANCEL, pricing.price_fee(rate.late_cancel_fee, "late_cancel")
    if rate.unit not in pricing.UNIT_MINUTES:
        return Charge.Kind.USE, []  # the instrument is priced per sample: its bookings cost nothing
    booked = (reservation.end - reservation.start).total_seconds() / 60
    measured = reservation.measured_minutes if reservation.usage_verified else None
    use = pricing.Use(
        booked=booked,
        measured=measured,
        overrun=reservation.overrun_minutes or 0.0,
        assisted=reservation.service_way in ASSISTED_WAYS,
    )
    return Charge.Kind.USE, pricing.price_use(rate, klass, use)


def _record(*, lines: list[pricing.Line], **fields) -> Charge | None:
    if not lines:
        return None
    net = pricing.net_of(lines)
    external = fields["customer_class"] != CustomerClass.INTERNAL
    # Internal use is a cost transfer inside one institution: no VAT.
    charge = Charge.objects.create(net=net, vat=pricing.vat(net) if external else Decimal("0.00"), **fields)
    ChargeLine.objects.bulk_create(
        ChargeLine(charge=charge, basis=x.basis, quantity=x.quantity, unit_price=x.unit_price, amount=x.amount)
        for x in lines
    )
    ledger.append(
        kind="charge", subject=f"charge:{charge.pk}", amount=charge.total,
        data={"customer": charge.customer_id, "provider": charge.provider_id, "net": charge.net, "vat": charge.vat,
              "reservation": charge.reservation_id, "sample_order": charge.sample_order_id},
    )  # fmt: skip
    return charge


def charge_reservation(reservation: Reservation) -> Charge | None:
    """Price a settled booking; None if it costs nothing or has no rate. Idempotent."""
    if hasattr(reservation, "charge"):
        return reservation.charge
    instrument = reservation.instrument
    card = rate_card_in_force(instrument_id=instrument.pk, on=approved_on(reservation))
    if card is None:
        return None
    rate = pricing.Rate.of(card)
    klass = customer_class(provider_id=instrument.institution_id, customer=reservation.organization)
    kind, lines = reservation_lines(reservation, rate, klass)
    try:
        with transaction.atomic():
            return _record(
                lines=lines, reservation=reservation, kind=kind, instrument=instrument,
                provider_id=instrument.institution_id, customer=reservation.organization, customer_class=klass,
                cost_centre=reservation.cost_centre, rate_card=card, rate=rate.as_json(),
                verified=bool(reservation.usage_verified) and kind == Charge.Kind.USE,
                service_date=_local_date(reservation.start),
            )  # fmt: skip
    except IntegrityError:
        return Charge.objects.get(reservation=reservation)  # charged by another worker meanwhile


def charge_sample_order(order: SampleOrder) -> Charge | None:
    """Price a completed sample order per sample; None without a per-sample rate. Idempotent."""
    if hasattr(order, "charge"):
        return order.charge
    instrument = order.instrument
    card = rate_card_in_force(instrument_id=instrument.pk, on=_local_date(order.decided_at or order.created_at))
    if card is None or card.unit != RateCard.Unit.SAMPLE:
        return None
    rate = pricing.Rate.of(card)
    klass = customer_class(provider_id=instrument.institution_id, customer=order.organization)
    try:
        with transaction.atomic():
            return _record(
                lines=pricing.price_samples(rate, klass, order.samples), sample_order=order, kind=Charge.Kind.SAMPLES,
                instrument=instrument, provider_id=instrument.institution_id, customer=order.organization,
                customer_class=klass, cost_centre=order.cost_centre, rate_card=card, rate=rate.as_json(),
                verified=order.confirmed_at is not None,
                service_date=_local_date(order.completed_at or order.created_at),
            )  # fmt: skip
    except IntegrityError:
        return Charge.objects.get(sample_order=order)


def reservations_to_charge(*, now: dt.datetime) -> Q:
    settled = Q(status__in=(Reservation.Status.COMPLETED, Reservation.Status.NO_SHOW), settled_at__isnull=False)
    late = Q(status=Reservation.Status.CANCELLED, cancelled_late=True)
    return (settled | late) & Q(charge__isnull=True, end__gte=now - LOOKBACK)


def charges_make(*, now: dt.datetime | None = None) -> int:
    """Charge every settled booking and completed sample order not charged yet (the jobs worker)."""
    now = now or timezone.now()
    made = 0
    with_rates = Q(instrument__rate_cards__isnull=False)
    bookings = (
        Reservation.objects.filter(reservations_to_charge(now=now) & with_rates)
        .distinct()
        .select_related("instrument", "organization")
        .order_by("end", "pk")
    )
    for reservation in bookings.iterator(chunk_size=500):
        made += charge_reservation(reservation) is not None
    orders = (
        SampleOrder.objects.filter(
            with_rates, status=SampleOrder.Status.COMPLETED, charge__isnull=True,
            completed_at__gte=now - LOOKBACK,
        )
        .distinct()
        .select_related("instrument", "organization")
    )  # fmt: skip
    for order in orders.iterator(chunk_size=500):
        made += charge_sample_order(order) is not None
    if made:
        log.info("made %d charges", made)
    return made


def eligible(*, kind: str, verified: bool, exception_at: dt.datetime | None, confirmed_at: dt.datetime | None) -> bool:
    """May a voucher pay this charge? Use that really happened: measured by a reporting
    gateway, or samples whose results the customer confirmed; or a regulator's exception for
    this one charge. Never a fee."""
    if kind not in (Charge.Kind.USE, Charge.Kind.SAMPLES):
        return False
    if exception_at is not None:
        return True
    return verified if kind == Charge.Kind.USE else confirmed_at is not None


def voucher_eligible(charge: Charge) -> bool:
    order = charge.sample_order
    return eligible(
        kind=charge.kind, verified=charge.verified, exception_at=charge.voucher_exception_at,
        confirmed_at=order.confirmed_at if order is not None else None,
    )  # fmt: skip
