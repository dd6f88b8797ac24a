"""Telling open browsers that a calendar or an inbox changed.

Only a hint: the channel layer may drop messages (channels-redis drops them for full
channels), so pages reload what they show from the database on every hint and on
every reconnect. Nothing that must arrive rides here.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from booking.models import Reservation, SampleOrder
from instruments.models import Instrument

log = logging.getLogger(__name__)


def instrument_group(instrument_id: int) -> str:
    return f"instrument.{instrument_id}"


def lab_group(lab_id: int) -> str:
    return f"lab.{lab_id}"


def reservation_changed(reservation: Reservation) -> None:
    hint = {"type": "reservation.changed", "reservation": reservation.pk, "status": reservation.status}
    _send(instrument_group(reservation.instrument_id), hint)
    _send(lab_group(reservation.instrument.lab_id), hint)


def sample_order_changed(order: SampleOrder) -> None:
    """To the lab's inboxes only: a sample order takes no time on the calendar."""
    hint = {"type": "sample_order.changed", "sample_order": order.pk, "status": order.status}
    _send(lab_group(order.instrument.lab_id), hint)


def calendar_changed(instrument: Instrument) -> None:
    """Opening hours or closures changed."""
    _send(instrument_group(instrument.pk), {"type": "reservation.changed", "reservation": None, "status": ""})


def _send(group: str, message: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:  # the change stands; browsers catch up when they resync
        log.warning("could not publish to %s", group, exc_info=True)
