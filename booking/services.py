"""Writes to reservations. Pages, the API, the admin and commands all book, decide and
cancel through these functions, so the rules and the no-overlap guarantee hold for
every door."""

import datetime as dt
from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from booking import credit, live, notifications
from booking.availability import load_calendar
from booking.models import Reservation, ReservationEvent
from booking.policy import BookingRequest, Problem, local_time, rules
from config import metrics
from instruments.models import Instrument
from instruments.permissions import can_manage_lab
from instruments.services import record_change_note

Status = Reservation.Status

CONFLICT = _("This time overlaps another booking of the instrument (%(start)s – %(end)s); choose a free slot.")
CONFLICT_RACE = _("Someone booked this time a moment ago; choose another free slot.")
DECIDE_DENIED = _("Only the instrument's lab managers decide on its requests.")
CANCEL_DENIED = _("Only the requester or the instrument's lab managers may cancel this booking.")
CANCEL_TOO_LATE = _("Bookings can be cancelled until %(deadline)s; ask the lab to cancel it now.")
REASON_REQUIRED = _("Give the requester a reason.")
WRONG_STATUS = _("This booking is %(status)s; it cannot be %(action)s.")
EXPIRED_BEFORE_DECISION = _("This request expired before it was decided.")

# Every status change the system makes, and none other.
TRANSITIONS: dict[str, set[str]] = {
    Status.PENDING: {Status.APPROVED, Status.REJECTED, Status.EXPIRED, Status.CANCELLED},
    Status.APPROVED: {Status.CANCELLED, Status.COMPLETED, Status.NO_SHOW},
}
ACTIONS: dict[str, Promise] = {
    Status.APPROVED: _("approved"), Status.REJECTED: _("rejected"), Status.EXPIRED: _("expired"),
    Status.CANCELLED: _("cancelled"), Status.COMPLETED: _("completed"), Status.NO_SHOW: _("marked as a no-show"),
}  # fmt: skip


