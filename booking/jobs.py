"""Periodic booking work for the jobs worker: each function is idempotent and safe to
run in several workers at once."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from booking.models import Notification, Reservation
from booking.notifications import notify


def reminders_send(*, now: dt.datetime | None = None) -> int:
    """Remind requesters of approved bookings that start within BOOKING_REMINDER_HOURS."""
    now = now or timezone.now()
    ahead = dt.timedelta(hours=settings.BOOKING_REMINDER_HOURS)
    with transaction.atomic():
        # skip_locked: a second worker passes over the rows this one is reminding about.
        due = list(
            Reservation.objects.select_for_update(skip_locked=True)
            .filter(status=Reservation.Status.APPROVED, reminded_at__isnull=True, start__gt=now, start__lte=now + ahead)
            .select_related("requester")
        )
        for reservation in due:
            notify(reservation.requester, reservation, Notification.Kind.REMINDER)
            reservation.reminded_at = now
            reservation.save(update_fields=["reminded_at"])
    return len(due)
