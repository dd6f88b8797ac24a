"""Telling open dashboards that instruments' status changed (a hint; pages read the
status from the database, on every hint and on every reconnect)."""

import logging
from functools import lru_cache

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

from instruments.models import Instrument

log = logging.getLogger(__name__)
HINT = {"type": "status.changed"}


def instrument_group(pk: int) -> str:
    return f"status.instrument.{pk}"


def lab_group(pk: int) -> str:
    return f"status.lab.{pk}"


def institution_group(pk: int) -> str:
    return f"status.institution.{pk}"


@lru_cache(maxsize=100_000)
def _groups_of(instrument_id: int) -> tuple[str, ...]:
    lab, institution = Instrument.objects.filter(pk=instrument_id).values_list("lab", "institution").get()
    return instrument_group(instrument_id), lab_group(lab), institution_group(institution)


def telemetry_changed(instrument_ids, gateway_ids=(), *, local_only_ok: bool = True) -> None:
    """Hint the groups of these instruments. With the in-memory layer a hint reaches only
    this process; a worker process passes local_only_ok=False to skip the useless work
    (the dashboards poll the database then)."""
    layer = get_channel_layer()
    if not instrument_ids or layer is None:
        return
    if isinstance(layer, InMemoryChannelLayer) and not local_only_ok:
        return
    try:
        groups = {group for pk in instrument_ids for group in _groups_of(pk)}
        async_to_sync(_send)(layer, groups)  # one event-loop round trip for all groups
    except Exception:  # the data is stored; dashboards catch up on their next resync
        log.warning("could not publish status changes", exc_info=True)


async def _send(layer, groups) -> None:
    for group in groups:
        await layer.group_send(group, HINT)
