"""Closing a person's open WebSockets as soon as what they may see changes.

Every consumer with a logged-in user joins that user's group. When the user is
deactivated, deleted, changes role or organization, or gains or loses a lab, the group
is told after the commit, and each socket asks the database again whether it may stay
open. The message is only the fast path: the consumers also check the user again
before they send anything restricted (the channel layer may drop messages).
"""

import logging

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction

from accounts.models import User

log = logging.getLogger(__name__)
ACCESS_REVOKED = 4403  # WebSocket close code: this user may no longer watch this


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def access_changed(user_id: int) -> None:
    """Tell the user's sockets once the change is committed, so that their check reads it."""
    transaction.on_commit(lambda: _send(user_id))


def _send(user_id: int) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(user_group(user_id), {"type": "access.changed"})
    except Exception:  # the sockets still check the user before sending anything restricted
        log.warning("could not tell the sockets of user %s", user_id, exc_info=True)


def active_user(user_id: int) -> User | None:
    """The user as the database has them now, or None if deleted or deactivated."""
    return User.objects.select_related("organization__region").filter(pk=user_id, is_active=True).first()


class UserSocket:
    """For AsyncJsonWebsocketConsumer subclasses: joins the user's group on connect and
    closes with ACCESS_REVOKED when `still_allowed` says no. Consumers override
    `still_allowed(user)` (a sync function run in a thread) with their own check."""

    user_id: int | None = None
    revoked = False

    async def join_user_group(self) -> None:
        # Joined before the consumer checks its permission: a change made in between still
        # reaches this socket.
        user = self.scope.get("user")
        if user is not None and user.is_authenticated:
            self.user_id = user.pk
            await self.channel_layer.group_add(user_group(user.pk), self.channel_name)

    async def leave_user_group(self) -> None:
        if self.user_id is not None:
            await self.channel_layer.group_discard(user_group(self.user_id), self.channel_name)

    async def access_changed(self, event) -> None:
        if not await self.allowed():
            await self.revoke()

    async def allowed(self) -> bool:
        """Whether the socket's user may still watch; True for anonymous sockets."""
        if self.user_id is None:
            return True
        return await database_sync_to_async(self._check)(self.user_id)

    def _check(self, user_id: int) -> bool:
        user = active_user(user_id)
        return user is not None and self.still_allowed(user)

    def still_allowed(self, user: User) -> bool:
        return True

    async def revoke(self) -> None:
        if self.revoked:
            return
        self.revoked = True
        await self.disconnect(ACCESS_REVOKED)  # leave every group now: nothing more is sent
        await self.close(code=ACCESS_REVOKED)
