"""Live calendars and inboxes over WebSockets.

On connect, and on every change hint from booking.live, a consumer sends a fresh
snapshot read from the database: a dropped hint is repaired by the next one or by
the reconnect, never lost for good.
"""

import datetime as dt

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import timezone

from accounts.live import ACCESS_REVOKED, UserSocket, active_user
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


class InstrumentCalendarConsumer(UserSocket, AsyncJsonWebsocketConsumer):
    """Free and busy time of one instrument (public: no names). A client may send
    {"type": "watch", "from": …, "to": …} to choose the window; the default is this week.
    A logged-in user's calendar closes when the user is deactivated or deleted."""

    async def connect(self):
        self.instrument = await _instrument(int(self.scope["url_route"]["kwargs"]["pk"]))
        if self.instrument is None:
            await self.close(code=4404)
            return
        await self.join_user_group()
        self.start, self.end = windows.window({})
        self.group = live.instrument_group(self.instrument.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_snapshot()

    async def disconnect(self, code):
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)
        await self.leave_user_group()

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
def _lab_ids(user_id: int) -> list[int]:
    user = active_user(user_id)
    return [] if user is None else list(managed_labs(user).values_list("pk", flat=True))


@database_sync_to_async
def _inbox_snapshot(user_id: int) -> dict | None:
    """The inbox as the user may see it now, or None if they may see none: the user is read
    again, so a deactivated user or a former manager gets nothing even if the message
    that should have closed the socket was lost."""
    user = active_user(user_id)
    if user is None or not managed_labs(user).exists():
        return None
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


class InboxConsumer(UserSocket, AsyncJsonWebsocketConsumer):
    """Requests and sample orders awaiting the connected lab manager, resent whenever one of
    their labs changes. Closed (4403) once the user is deactivated, deleted or manages no lab."""

    groups_joined: list[str] = []

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        await self.join_user_group()
        if not await self.follow_labs():
            await self.leave_user_group()
            await self.close(code=ACCESS_REVOKED)
            return
        await self.accept()
        await self.send_inbox()

    async def follow_labs(self) -> bool:
        """Join the groups of the labs the user manages now and leave the others."""
        wanted = [live.lab_group(pk) for pk in await _lab_ids(self.user_id)]
        for group in set(self.groups_joined) - set(wanted):
            await self.channel_layer.group_discard(group, self.channel_name)
        for group in set(wanted) - set(self.groups_joined):
            await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined = wanted
        return bool(wanted)

    async def disconnect(self, code):
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        self.groups_joined = []
        await self.leave_user_group()

    async def access_changed(self, event):
        if await self.follow_labs():
            await self.send_inbox()
        else:
            await self.revoke()

    async def receive_json(self, content, **kwargs):
        await self.send_inbox()

    async def reservation_changed(self, event):
        await self.send_inbox()

    async def sample_order_changed(self, event):
        await self.send_inbox()

    async def send_inbox(self):
        snapshot = await _inbox_snapshot(self.user_id)
        if snapshot is None:
            await self.revoke()
        else:
            await self.send_json(snapshot)
