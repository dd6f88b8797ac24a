"""Reads of live status and usage."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.permissions import AnyUser, is_org_admin_of, is_platform_admin, regulates
from instruments.models import Instrument, Lab
from instruments.permissions import can_manage_lab
from telemetry.models import Counter, DeadLetter, Gateway, GatewayStatus, InstrumentStatus

OFFLINE, NO_GATEWAY = "offline", "no_gateway"
LABELS = {
    "running": _("Running"), "idle": _("Idle"), "off": _("Off"), "fault": _("Fault"),
    OFFLINE: _("Offline (gateway silent)"), NO_GATEWAY: _("No gateway"),
}  # fmt: skip


@dataclass(frozen=True)
class LiveStatus:
    instrument: Instrument
    state: str  # running, idle, off, fault, offline, no_gateway
    since: dt.datetime | None
    last_heard: dt.datetime | None

    @property
    def label(self) -> str:
        return str(LABELS[self.state])

    def as_json(self) -> dict[str, object]:
        local = timezone.localtime
        return {
            "id": self.instrument.pk, "code": self.instrument.code, "state": self.state, "label": self.label,
            "since": local(self.since).isoformat() if self.since else None,
            "last_heard": local(self.last_heard).isoformat() if self.last_heard else None,
        }  # fmt: skip


def live_statuses(instruments: QuerySet[Instrument]) -> list[LiveStatus]:
    rows = list(instruments.select_related("binding__gateway__status", "live_status").order_by("code"))
    out = []
    for instrument in rows:
        binding = getattr(instrument, "binding", None)
        status = getattr(instrument, "live_status", None)
        if binding is None:
            out.append(LiveStatus(instrument, NO_GATEWAY, None, None))
            continue
        gateway_status = getattr(binding.gateway, "status", None)
        if status is None or status.silent or (gateway_status is not None and not gateway_status.online):
            out.append(LiveStatus(instrument, OFFLINE, None, status.last_heard_at if status else None))
        else:
            out.append(LiveStatus(instrument, status.state, status.since, status.last_heard_at))
    return out


def version(instruments: QuerySet[Instrument]) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Changes whenever a status of these instruments changes (dashboards poll it)."""
    statuses = InstrumentStatus.objects.filter(instrument__in=instruments).aggregate(m=Max("updated_at"))["m"]
    gateways = GatewayStatus.objects.filter(gateway__bindings__instrument__in=instruments).aggregate(
        m=Max("updated_at")
    )["m"]
    return statuses, gateways


def can_watch_lab(user: AnyUser, lab: Lab) -> bool:
    return can_manage_lab(user, lab) or regulates(user, lab.institution.region)


def can_watch_institution(user: AnyUser, institution: Organization) -> bool:
    return is_platform_admin(user) or is_org_admin_of(user, institution) or regulates(user, institution.region)


def ingest_figures() -> dict[str, object]:
    counters = dict(Counter.objects.values_list("name", "value"))
    rejected = {k.split(":", 1)[1]: v for k, v in counters.items() if k.startswith("rejected:")}
    latest = DeadLetter.objects.order_by("-received_at", "-id")[:50]
    newest = InstrumentStatus.objects.aggregate(heard=Max("last_heard_at"), ts=Max("last_ts"))
    lag = (newest["heard"] - newest["ts"]).total_seconds() if newest["heard"] and newest["ts"] else None
    return {
        # Not "messages": base.html shows Django's messages under that name.
        "message_count": counters.get("messages", 0), "received": counters.get("received", 0),
        "stored": counters.get("stored", 0), "duplicate": counters.get("duplicate", 0), "rejected": rejected,
        "dead_letters": latest, "last_heard": newest["heard"], "lag_seconds": lag,
        "gateways": Gateway.objects.filter(revoked_at__isnull=True).count(),
    }  # fmt: skip
