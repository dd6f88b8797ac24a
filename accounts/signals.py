"""What the accounts app tells the apps to its right, without knowing them."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import Signal

# Sent with `user` when a person logs in for the first time (booking catches up their notices).
first_login = Signal()


def announce_first_login(sender, request, user, **kwargs) -> None:
    # Connected before django.contrib.auth's update_last_login (accounts comes first in
    # INSTALLED_APPS, and apps are made ready in that order), so last_login is still empty.
    if user.last_login is None:
        first_login.send(sender=sender, user=user)


def connect() -> None:
    user_logged_in.connect(announce_first_login, dispatch_uid="accounts.first_login")
