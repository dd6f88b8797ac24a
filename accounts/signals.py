"""What the accounts app tells the apps to its right, without knowing them."""

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import Signal

from accounts.live import access_changed
from accounts.models import User

# Sent with `user` when a person logs in for the first time (booking catches up their notices).
first_login = Signal()


def announce_first_login(sender, request, user, **kwargs) -> None:
    # Connected before django.contrib.auth's update_last_login (accounts comes first in
    # INSTALLED_APPS, and apps are made ready in that order), so last_login is still empty.
    if user.last_login is None:
        first_login.send(sender=sender, user=user)


# What a user's open sockets depend on: saving any of these makes each socket check again.
ACCESS_FIELDS = ("is_active", "role", "organization")


def _access(user: User) -> tuple:
    return user.is_active, user.role, user.organization_id


def remember_access(sender, instance: User, update_fields=None, **kwargs) -> None:
    if instance.pk is None or (update_fields is not None and not set(ACCESS_FIELDS) & set(update_fields)):
        return  # a new user has no sockets; a login saves only last_login
    before = User.objects.filter(pk=instance.pk).values_list(*ACCESS_FIELDS).first()
    instance._access_before = before


def announce_access_change(sender, instance: User, created: bool, **kwargs) -> None:
    before = instance.__dict__.pop("_access_before", None)
    if before is not None and tuple(before) != _access(instance):
        access_changed(instance.pk)


def announce_deletion(sender, instance: User, **kwargs) -> None:
    access_changed(instance.pk)


def connect() -> None:
    user_logged_in.connect(announce_first_login, dispatch_uid="accounts.first_login")
    pre_save.connect(remember_access, sender=User, dispatch_uid="accounts.remember_access")
    post_save.connect(announce_access_change, sender=User, dispatch_uid="accounts.access_change")
    post_delete.connect(announce_deletion, sender=User, dispatch_uid="accounts.deletion")
