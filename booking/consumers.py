"""Live calendars and inboxes over WebSockets.

On connect, and on every change hint from booking.live, a consumer sends a fresh
snapshot read from the database: a dropped hint is repaired by the next one or by
the reconnect, never lost for good.
"""

import datetime as dt

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import timezone

from booking import live, selectors, windows
from booking.availability import load_calendar
from instruments.models import Instrument
from instruments.permissions import managed_labs


def _spans(spans) -> list[dict]:
    return [
        {"start": timezone.localtime(s.start).isoformat(), "end": timezone.localtime(s.end).isoformat()} for s in spans
    ]


@database_sync_to_async
def _instrument(pk: int) -> Instrument | None:
    return Instrument.objects.select_related("lab__institution").filter(pk=pk).first()


@database_sync_to_async
def _calendar_snapshot(instrument: Instrument, start: dt.datetime, end: dt.datetime) -> dict:
    calendar = load_calendar(instrument, start, end)
    return {
        "type": "calendar", "instrument": instrument.pk, "from": start.isoformat(), "to": end.isoformat(),
        "busy": _spans(calendar.busy(start, end)), "free": _spans(calendar.free(start, end)),
    }  # fmt: skip


class InstrumentCalendarConsumer(AsyncJsonWebsocketConsumer):
    """Free and busy time of one instrument (public: no names). A client may send
    {"type": "watch", "from": …, "to": …} to choose the window; the default is this week."""

    async def connect(self):
        self.instrument = await _instrument(int(self.scope["url_route"]["kwargs"]["pk"]))
        if self.instrument is None:
            await self.close(code=4404)
            return
        self.start, self.end = windows.window({})
        self.group = live.instrument_group(self.instrument.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_snapshot()

    async def disconnect(self, code):
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "watch":
            try:
                self.start, self.end = windows.window(content)
            except Exception:
                await self.send_json({"type": "error", "message": "from/to must be ISO 8601, at most 62 days apart"})
                return
        await self.send_snapshot()

    async def reservation_changed(self, event):
        await self.send_snapshot()

    async def send_snapshot(self):
        await self.send_json(await _calendar_snapshot(self.instrument, self.start, self.end))


@database_sync_to_async
def _lab_ids(user) -> list[int]:
    return list(managed_labs(user).values_list("pk", flat=True))


@database_sync_to_async
def _inbox_snapshot(user) -> dict:
    pending = selectors.inbox(user).order_by("start")
    return {
        "type": "inbox",
        "pending": [
            {
                "id": r.pk, "instrument": r.instrument.code, "requester": r.requester.username,
                "organization": r.organization.name_zh, "start": timezone.localtime(r.start).isoformat(),
                "end": timezone.localtime(r.end).isoformat(),
            }
            for r in pending
        ],
        "sample_orders": [
            {
                "id": o.pk, "instrument": o.instrument.code, "requester": o.requester.username,
                "organization": o.organization.name_zh, "samples": o.samples, "status": o.status,
            }
            for o in selectors.sample_order_inbox(user).order_by("created_at", "pk")
        ],
    }  # fmt: skip


class InboxConsumer(AsyncJsonWebsocketConsumer):
    """Requests and sample orders awaiting the connected lab manager, resent whenever one of
    their labs changes."""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.groups_joined = [live.lab_group(pk) for pk in await _lab_ids(user)]
        if not self.groups_joined:
            await self.close(code=4403)
            return
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await self.send_json(await _inbox_snapshot(user))

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        await self.send_json(await _inbox_snapshot(self.scope["user"]))

    async def reservation_changed(self, event):
        await self.send_json(await _inbox_snapshot(self.scope["user"]))

    async def sample_order_changed(self, event):
        await self.send_json(await _inbox_snapshot(self.scope["user"]))
