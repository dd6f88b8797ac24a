"""Live status over WebSockets: one instrument (public), a lab, an institution.

A consumer sends the statuses read from the database when it connects, on every
change hint from the ingest worker, and — where the channel layer cannot carry hints
between processes (the in-memory layer of the demo) — whenever its poll of the
database sees a change, at most TELEMETRY_POLL_SECONDS later.
"""

import asyncio

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from accounts.live import ACCESS_REVOKED, UserSocket
from accounts.models import Organization
from instruments.models import Instrument, Lab
from telemetry import live, selectors


def _scope(kind: str, pk: int, user):
    """(instruments queryset, group) for what the user may watch, or None."""
    if kind == "instrument":
        if Instrument.objects.filter(pk=pk).exists():
            return Instrument.objects.filter(pk=pk), live.instrument_group(pk)
    elif kind == "lab":
        lab = Lab.objects.select_related("institution__region").filter(pk=pk).first()
        if lab and selectors.can_watch_lab(user, lab):
            return Instrument.objects.filter(lab=lab), live.lab_group(pk)
    elif kind == "institution":
        institution = Organization.objects.select_related("region").filter(pk=pk).first()
        if institution and selectors.can_watch_institution(user, institution):
            return Instrument.objects.filter(institution=institution), live.institution_group(pk)
    return None


@database_sync_to_async
def _snapshot(instruments) -> tuple[dict, tuple]:
    statuses = [s.as_json() for s in selectors.live_statuses(instruments)]
    return {"type": "status", "instruments": statuses}, selectors.version(instruments)


class StatusConsumer(UserSocket, AsyncJsonWebsocketConsumer):
    """A logged-in user's socket closes (4403) once the user is deactivated or deleted or
    may no longer watch the lab or institution; before each update of a lab or an
    institution the user is checked again, in case that message was lost."""

    async def connect(self):
        kwargs = self.scope["url_route"]["kwargs"]
        self.kind, self.pk = kwargs["kind"], int(kwargs["pk"])
        await self.join_user_group()
        found = await database_sync_to_async(_scope)(self.kind, self.pk, self.scope.get("user"))
        if found is None:
            await self.leave_user_group()
            await self.close(code=ACCESS_REVOKED)
            return
        self.instruments, self.group = found
        self.version = None
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_snapshot()
        if settings.TELEMETRY_POLL_SECONDS:
            self.poller = asyncio.ensure_future(self._poll())

    async def disconnect(self, code):
        if getattr(self, "poller", None) and self.poller is not asyncio.current_task():
            self.poller.cancel()  # unless the poll itself found the user may no longer watch
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)
        await self.leave_user_group()

    def still_allowed(self, user) -> bool:
        return _scope(self.kind, self.pk, user) is not None

    async def restricted_allowed(self) -> bool:
        """Public instruments need no check; a lab or an institution asks again."""
        if self.kind == "instrument" or await self.allowed():
            return True
        await self.revoke()
        return False

    async def receive_json(self, content, **kwargs):
        await self.send_snapshot()  # any message from the client asks for a resync

    async def status_changed(self, event):
        await self.send_snapshot()

    async def send_snapshot(self):
        if not await self.restricted_allowed():
            return
        snapshot, self.version = await _snapshot(self.instruments)
        await self.send_json(snapshot)

    async def _poll(self):
        while True:
            await asyncio.sleep(settings.TELEMETRY_POLL_SECONDS)
            _snapshot_now, version = await _snapshot(self.instruments)
            if version != self.version:
                if not await self.restricted_allowed():
                    return
                self.version = version
                await self.send_json(_snapshot_now)
