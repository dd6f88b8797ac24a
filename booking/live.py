"""Telling open browsers that a calendar or an inbox changed.

Only a hint: the channel layer may drop messages (channels-redis drops them for full
channels), so pages reload what they show from the database on every hint and on
every reconnect. Nothing that must arrive rides here.
"""

import asyncio
import logging
import threading

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

from booking.models import Reservation, SampleOrder
from instruments.models import Instrument

log = logging.getLogger(__name__)


def instrument_group(instrument_id: int) -> str:
    return f"instrument.{instrument_id}"


def lab_group(lab_id: int) -> str:
    return f"lab.{lab_id}"


def reservation_changed(reservation: Reservation, *, was: str = "") -> None:
    """To the instrument's calendars; to the lab's inboxes only when the booking is or was
    pending, since an inbox shows pending requests and nothing else of bookings. `was` is
    the status before the change ("" for a new booking)."""
    hint = {"type": "reservation.changed", "reservation": reservation.pk, "status": reservation.status}
    _send(instrument_group(reservation.instrument_id), hint)
    if Reservation.Status.PENDING in (was, reservation.status):
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
    if isinstance(layer, InMemoryChannelLayer):
        # One process's memory, read by consumers on the server's event loop: handed over
        # there and then (nothing to wait for).
        async_to_sync(_group_send)(layer, group, message)
    else:
        # Off the request path: the sender thread's loop talks to Redis while the request
        # answers; a hint still unsent when the process ends is lost, as any hint may be.
        asyncio.run_coroutine_threadsafe(_group_send(layer, group, message), _sender_loop())


async def _group_send(layer, group: str, message: dict) -> None:
    try:
        await layer.group_send(group, message)
    except Exception:  # the change stands; browsers catch up when they resync
        log.warning("could not publish to %s", group, exc_info=True)


_sender: asyncio.AbstractEventLoop | None = None
_sender_lock = threading.Lock()


def _sender_loop() -> asyncio.AbstractEventLoop:
    """The event loop of this process's hint sender thread, started on first use."""
    global _sender
    with _sender_lock:  # two requests committing at once must not start two senders
        if _sender is None:
            _sender = asyncio.new_event_loop()
            threading.Thread(target=_sender.run_forever, name="live-hints", daemon=True).start()
        return _sender
