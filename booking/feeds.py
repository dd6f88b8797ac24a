"""iCalendar (RFC 5545) feeds of bookings, for calendar clients to subscribe to.

A user's feed holds their own bookings; an instrument's feed, for its lab managers,
holds every booking of the instrument with who booked it. Each sits behind a private
token URL that the owner can rotate.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from booking.models import FeedToken, Reservation
from instruments.models import Instrument
from instruments.permissions import can_manage_lab

FEED_DENIED = gettext_lazy("Only the instrument's lab managers can subscribe to all its bookings.")
PAST_DAYS, FUTURE_DAYS = 60, 400
ICAL_STATUS = {
    Reservation.Status.PENDING: "TENTATIVE",
    Reservation.Status.APPROVED: "CONFIRMED",
    Reservation.Status.COMPLETED: "CONFIRMED",
    Reservation.Status.NO_SHOW: "CONFIRMED",
}


def feed_token(*, user: User, instrument: Instrument | None = None) -> FeedToken:
    if instrument is not None and not can_manage_lab(user, instrument.lab):
        raise PermissionDenied(FEED_DENIED)
    token, _created = FeedToken.objects.get_or_create(user=user, instrument=instrument)
    return token


def feed_token_rotate(*, token: FeedToken) -> FeedToken:
    """A new secret; the old URL stops working at once."""
    token.token = FeedToken._meta.get_field("token").default()
    token.save(update_fields=["token"])
    return token


def feed_reservations(token: FeedToken) -> QuerySet[Reservation] | None:
    """What the feed shows, or None when its owner may no longer see it."""
    now = timezone.now()
    window = {"end__gte": now - dt.timedelta(days=PAST_DAYS), "start__lte": now + dt.timedelta(days=FUTURE_DAYS)}
    reservations = Reservation.objects.filter(**window).select_related("instrument__lab__institution", "requester",
                                                                       "organization")  # fmt: skip
    if not token.user.is_active:
        return None
    if token.instrument_id is None:
        return reservations.filter(requester=token.user)
    if not can_manage_lab(token.user, token.instrument.lab):
        return None
    return reservations.filter(instrument=token.instrument).exclude(
        status__in=[Reservation.Status.REJECTED, Reservation.Status.EXPIRED]
    )


def render_feed(token: FeedToken, reservations: QuerySet[Reservation]) -> bytes:
    with translation.override(settings.LANGUAGE_CODE):
        name = token.instrument.name if token.instrument_id else _("My bookings · Instrument Commons")
        calendar = icalendar.Calendar()
        calendar.add("prodid", "-//Instrument Commons//仪器共享网//ZH")
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        calendar.add("x-wr-calname", name)
        calendar.add("x-wr-timezone", settings.TIME_ZONE)
        stamp = timezone.now()
        for reservation in reservations:
            calendar.add_component(_event(reservation, stamp, detailed=token.instrument_id is not None))
        calendar.add_missing_timezones()
        return calendar.to_ical()


def _event(reservation: Reservation, stamp: dt.datetime, *, detailed: bool) -> icalendar.Event:
    tz = ZoneInfo(settings.TIME_ZONE)
    instrument = reservation.instrument
    event = icalendar.Event()
    event.add("uid", f"reservation-{reservation.pk}@instrument-commons")
    event.add("dtstamp", stamp)
    event.add("dtstart", reservation.start.astimezone(tz))
    event.add("dtend", reservation.end.astimezone(tz))
    who = f" · {reservation.organization.name}" if detailed else ""
    event.add("summary", f"{instrument.name} ({reservation.get_status_display()}){who}")
    event.add("status", ICAL_STATUS.get(reservation.status, "CANCELLED"))
    event.add("location", f"{instrument.lab.institution.name} {instrument.address}".strip())
    event.add("description", reservation.purpose + (f"\n{reservation.requester.display_name}" if detailed else ""))
    event.add("url", settings.SITE_URL + reverse("booking:reservation", args=[reservation.pk]))
    return event
