"""Measured use against bookings: each usage session with the booking whose period it
falls in, or unbooked (the owner's own use). Bookings are read, never changed here."""

import datetime as dt
from dataclasses import dataclass

from booking.models import Reservation
from instruments.models import Instrument
from telemetry.models import ReportingGap, UsageSession

USED = (Reservation.Status.APPROVED, Reservation.Status.COMPLETED, Reservation.Status.NO_SHOW)


@dataclass(frozen=True)
class Piece:
    """A stretch of running time, inside one booking or in none."""

    start: dt.datetime
    end: dt.datetime
    reservation: Reservation | None  # None: unbooked

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60


@dataclass(frozen=True)
class SessionUse:
    session: UsageSession
    pieces: list[Piece]

    @property
    def unbooked_minutes(self) -> float:
        return sum(p.minutes for p in self.pieces if p.reservation is None)


def sessions_with_bookings(instrument: Instrument, start: dt.datetime, end: dt.datetime) -> list[SessionUse]:
    sessions = list(UsageSession.objects.filter(instrument=instrument, start__lt=end, end__gt=start).order_by("start"))
    bookings = list(
        Reservation.objects.filter(instrument=instrument, status__in=USED, start__lt=end, end__gt=start)
        .select_related("organization")
        .order_by("start")
    )
    return [SessionUse(session, _pieces(session, bookings)) for session in sessions]


def _pieces(session: UsageSession, bookings: list[Reservation]) -> list[Piece]:
    pieces, cursor = [], session.start
    for booking in bookings:
        if booking.end <= cursor or booking.start >= session.end:
            continue
        if booking.start > cursor:
            pieces.append(Piece(cursor, booking.start, None))
        inside_end = min(booking.end, session.end)
        pieces.append(Piece(max(booking.start, cursor), inside_end, booking))
        cursor = inside_end
    if cursor < session.end:
        pieces.append(Piece(cursor, session.end, None))
    return pieces


def gaps(instrument: Instrument, start: dt.datetime, end: dt.datetime) -> list[ReportingGap]:
    return list(ReportingGap.objects.filter(instrument=instrument, start__lt=end, end__gt=start).order_by("start"))
