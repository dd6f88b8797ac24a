"""Writes to labs, instruments and photos. Every door (pages, API, admin, commands)
calls these, so the permission and validation rules hold everywhere."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, User
from instruments.images import photo_clean
from instruments.models import Instrument, InstrumentPhoto, Lab, RecordChange
from instruments.permissions import can_admin_labs, can_edit_instrument, can_manage_lab
from instruments.search.index import search_entry_save
from instruments.signals import photo_files_delete

RECORD_LOCK = 7_243_001  # an advisory lock key of this project's own
EDIT_DENIED = _("You may only change instruments of labs you manage.")
LAB_NOT_OWNER = _("Only universities, research institutes and enterprises own labs.")
ASSET_NUMBER_TAKEN = _("Asset number %(inner_id)s is already registered at %(institution)s.")
TOO_MANY_PHOTOS = _("An instrument may have at most %(limit)d photos; delete one first.")
MAX_PHOTOS = 12

# Fields a lab manager edits; `lab`, `institution` and `code` are handled apart.
EDITABLE_FIELDS = (
    "name_zh", "name_en", "inner_id", "category", "type", "model", "manufacturer", "country",
    "in_service_date", "original_value", "funds", "technical", "function", "subject",
    "service_content", "requirement", "fee", "service_url", "share_mode", "status", "region",
    "address", "contact", "phone", "email",
)  # fmt: skip


def lab_create(*, institution: Organization, code: str, name_zh: str, name_en: str = "", by: User | None = None) -> Lab:
    if by is not None and not can_admin_labs(by, institution):
        raise PermissionDenied(LABS_DENIED)
    if not institution.can_own_instruments:
        raise ValidationError({"institution": LAB_NOT_OWNER})
    lab = Lab(institution=institution, code=code, name_zh=name_zh, name_en=name_en)
    lab.full_clean()
    lab.save()
    return lab


def _require_lab(by: User | None, lab: Lab) -> None:
    # `by=None` is the operator at the command line (imports, seeding), who may do anything.
    if by is not None and not can_manage_lab(by, lab):
        raise PermissionDenied(EDIT_DENIED)


def _unique_code(institution: Organization, inner_id: str) -> str:
    base = slugify(f"{institution.code}-{inner_id}")[:56] or slugify(institution.code)
    code, n = base, 1
    while Instrument.objects.filter(code=code).exists():
        n += 1
        code = f"{base}-{n}"
    return code


def _save(instrument: Instrument) -> Instrument:
    instrument.institution_id = instrument.lab.institution_id
    instrument.full_clean(validate_constraints=False)
    _check_asset_number_free(instrument)
    try:
        # A savepoint, so that losing a race on the unique key leaves the caller's
        # transaction usable and the friendly message can be given. The search entry is
        # written in it too: the catalog never finds a record by words it no longer has.
        with transaction.atomic():
            instrument.save()
            search_entry_save(instrument)
    except IntegrityError:
        _check_asset_number_free(instrument)
        raise
    return instrument


def _check_asset_number_free(instrument: Instrument) -> None:
    taken = Instrument.objects.filter(institution_id=instrument.institution_id, inner_id=instrument.inner_id)
    if taken.exclude(pk=instrument.pk).exists():
        raise ValidationError(
            {
                "inner_id": ValidationError(
                    ASSET_NUMBER_TAKEN,
                    params={"inner_id": instrument.inner_id, "institution": instrument.lab.institution.name},
                )
            }
        )


def instrument_create(*, lab: Lab, by: User | None, **fields: Any) -> Instrument:
    _require_lab(by, lab)
    unknown = set(fields) - set(EDITABLE_FIELDS) - {"code"}
    if unknown:
        raise TypeError(f"not editable: {', '.join(sorted(unknown))}")
    instrument = Instrument(lab=lab, **fields)
    if instrument.region_id is None:
        instrument.region = lab.institution.region
    if not instrument.code:
        instrument.code = _unique_code(lab.institution, instrument.inner_id)
    return _save(instrument)


def instrument_update(*, instrument: Instrument, by: User | None, lab: Lab | None = None, **fields: Any) -> Instrument:
    _require_lab(by, instrument.lab)
    if lab is not None and lab.pk != instrument.lab_id:
        _require_lab(by, lab)
        instrument.lab = lab
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(instrument, name, value)
    return _save(instrument)


def instrument_delete(*, instrument: Instrument, by: User | None) -> None:
    """Delete an instrument (its search entry goes with it). Instruments with bookings or
    recorded usage are protected by the database and raise ProtectedError."""
    _require_lab(by, instrument.lab)
    instrument.delete()


def instrument_changed_fields(instrument: Instrument, fields: dict[str, Any]) -> list[str]:
    """Names of the given fields whose value differs from the instrument's."""
    changed = []
    for name, value in fields.items():
        current = getattr(instrument, f"{name}_id" if name in ("category", "region") else name)
        new = getattr(value, "pk", value)
        if current != new:
            changed.append(name)
    return changed


