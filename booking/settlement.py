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
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from booking import services
from booking.models import Reservation
from instruments.services import record_change_note
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


def _decide(usage: Usage) -> tuple[str | None, str, bool]:
    """(outcome, reason, verified) by the rule above; outcome None: as declared."""
    if usage.reporting and usage.early == 0:
        reason = _("No running time within %(minutes)d minutes of the start.") % {"minutes": settings.NO_SHOW_MINUTES}
        return Reservation.Status.NO_SHOW, reason, True
    if usage.reporting or usage.measured:
        return (
            Reservation.Status.COMPLETED,
            _("Measured use: %(minutes).0f minutes.") % {"minutes": usage.measured},
            True,
        )
    return None, _("No reporting gateway: completed as declared, unverified."), False


def _figures(usage: Usage, verified: bool) -> dict:
    return {
        "measured_minutes": round(usage.measured, 2) if verified else None,
        "overrun_minutes": round(usage.overrun, 2) if verified else None,
        "usage_verified": verified,
    }


def reservation_settle_from_usage(reservation: Reservation, *, now: dt.datetime | None = None) -> Reservation:
    usage = measure(reservation)
    outcome, reason, verified = _decide(usage)
    # The figures and the status change together, or neither does.
    with transaction.atomic():
        Reservation.objects.filter(pk=reservation.pk).update(
            **_figures(usage, verified), settled_at=now or timezone.now()
        )
        return services.reservation_settle(
            reservation=reservation, outcome=outcome or Reservation.Status.COMPLETED, reason=reason
        )


def reservation_resettle(reservation: Reservation, *, now: dt.datetime | None = None) -> bool:
    """Settle a completed or no-show booking again from what is measured now (imported
    history, whose events may be imported after it); True if anything changed. Without a
    reporting gateway the declared outcome stays, unverified. Running it twice changes
    nothing the second time."""
    usage = measure(reservation)
    outcome, reason, verified = _decide(usage)
    outcome = outcome or reservation.status
    figures = _figures(usage, verified)
    if outcome == reservation.status and all(getattr(reservation, k) == v for k, v in figures.items()):
        return False
    with transaction.atomic():
        Reservation.objects.filter(pk=reservation.pk).update(**figures, settled_at=now or timezone.now())
        record_change_note(start=reservation.start, end=reservation.end, now=now)  # verified or not changed
        services.reservation_outcome_correct(reservation=reservation, outcome=outcome, reason=reason)
    return True


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


@dataclass
class SettleReport:
    settled: int = 0  # approved bookings settled now
    resettled: int = 0  # imported completed or no-show bookings whose figures or outcome changed
    unchanged: int = 0

    def lines(self) -> list[str]:
        return [
            _("Settled %(settled)d approved bookings; re-settled %(resettled)d imported ones, %(unchanged)d unchanged.")
            % vars(self)
        ]


def reservations_to_settle(
    *, start: dt.datetime | None = None, end: dt.datetime | None = None, now: dt.datetime | None = None
) -> QuerySet[Reservation]:
    """Bookings starting in [start, end) that settle_bookings settles: approved ones that
    are due (as for the jobs worker), and imported completed and no-show ones, again."""
    now = now or timezone.now()
    due = Q(status=Reservation.Status.APPROVED, end__lte=now - dt.timedelta(minutes=settings.SETTLE_AFTER_MINUTES))
    imported = Q(import_ref__isnull=False, status__in=services.SETTLED)
    chosen = Reservation.objects.filter(due | imported)
    if start is not None:
        chosen = chosen.filter(start__gte=start)
    if end is not None:
        chosen = chosen.filter(start__lt=end)
    return chosen.select_related("instrument__binding__gateway", "instrument__lab").order_by("start", "pk")


def reservations_settle_period(
    *,
    reservations: QuerySet[Reservation],
    now: dt.datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> SettleReport:
    now = now or timezone.now()
    report = SettleReport()
    for reservation in reservations:
        try:
            if reservation.status == Reservation.Status.APPROVED:
                reservation_settle_from_usage(reservation, now=now)
                report.settled += 1
            elif reservation_resettle(reservation, now=now):
                report.resettled += 1
            else:
                report.unchanged += 1
        except services.TransitionNotAllowed:
            pass  # cancelled or settled by the jobs worker meanwhile
        if progress:
            progress(1)
    return report
