"""Settling bookings from measured usage.

An approved booking, some time after its end, becomes completed or no_show by what the
instrument's gateway reported (the rule in DESIGN.md, "How usage is measured"):
- measured use = running time inside [start, end); running past the end is overrun;
- no-show = no running time within NO_SHOW_MINUTES of the start, on an instrument whose
  gateway was reporting then;
- an instrument without a reporting gateway keeps its declared outcome (completed),
  marked unverified.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from booking import services
from booking.models import Reservation
from telemetry.models import Event, UsageSession
from telemetry.usage import running_minutes

DEFAULT_TIMEOUT = dt.timedelta(minutes=3)


@dataclass(frozen=True)
class Usage:
    measured: float  # minutes inside [start, end)
    early: float  # minutes within the no-show window
    overrun: float  # minutes past the end, of sessions running at the end
    reporting: bool  # the gateway was heard around the start


def measure(reservation: Reservation) -> Usage:
    instrument = reservation.instrument
    window = dt.timedelta(minutes=settings.NO_SHOW_MINUTES)
    binding = getattr(instrument, "binding", None)
    timeout = dt.timedelta(seconds=binding.gateway.timeout_seconds) if binding else DEFAULT_TIMEOUT
    reporting = Event.objects.filter(
        instrument=instrument, ts__gte=reservation.start - timeout, ts__lte=reservation.start + window
    ).exists()
    spans = list(
        UsageSession.objects.filter(instrument=instrument, start__lt=reservation.end + dt.timedelta(days=1))
        .filter(Q(end__gt=reservation.start))
        .values_list("start", "end")
    )
    overrun = sum(
        (min(e, reservation.end + dt.timedelta(days=1)) - reservation.end).total_seconds() / 60
        for s, e in spans
        if s < reservation.end < e
    )
    return Usage(
        measured=running_minutes(spans, reservation.start, reservation.end),
        early=running_minutes(spans, reservation.start, reservation.start + window),
        overrun=overrun,
        reporting=reporting,
    )


def reservation_settle_from_usage(reservation: Reservation, *, now: dt.datetime | None = None) -> Reservation:
    usage = measure(reservation)
    if usage.reporting and usage.early == 0:
        outcome = Reservation.Status.NO_SHOW
        reason = _("No running time within %(minutes)d minutes of the start.") % {"minutes": settings.NO_SHOW_MINUTES}
    elif usage.reporting or usage.measured:
        outcome, reason = Reservation.Status.COMPLETED, _("Measured use: %(minutes).0f minutes.") % {
            "minutes": usage.measured}  # fmt: skip
    else:
        outcome, reason = Reservation.Status.COMPLETED, _("No reporting gateway: completed as declared, unverified.")
    verified = usage.reporting or bool(usage.measured)
    # The figures and the status change together, or neither does.
    with transaction.atomic():
        Reservation.objects.filter(pk=reservation.pk).update(
            measured_minutes=round(usage.measured, 2) if verified else None,
            overrun_minutes=round(usage.overrun, 2) if verified else None,
            usage_verified=verified,
            settled_at=now or timezone.now(),
        )
        return services.reservation_settle(reservation=reservation, outcome=outcome, reason=reason)


def reservations_settle(*, now: dt.datetime | None = None) -> int:
    """Settle approved bookings that ended SETTLE_AFTER_MINUTES ago (the jobs worker)."""
    now = now or timezone.now()
    due = Reservation.objects.filter(
        status=Reservation.Status.APPROVED, end__lte=now - dt.timedelta(minutes=settings.SETTLE_AFTER_MINUTES)
    ).select_related("instrument__binding__gateway", "instrument__lab")
    settled = 0
    for reservation in due:
        try:
            reservation_settle_from_usage(reservation, now=now)
            settled += 1
        except services.TransitionNotAllowed:
            continue  # cancelled or settled meanwhile
    return settled