def instrument_photo_add(
    *, instrument: Instrument, upload: "File[bytes]", by: User | None, caption: str = ""
) -> InstrumentPhoto:
    if by is not None and not can_edit_instrument(by, instrument):
        raise PermissionDenied(EDIT_DENIED)
    if instrument.photos.count() >= MAX_PHOTOS:
        raise ValidationError(TOO_MANY_PHOTOS, params={"limit": MAX_PHOTOS})
    clean = photo_clean(upload)
    position = (instrument.photos.aggregate(n=Max("position"))["n"] or 0) + 1
    photo = InstrumentPhoto(instrument=instrument, caption=caption[:200], position=position, uploaded_by=by)
    assert clean.image.name is not None and clean.thumbnail.name is not None  # photo_clean names both
    photo.image.save(clean.image.name, clean.image, save=False)
    photo.thumbnail.save(clean.thumbnail.name, clean.thumbnail, save=False)
    try:
        photo.save()
    except BaseException:
        # Files are written before the row; remove them so a failed save leaves nothing behind.
        photo_files_delete(photo)
        raise
    return photo


def instrument_photo_delete(*, photo: InstrumentPhoto, by: User | None) -> None:
    if by is not None and not can_edit_instrument(by, photo.instrument):
        raise PermissionDenied(EDIT_DENIED)
    photo.delete()  # its files go after the commit (instruments.signals), by every door


LABS_DENIED = _("Only the institution's admins set up its labs.")
MANAGER_NOT_MEMBER = _("Lab managers must be members of the lab's institution.")


def lab_set_managers(*, lab: Lab, managers: list[User], by: User | None) -> Lab:
    if by is not None and not can_admin_labs(by, lab.institution):
        raise PermissionDenied(LABS_DENIED)
    if any(user.organization_id != lab.institution_id for user in managers):
        raise ValidationError({"managers": MANAGER_NOT_MEMBER})
    lab.managers.set(managers)
    return lab


def settled_horizon(now: dt.datetime | None = None) -> dt.datetime:
    """Facts of days before this moment no longer change by themselves: events later than
    TELEMETRY_MAX_AGE_DAYS are refused, and bookings have settled by then."""
    return (now or timezone.now()) - dt.timedelta(days=settings.FIGURES_SETTLED_AFTER_DAYS)


def record_change_note(*, start: dt.datetime, end: dt.datetime, now: dt.datetime | None = None) -> bool:
    """Note that facts changed in [start, end) — only the part before the settled horizon
    matters, since later days are always computed from the facts themselves."""
    if start >= settled_horizon(now) or end <= start:
        return False
    with transaction.atomic():
        record_lock()
        RecordChange.objects.create(start=start, end=end)
    return True


def record_lock() -> None:
    """Held by whoever notes a change and by whoever computes figures of settled days,
    until their transaction ends: a computation never reads facts that a change it has
    not seen is still writing. (SQLite's IMMEDIATE transactions serialize writers anyway.)"""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RECORD_LOCK])
