"""Writes to gateways and bindings (lab managers)."""

from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from instruments.models import Instrument, Lab
from instruments.permissions import can_edit_instrument, can_manage_lab
from telemetry import broker_auth
from telemetry.credentials import broker_hash, new_secret
from telemetry.models import Binding, Gateway

GATEWAY_DENIED = _("Only the lab's managers manage its gateways.")
BIND_DENIED = _("You may bind only instruments of labs you manage.")
GATEWAY_REVOKED = _("This gateway is revoked; register a new one.")
RESERVED_CODE = _("This gateway id is reserved.")


def _require(by: User | None, lab: Lab) -> None:
    if by is not None and not can_manage_lab(by, lab):
        raise PermissionDenied(GATEWAY_DENIED)


def gateway_register(
    *, lab: Lab, code: str, by: User | None, name: str = "", heartbeat_seconds: int = 60
) -> tuple[Gateway, str]:
    """A new gateway and its secret, which is shown this once and never again."""
    _require(by, lab)
    if code in broker_auth.reserved_users():
        raise ValidationError({"code": RESERVED_CODE})
    secret = new_secret()
    gateway = Gateway(
        lab=lab,
        code=code,
        name=name,
        heartbeat_seconds=heartbeat_seconds,
        secret_hash=make_password(secret),
        broker_hash=broker_hash(secret),
    )
    gateway.full_clean()
    gateway.save()
    transaction.on_commit(broker_auth.changed)
    return gateway, secret


def gateway_rotate(*, gateway: Gateway, by: User | None) -> str:
    """A new secret; the old one stops working when the broker reloads its files."""
    _require(by, gateway.lab)
    if not gateway.active:
        raise ValidationError(GATEWAY_REVOKED)
    secret = new_secret()
    gateway.secret_hash, gateway.broker_hash = make_password(secret), broker_hash(secret)
    gateway.rotated_at = timezone.now()
    gateway.save(update_fields=["secret_hash", "broker_hash", "rotated_at"])
    transaction.on_commit(broker_auth.changed)
    return secret


def gateway_revoke(*, gateway: Gateway, by: User | None) -> Gateway:
    _require(by, gateway.lab)
    gateway.revoked_at = gateway.revoked_at or timezone.now()
    gateway.save(update_fields=["revoked_at"])
    Binding.objects.filter(gateway=gateway).delete()
    transaction.on_commit(broker_auth.changed)
    return gateway


def instrument_bind(*, instrument: Instrument, gateway: Gateway, by: User | None) -> Binding:
    _require(by, gateway.lab)
    if by is not None and not can_edit_instrument(by, instrument):
        raise PermissionDenied(BIND_DENIED)
    if not gateway.active:
        raise ValidationError(GATEWAY_REVOKED)
    binding, _created = Binding.objects.update_or_create(instrument=instrument, defaults={"gateway": gateway})
    return binding


def instrument_unbind(*, instrument: Instrument, by: User | None) -> None:
    if by is not None and not can_edit_instrument(by, instrument):
        raise PermissionDenied(BIND_DENIED)
    Binding.objects.filter(instrument=instrument).delete()
