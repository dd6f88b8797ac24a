"""Telling open dashboards that instruments' status changed (a hint; pages read the
status from the database, on every hint and on every reconnect)."""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from instruments.models import Instrument

log = logging.getLogger(__name__)


def instrument_group(pk: int) -> str:
    return f"status.instrument.{pk}"


def lab_group(pk: int) -> str:
    return f"status.lab.{pk}"


def institution_group(pk: int) -> str:
    return f"status.institution.{pk}"


def groups_for(instrument_ids) -> set[str]:
    groups = set()
    for pk, lab, institution in Instrument.objects.filter(pk__in=instrument_ids).values_list(
        "pk", "lab", "institution"
    ):
        groups |= {instrument_group(pk), lab_group(lab), institution_group(institution)}
    return groups


def telemetry_changed(instrument_ids, gateway_ids=()) -> None:
    if not instrument_ids:
        return
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        for group in groups_for(instrument_ids):
            async_to_sync(layer.group_send)(group, {"type": "status.changed"})
    except Exception:  # the data is stored; dashboards catch up on their next resync
        log.warning("could not publish status changes", exc_info=True)