class BookingInvalid(Exception):
    """The request breaks the instrument's rules; `problems` says how, field by field."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(p.message for p in problems))

    def by_field(self) -> dict[str, list[str]]:
        fields: dict[str, list[str]] = {}
        for problem in self.problems:
            fields.setdefault(problem.field, []).append(str(problem.message))
        return fields


class BookingConflict(Exception):
    """The slot is taken (HTTP 409). Nothing was written."""

    def __init__(self, message: str, clashes: list[Reservation] | None = None):
        self.message = message
        self.clashes = clashes or []
        super().__init__(message)


class TransitionNotAllowed(Exception):
    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


@metrics.booking_requests_counted(refused=(BookingInvalid, BookingConflict))
def reservation_create(
    *,
    instrument: Instrument,
    requester: User,
    start: dt.datetime,
    end: dt.datetime,
    purpose: str,
    sample_description: str = "",
    service_way: str = Reservation.ServiceWay.USE,
    cost_centre: str = "",
    now: dt.datetime | None = None,
) -> Reservation:
    """Book, or ask to book. `cost_centre` is the grant or cost centre (经费卡号) that users of
    the owning institution charge their use to. The booking comes back with
    `history_written`, the history entries written with it, and `managers_told`, the lab's
    managers (`notifications.managers_of`)."""
    policy_rules = rules(now=now)
    request = BookingRequest(instrument=instrument, requester=requester, start=start, end=end)
    window = dt.timedelta(days=1)
    # The held bookings are left out: the rules do not read them, and the slot is guarded
    # inside the transaction below.
    calendar = load_calendar(instrument, min(start, end) - window, max(start, end) + window, with_held=False)
    problems = policy_rules.problems(request, calendar)
    if problems:
        raise BookingInvalid(problems)
    policy = calendar.policy
    # The rules refuse an instrument without a policy and a requester without an organization.
    assert policy is not None and requester.organization_id is not None
    blocked_until = end + dt.timedelta(minutes=policy.buffer_minutes)
    approved = policy_rules.auto_approves(request, policy)
    created = policy_rules.now
    expires_at = None if approved else min(created + dt.timedelta(hours=policy.pending_expiry_hours), start)

    # On PostgreSQL the exclusion constraint over (instrument, [start, blocked_until)) is the
    # guarantee: the insert goes first, and only a refused one looks for the clash to name
    # it. SQLite has no such constraint: there the check comes first, in a transaction that
    # is IMMEDIATE, so writers queue and the check sees every committed booking.
    check_first = connection.vendor != "postgresql"
    try:
        with transaction.atomic():
            if check_first and (clashes := _clashes(instrument, start, blocked_until)):
                raise _conflict(clashes)
            reservation = Reservation.objects.create(
                instrument=instrument,
                requester=requester,
                organization_id=requester.organization_id,
                is_external=requester.organization_id != instrument.institution_id,
                start=start,
                end=end,
                blocked_until=blocked_until,
                status=Status.APPROVED if approved else Status.PENDING,
                purpose=purpose,
                sample_description=sample_description,
                service_way=service_way,
                cost_centre=cost_centre.strip()[:64],
                expires_at=expires_at,
            )
            event = ReservationEvent.objects.create(reservation=reservation, to_status=reservation.status, by=requester)
            managers = notifications.on_create(reservation)
            transaction.on_commit(lambda: live.reservation_changed(reservation))
    except IntegrityError as error:
        if "reservation_no_overlap" not in str(error):
            raise
        # Name the bookings in the way; there are none left if the one in the way was
        # cancelled in the meantime.
        clashes = _clashes(instrument, start, blocked_until)
        raise (_conflict(clashes) if clashes else BookingConflict(str(CONFLICT_RACE))) from None
    # Its history so far, so that an answer can be built without reading the booking back.
    reservation.history_written = [event]
    reservation.managers_told = managers
    return reservation


def _clashes(instrument: Instrument, start: dt.datetime, blocked_until: dt.datetime) -> list[Reservation]:
    """The first holding bookings in the way of [start, blocked_until)."""
    return list(
        Reservation.objects.filter(
            instrument=instrument, status__in=Reservation.HOLDING, start__lt=blocked_until, blocked_until__gt=start
        ).order_by("start")[:3]
    )


def _conflict(clashes: list[Reservation]) -> BookingConflict:
    first = clashes[0]
    return BookingConflict(CONFLICT % {"start": local_time(first.start), "end": local_time(first.end)}, clashes)


def reservation_approve(
    *, reservation: Reservation, by: User, note: str = "", now: dt.datetime | None = None
) -> Reservation:
    """Approve a request; the optional `note` reaches the requester with the decision."""
    _require_manager(by, reservation, DECIDE_DENIED)
    return _transition(reservation, Status.APPROVED, by=by, reason=note.strip(), now=now)


def reservations_approve(
    *, reservations: list[Reservation], by: User, now: dt.datetime | None = None
) -> list[tuple[Reservation, str]]:
    """Approve several requests, each on its own (one refusal stops none of the others);
    returns those refused, each with the reason a person can act on."""
    refused = []
    for reservation in reservations:
        try:
            reservation_approve(reservation=reservation, by=by, now=now)
        except (TransitionNotAllowed, BookingConflict) as error:
            refused.append((reservation, str(error.message)))
        except BookingInvalid as error:
            refused.append((reservation, str(error)))
        except PermissionDenied as error:
            refused.append((reservation, str(error)))
    return refused


def reservation_reject(*, reservation: Reservation, by: User, reason: str) -> Reservation:
    _require_manager(by, reservation, DECIDE_DENIED)
    if not reason.strip():
        raise BookingInvalid([Problem("reason", str(REASON_REQUIRED))])
    return _transition(reservation, Status.REJECTED, by=by, reason=reason.strip())


def reservation_cancel(
    *, reservation: Reservation, by: User, reason: str = "", now: dt.datetime | None = None
) -> Reservation:
    now = now or timezone.now()
    if can_manage_lab(by, reservation.instrument.lab):
        return _transition(reservation, Status.CANCELLED, by=by, reason=reason.strip())
    if reservation.requester_id != by.pk:
        raise PermissionDenied(CANCEL_DENIED)

    def within_deadline(locked: Reservation) -> None:
        deadline = locked.start - dt.timedelta(minutes=locked.instrument.policy.cancel_deadline_minutes)
        if locked.status == Status.APPROVED and now > deadline:
            raise TransitionNotAllowed(CANCEL_TOO_LATE % {"deadline": local_time(deadline)})
        # Judged on the locked row, before its status changes: late counts against credit.
        locked.cancelled_late = credit.is_late_cancellation(locked, now=now)

    def mark_if_late(locked: Reservation) -> None:
        if locked.cancelled_late:
            locked.save(update_fields=["cancelled_late"])
            credit.late_cancel_marked(locked, at=now)

    return _transition(
        reservation, Status.CANCELLED, by=by, reason=reason.strip(), check=within_deadline, after=mark_if_late
    )


def reservations_expire(*, now: dt.datetime | None = None) -> int:
    """Expire pending requests whose time to be decided has run out (the jobs worker)."""
    now = now or timezone.now()
    count = 0
    for pk in Reservation.objects.filter(status=Status.PENDING, expires_at__lte=now).values_list("pk", flat=True):
        try:
            _transition(Reservation.objects.get(pk=pk), Status.EXPIRED, by=None, reason=str(EXPIRED_BEFORE_DECISION))
            count += 1
        except TransitionNotAllowed:
            continue  # decided meanwhile
    return count


def reservation_settle(*, reservation: Reservation, outcome: str, reason: str = "") -> Reservation:
    """Completed or no-show, set from measured usage (the telemetry issue). A no-show is
    a mark against the requester's credit, written with the status."""
    after = credit.no_show_marked if outcome == Status.NO_SHOW else None
    return _transition(reservation, outcome, by=None, reason=reason, after=after)


