"""What follows a change of rows by whichever door it came: a lab's managers are told
on their sockets, and a photo's files leave storage with its row."""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete

from accounts.live import access_changed
from instruments.models import InstrumentPhoto, Lab


def managers_changed(sender, instance, action: str, reverse: bool, pk_set, **kwargs) -> None:
    if action == "pre_clear":
        # The rows are about to go and the signal after the clear names nobody: note them now.
        instance._cleared_managers = [instance.pk] if reverse else list(instance.managers.values_list("pk", flat=True))
    elif action == "post_clear":
        for user_id in instance.__dict__.pop("_cleared_managers", []):
            access_changed(user_id)
    elif action in ("post_add", "post_remove"):
        for user_id in [instance.pk] if reverse else pk_set or ():
            access_changed(user_id)


def photo_deleted(sender, instance: InstrumentPhoto, **kwargs) -> None:
    # Only once the row is gone for good: a rolled-back delete must still find its files.
    transaction.on_commit(lambda: photo_files_delete(instance))


def photo_files_delete(photo: InstrumentPhoto) -> None:
    for field in (photo.image, photo.thumbnail):
        if field.name:
            field.storage.delete(field.name)


def connect() -> None:
    m2m_changed.connect(managers_changed, sender=Lab.managers.through, dispatch_uid="instruments.managers")
    post_delete.connect(photo_deleted, sender=InstrumentPhoto, dispatch_uid="instruments.photo_files")
