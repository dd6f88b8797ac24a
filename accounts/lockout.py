"""Lockout of a user name after repeated failed sign-ins.

After LOGIN_LOCKOUT_FAILURES failures with one name within LOGIN_LOCKOUT_WINDOW_MINUTES,
sign-ins with that name are refused for LOGIN_LOCKOUT_MINUTES, right password or not. A
name nobody has is counted and locked the same way, so the answers never tell whether an
account exists. Each attempt is counted before the password is checked and forgiven when it
was right: parallel guesses can never check more than the allowed number of passwords.
"""

import datetime as dt
import math

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import ngettext

from accounts.models import LoginFailure, User

NAME_LENGTH = LoginFailure._meta.get_field("username").max_length


class LoginLocked(Exception):
    def __init__(self, until: dt.datetime):
        super().__init__(until)
        self.until = until

    @property
    def seconds(self) -> int:
        return max(1, math.ceil((self.until - timezone.now()).total_seconds()))

    @property
    def message(self) -> str:
        minutes = math.ceil(self.seconds / 60)
        return ngettext(
            "Too many failed sign-ins with this user name. Try again in %(minutes)d minute, at %(time)s.",
            "Too many failed sign-ins with this user name. Try again in %(minutes)d minutes, at %(time)s.",
            minutes,
        ) % {"minutes": minutes, "time": f"{timezone.localtime(self.until):%H:%M}"}


def login_attempt_begin(*, username: str) -> None:
    """Count a sign-in with `username` as failed until it proves right; LoginLocked when the
    name is locked now."""
    now = timezone.now()
    window = dt.timedelta(minutes=settings.LOGIN_LOCKOUT_WINDOW_MINUTES)
    # The row is locked so that parallel attempts are counted one after the other.
    with transaction.atomic():
        row, _ = LoginFailure.objects.select_for_update().get_or_create(
            username=username[:NAME_LENGTH], defaults={"first_at": now, "last_at": now}
        )
        if row.locked_until is not None and row.locked_until > now:
            raise LoginLocked(row.locked_until)
        if row.locked_until is not None or row.first_at <= now - window:
            row.count, row.first_at, row.locked_until = 0, now, None
        row.count += 1
        row.last_at = now
        if row.count >= settings.LOGIN_LOCKOUT_FAILURES:
            row.locked_until = now + dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
        row.save()


def login_failures_clear(*, username: str) -> int:
    """Forget the failures of a name: after a successful sign-in, or to unlock it."""
    deleted, _ = LoginFailure.objects.filter(username=username[:NAME_LENGTH]).delete()
    return deleted


def login_unlock(*, username: str) -> bool:
    """Lift a lockout (admins); True when there was anything to lift."""
    return login_failures_clear(username=username) > 0


def login_authenticate(*, request: HttpRequest | None, username: str, password: str) -> User | None:
    """authenticate() behind the lockout: the user, None for a wrong name or password, or
    LoginLocked."""
    login_attempt_begin(username=username)
    user = authenticate(request, username=username, password=password)
    if user is not None:
        login_failures_clear(username=username)
    return user