def _transition(
    reservation: Reservation,
    to: str,
    *,
    by: User | None,
    reason: str = "",
    check: Callable[[Reservation], object] | None = None,
    after: Callable[[Reservation], object] | None = None,
    now: dt.datetime | None = None,
) -> Reservation:
    """Change the status under a row lock. `check` may refuse, on the locked row; `after`
    writes what comes with the change (a credit mark), in the same transaction."""
    with transaction.atomic():
        # Lock the row: an approval and an expiry (or two managers) racing on one
        # request must not both succeed.
        locked = Reservation.objects.select_for_update().select_related("instrument__lab").get(pk=reservation.pk)
        if to not in TRANSITIONS.get(locked.status, set()):
            raise TransitionNotAllowed(
                WRONG_STATUS % {"status": locked.get_status_display(), "action": ACTIONS.get(to, to)}
            )
        if to == Status.APPROVED and locked.expires_at and locked.expires_at <= (now or timezone.now()):
            raise TransitionNotAllowed(str(EXPIRED_BEFORE_DECISION))
        if check is not None:
            check(locked)
        previous = locked.status
        locked.status = to
        locked.status_reason = reason
        if to != Status.PENDING:
            locked.expires_at = None
        locked.save(update_fields=["status", "status_reason", "expires_at"])
        record_change_note(start=locked.start, end=locked.end, now=now)  # a booking of settled days
        ReservationEvent.objects.create(reservation=locked, from_status=previous, to_status=to, by=by, reason=reason)
        notifications.on_transition(locked, to, by=by)
        if after is not None:
            after(locked)
        transaction.on_commit(lambda: live.reservation_changed(locked, was=previous))
    metrics.booking_changed(to)
    return locked


def _require_manager(by: User, reservation: Reservation, message: str | Promise) -> None:
    if not can_manage_lab(by, reservation.instrument.lab):
        raise PermissionDenied(message)


IMPORT_STATUSES = (Status.APPROVED, Status.COMPLETED, Status.CANCELLED, Status.NO_SHOW)
# Imported history holds its time like a live booking: an approved, completed or no-show
# booking may not overlap another one that holds or used the instrument.
IMPORT_BLOCKING = (Status.PENDING, Status.APPROVED, Status.COMPLETED, Status.NO_SHOW)
IMPORT_REF_OTHER = _("Reference %(ref)s was imported before for another booking (%(instrument)s, %(start)s – %(end)s).")
IMPORTED = _("Imported (reference %(ref)s).")
IMPORT_BAD_STATUS = _("«%(value)s» is not one of: approved | completed | cancelled | no_show.")
IMPORT_END_BEFORE_START = _("The end must be after the start.")


