"""Writes to booking policies, opening hours and closures (lab managers only)."""

import datetime as dt
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from schedule.models import Event

from accounts.models import User
from booking import live, schedules
from booking.models import BookingPolicy
from instruments.models import Instrument
from instruments.permissions import can_edit_instrument

POLICY_DENIED = _("Only the instrument's lab managers change its booking rules.")
CLOSES_BEFORE_OPENING = _("Closing time must be after opening time (00:00 means open until midnight).")
NO_WEEKDAYS = _("Choose at least one weekday.")
CLOSURE_ENDS_FIRST = _("A closure must end after it starts.")
POLICY_FIELDS = (
    "min_minutes", "max_minutes", "granularity_minutes", "max_days_ahead", "min_notice_minutes", "buffer_minutes",
    "who_may_book", "approval_required", "cancel_deadline_minutes", "pending_expiry_hours",
)  # fmt: skip
POLICY_LISTS = ("allowed_organizations", "trained_users", "auto_approve_users", "auto_approve_organizations")
WEEKDAYS_9_TO_5 = (range(5), dt.time(9, 0), dt.time(17, 0))


def _require(by: User | None, instrument: Instrument) -> None:
    if by is not None and not can_edit_instrument(by, instrument):
        raise PermissionDenied(POLICY_DENIED)


def policy_create(
    *, instrument: Instrument, by: User | None, opening: tuple | None = WEEKDAYS_9_TO_5, **fields: Any
) -> BookingPolicy:
    """Open an instrument for booking; by default on weekdays from 9:00 to 17:00."""
    _require(by, instrument)
    with transaction.atomic():
        policy = BookingPolicy(
            instrument=instrument,
            opening_hours=schedules.new_calendar("open", instrument.code),
            closures=schedules.new_calendar("closed", instrument.code),
            **{k: v for k, v in fields.items() if k in POLICY_FIELDS},
        )
        policy.full_clean()
        policy.save()
        _set_lists(policy, fields)
        if opening:
            days, opens, closes = opening
            schedules.opening_window_add(policy.opening_hours, weekdays=days, opens=opens, closes=closes)
    return policy


def policy_update(*, policy: BookingPolicy, by: User | None, **fields: Any) -> BookingPolicy:
    _require(by, policy.instrument)
    for name in POLICY_FIELDS:
        if name in fields:
            setattr(policy, name, fields[name])
    policy.full_clean()
    with transaction.atomic():
        policy.save()
        _set_lists(policy, fields)
    return policy


def _set_lists(policy: BookingPolicy, fields: dict) -> None:
    for name in POLICY_LISTS:
        if name in fields:
            getattr(policy, name).set(fields[name])


def opening_window_add(
    *, policy: BookingPolicy, by: User | None, weekdays: list[int], opens: dt.time, closes: dt.time
) -> Event:
    _require(by, policy.instrument)
    errors = {}
    if not weekdays:
        errors["weekdays"] = NO_WEEKDAYS
    if closes <= opens and closes != schedules.MIDNIGHT:
        errors["closes"] = CLOSES_BEFORE_OPENING
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        event = schedules.opening_window_add(policy.opening_hours, weekdays=weekdays, opens=opens, closes=closes)
        _schedule_changed(policy)
    return event


def closure_add(
    *,
    policy: BookingPolicy,
    by: User | None,
    start: dt.datetime,
    end: dt.datetime,
    reason: str,
    repeat: str = "",
    until: dt.date | None = None,
) -> Event:
    _require(by, policy.instrument)
    if end <= start:
        raise ValidationError({"end": CLOSURE_ENDS_FIRST})
    with transaction.atomic():
        event = schedules.closure_add(policy.closures, start=start, end=end, reason=reason, repeat=repeat, until=until)
        _schedule_changed(policy)
    return event


def schedule_event_remove(*, policy: BookingPolicy, by: User | None, event_id: int) -> None:
    """Remove one opening window or closure of this policy's calendars."""
    _require(by, policy.instrument)
    with transaction.atomic():
        Event.objects.filter(pk=event_id, calendar_id__in=(policy.opening_hours_id, policy.closures_id)).delete()
        _schedule_changed(policy)


def _schedule_changed(policy: BookingPolicy) -> None:
    """A new schedule version, written with the change (booking.recurrence.RowCache), and
    open calendars told once it commits."""
    policy.schedule_version = uuid.uuid4()
    BookingPolicy.objects.filter(pk=policy.pk).update(schedule_version=policy.schedule_version)
    transaction.on_commit(lambda: live.calendar_changed(policy.instrument))
