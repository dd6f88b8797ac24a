"""Links and panels other apps add to booking pages, without this app knowing them (as
instruments.extensions does for instrument pages): billing adds "Rate" to a completed
booking or sample order, a list of what is left to rate to "My bookings", and a cost
estimate to the booking form.

An app registers its functions in its AppConfig.ready().
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest

from booking.models import Reservation, SampleOrder
from instruments.models import Instrument

Link = tuple[str, str]  # label, URL
LinkSource = Callable[[HttpRequest, Reservation | SampleOrder], list[Link]]
PanelSource = Callable[[HttpRequest], str]  # rendered HTML, or ""

_links: list[LinkSource] = []
_panels: list[PanelSource] = []


def register_reservation_links(source: LinkSource) -> None:
    if source not in _links:
        _links.append(source)


def reservation_links(request: HttpRequest, item: Reservation | SampleOrder) -> list[Link]:
    """Links for a booking's or a sample order's page."""
    return [link for source in _links for link in source(request, item)]


def register_my_bookings_panel(source: PanelSource) -> None:
    if source not in _panels:
        _panels.append(source)


def my_bookings_panels(request: HttpRequest) -> list[str]:
    return [html for source in _panels if (html := source(request))]


@dataclass(frozen=True)
class Draft:
    """A booking as the form holds it while it is being filled in; no period until one is typed."""

    instrument: Instrument
    start: dt.datetime | None
    end: dt.datetime | None
    service_way: str


DraftPanelSource = Callable[[HttpRequest, Draft], str]  # rendered HTML, or ""
_draft_panels: list[DraftPanelSource] = []


def register_booking_form_panel(source: DraftPanelSource) -> None:
    if source not in _draft_panels:
        _draft_panels.append(source)


def booking_form_panels(request: HttpRequest, draft: Draft) -> list[str]:
    return [html for source in _draft_panels if (html := source(request, draft))]
