from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from booking.models import BookingPolicy
from booking.plain_rules import rules_in_words
from instruments.extensions import Link
from instruments.models import Instrument
from instruments.permissions import can_edit_instrument
from telemetry.selectors import can_watch_lab


def booking_links(request: HttpRequest, instrument: Instrument) -> list[Link]:
    """Book, order sample testing, calendar and (for its managers) booking rules on an
    instrument's page."""
    links: list[Link] = []
    opened = BookingPolicy.objects.filter(instrument=instrument).exists()
    if opened and instrument.bookable:
        links.append((_("Book"), reverse("booking:book", args=[instrument.code]), "primary"))
        links.append((_("Order sample testing"), reverse("booking:sample-order-create", args=[instrument.code]), ""))
    if opened:
        links.append((_("Calendar"), reverse("booking:calendar", args=[instrument.code]), ""))
    if can_edit_instrument(request.user, instrument):
        links.append((_("Booking rules"), reverse("booking:policy", args=[instrument.code]), ""))
    if request.user.is_authenticated and can_watch_lab(request.user, instrument.lab):
        links.append((_("Measured use"), reverse("booking:usage", args=[instrument.code]), ""))
    return links


def booking_rules_panel(request: HttpRequest, instrument: Instrument) -> str:
    """The enforced booking rules in plain words, above the lab's own conditions."""
    policy = BookingPolicy.objects.filter(instrument=instrument).first()
    if policy is None:
        return ""
    return render_to_string(
        "booking/_rules_panel.html", {"instrument": instrument, "enforced": rules_in_words(policy)}, request
    )