def reservation_import(
    *,
    ref: str,
    instrument: Instrument,
    requester: User,
    start: dt.datetime,
    end: dt.datetime,
    status: str,
    purpose: str = "",
) -> tuple[Reservation, bool]:
    """Record a booking from another system's history: past periods are allowed and the
    booking rules are not applied, but the no-overlap rule is. Returns (booking, created);
    a booking imported before under `ref` is returned as it is."""
    existing = Reservation.objects.filter(import_ref=ref).select_related("instrument").first()
    if existing is not None:
        if (existing.instrument_id, existing.start, existing.end) != (instrument.pk, start, end):
            raise ValidationError({"ref": IMPORT_REF_OTHER % {
                "ref": ref, "instrument": existing.instrument.code, "start": local_time(existing.start),
                "end": local_time(existing.end)}})  # fmt: skip
        return existing, False
    if status not in IMPORT_STATUSES:
        raise ValidationError({"status": IMPORT_BAD_STATUS % {"value": status}})
    if end <= start:
        raise ValidationError({"end": IMPORT_END_BEFORE_START})
    assert requester.organization_id is not None  # imported history names the organization
    try:
        with transaction.atomic():
            # Lock the instrument: two imports of its history take turns, so the check
            # below sees the other's bookings. Holding bookings are also guarded by the
            # exclusion constraint on PostgreSQL; completed and no-show ones are only
            # ever written here, in the past, behind this lock.
            Instrument.objects.select_for_update().filter(pk=instrument.pk).first()
            if status != Status.CANCELLED:
                clash = (
                    Reservation.objects.filter(
                        instrument=instrument, status__in=IMPORT_BLOCKING, start__lt=end, blocked_until__gt=start
                    ).order_by("start").first()
                )  # fmt: skip
                if clash is not None:
                    raise BookingConflict(
                        CONFLICT % {"start": local_time(clash.start), "end": local_time(clash.end)}, [clash]
                    )
            reservation = Reservation.objects.create(
                instrument=instrument, requester=requester, organization_id=requester.organization_id,
                is_external=requester.organization_id != instrument.institution_id, start=start, end=end,
                blocked_until=end, status=status, purpose=purpose, import_ref=ref,
            )  # fmt: skip
            ReservationEvent.objects.create(reservation=reservation, to_status=status, by=None,
                                            reason=IMPORTED % {"ref": ref})  # fmt: skip
            record_change_note(start=start, end=end)
    except IntegrityError as error:
        if "reservation_no_overlap" in str(error):
            raise BookingConflict(str(CONFLICT_RACE)) from None
        raise
    return reservation, True


SETTLED = (Status.COMPLETED, Status.NO_SHOW)


def reservation_outcome_correct(*, reservation: Reservation, outcome: str, reason: str = "") -> Reservation:
    """Turn a settled booking completed ↔ no-show when it is settled again from measured
    use (imported history, whose events may come in after it). No notices: it is past."""
    with transaction.atomic():
        # Locked, as every status change: two settling runs must not interleave.
        locked = Reservation.objects.select_for_update().select_related("instrument__lab").get(pk=reservation.pk)
        if locked.status not in SETTLED or outcome not in SETTLED:
            raise TransitionNotAllowed(
                WRONG_STATUS % {"status": locked.get_status_display(), "action": ACTIONS.get(outcome, outcome)}
            )
        if locked.status != outcome:
            previous, locked.status, locked.status_reason = locked.status, outcome, reason
            locked.save(update_fields=["status", "status_reason"])
            record_change_note(start=locked.start, end=locked.end)
            ReservationEvent.objects.create(reservation=locked, from_status=previous, to_status=outcome, reason=reason)
            # The credit mark follows the outcome (booking.credit.no_show_corrected says why).
            if outcome == Status.NO_SHOW:
                credit.no_show_marked(locked)
            else:
                credit.no_show_corrected(locked)
            transaction.on_commit(lambda: live.reservation_changed(locked))
    return locked
