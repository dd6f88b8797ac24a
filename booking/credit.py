"""User credit: marks against a user and their organization, and what they mean for booking.

A mark is a no-show (a booking settled as no_show), a late cancellation (the requester
cancelled an approved booking less than LATE_CANCEL_HOURS before its start) or an invoice
overdue by more than CREDIT_OVERDUE_DAYS (billing adds those). Only marks in the rolling
window of CREDIT_WINDOW_DAYS count, and a lifted mark never counts.

- approval needed: the user has CREDIT_APPROVAL_MARKS marks in the window, or their
  organization CREDIT_APPROVAL_MARKS × CREDIT_ORGANIZATION_FACTOR (its members' marks and
  its own, such as overdue invoices). Their new bookings are never approved automatically.
- suspended: a mark that brings the count in the window before it to CREDIT_SUSPEND_MARKS
  (× the factor for the organization) suspends booking for CREDIT_SUSPEND_DAYS after that
  mark. The end is fixed by the mark, so it does not move when older marks leave the window.

The booking rules (booking.policy) ask `credit_standing` when a booking is requested.
"""

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, User
from accounts.permissions import AnyUser, is_org_admin_of, is_platform_admin
from booking.models import CreditMark, Reservation

Kind = CreditMark.Kind
GOOD, APPROVAL_NEEDED, SUSPENDED = "good", "approval_needed", "suspended"
STATES = {GOOD: _("Good standing"), APPROVAL_NEEDED: _("Bookings need approval"), SUSPENDED: _("Suspended")}
_SEVERITY = {GOOD: 0, APPROVAL_NEEDED: 1, SUSPENDED: 2}

LIFT_DENIED = _("Only an admin of the mark's organization or a platform admin may lift it.")
LIFT_REASON_REQUIRED = _("Say why the mark is lifted.")
ALREADY_LIFTED = _("This mark has been lifted already.")
NO_SUBJECT = "A credit mark is about a booking or a reference (an invoice number)."


@dataclass(frozen=True)
class Standing:
    """A user's credit now: marks counted in the window by kind, for them and for their
    organization; the state; and when it ends unless another mark comes (None when good)."""

    state: str
    user_counts: dict[str, int] = field(default_factory=dict)
    organization_counts: dict[str, int] = field(default_factory=dict)
    ends: dt.datetime | None = None

    @property
    def user_total(self) -> int:
        return sum(self.user_counts.values())

    @property
    def organization_total(self) -> int:
        return sum(self.organization_counts.values())

    @property
    def label(self) -> str:
        return str(STATES[self.state])

    @property
    def is_good(self) -> bool:
        return self.state == GOOD

    def as_dict(self) -> dict:
        """For the API and the pages: counts per kind with their totals."""
        return {
            "state": self.state,
            "ends": self.ends,
            "marks": {**self.user_counts, "total": self.user_total},
            "organization_marks": {**self.organization_counts, "total": self.organization_total},
        }


def _window() -> dt.timedelta:
    return dt.timedelta(days=settings.CREDIT_WINDOW_DAYS)


def _thresholds(factor: int) -> tuple[int, int]:
    return settings.CREDIT_APPROVAL_MARKS * factor, settings.CREDIT_SUSPEND_MARKS * factor


def _judge(
    times: Sequence[dt.datetime], now: dt.datetime, approval: int, suspend: int
) -> tuple[str, dt.datetime | None]:
    """The state given the times of counted marks (ascending, none after `now`)."""
    window, suspension = _window(), dt.timedelta(days=settings.CREDIT_SUSPEND_DAYS)
    suspended_until = max(
        (
            t + suspension
            for i, t in enumerate(times)
            if now < t + suspension and sum(1 for u in times[: i + 1] if u > t - window) >= suspend
        ),
        default=None,
    )
    if suspended_until is not None:
        return SUSPENDED, suspended_until
    counted = [t for t in times if t > now - window]
    if len(counted) >= approval:
        # The state lasts until enough of them have left the window.
        return APPROVAL_NEEDED, counted[len(counted) - approval] + window
    return GOOD, None


def _counts(marks: Iterable[tuple[str, dt.datetime]], since: dt.datetime) -> dict[str, int]:
    found = Counter(kind for kind, at in marks if at > since)
    return {kind: found.get(kind, 0) for kind in Kind.values}


def credit_standings(users: Iterable[User], *, now: dt.datetime | None = None) -> dict[int, Standing]:
    """The standing of each user, keyed by pk, from one query (pages list many requesters)."""
    now = now or timezone.now()
    people = {user.pk: user for user in users}
    organizations = {user.organization_id for user in people.values() if user.organization_id}
    # Marks older than the window can still be the window of a suspension running now.
    since = now - _window() - dt.timedelta(days=settings.CREDIT_SUSPEND_DAYS)
    rows = list(
        CreditMark.objects.filter(lifted_at__isnull=True, at__gt=since, at__lte=now)
        .filter(Q(user_id__in=people) | Q(organization_id__in=organizations))
        .order_by("at", "id")
        .values_list("user_id", "organization_id", "kind", "at")
    )
    factor = settings.CREDIT_ORGANIZATION_FACTOR
    standings = {}
    for pk, user in people.items():
        own = [(kind, at) for user_id, _org, kind, at in rows if user_id == pk]
        theirs = [(kind, at) for _user, org, kind, at in rows if user.organization_id and org == user.organization_id]
        judged = [
            _judge([at for _k, at in own], now, *_thresholds(1)),
            _judge([at for _k, at in theirs], now, *_thresholds(factor)),
        ]
        state = max((s for s, _e in judged), key=_SEVERITY.__getitem__)
        ends = max((e for s, e in judged if s == state and e is not None), default=None)
        since_window = now - _window()
        standings[pk] = Standing(state, _counts(own, since_window), _counts(theirs, since_window), ends)
    return standings


def credit_standing(*, user: User, now: dt.datetime | None = None) -> Standing:
    return credit_standings([user], now=now)[user.pk]


def credit_standings_attach(items: Iterable, *, now: dt.datetime | None = None) -> list:
    """Set `requester_record` on each item that has a `requester` (bookings, sample orders),
    from one query for them all; returns the items as a list."""
    items = list(items)
    standings = credit_standings({item.requester_id: item.requester for item in items}.values(), now=now)
    for item in items:
        item.requester_record = standings[item.requester_id]
    return items


def credit_marks_visible_to(user: AnyUser) -> QuerySet[CreditMark]:
    """Your own marks; an organization admin's organization's; every mark for platform admins."""
    marks = CreditMark.objects.select_related("user", "organization", "reservation__instrument", "lifted_by")
    if not (user.is_authenticated and user.is_active):
        return marks.none()
    if is_platform_admin(user):
        return marks.all()
    if user.organization_id and is_org_admin_of(user, user.organization):
        return marks.filter(Q(organization_id=user.organization_id) | Q(user=user))
    return marks.filter(user=user)


def credit_marks_recent(user: User, *, limit: int = 5) -> list[CreditMark]:
    """A requester's latest marks, lifted ones too (they say so), for the managers deciding."""
    return list(CreditMark.objects.filter(user=user).select_related("reservation__instrument")[:limit])


def can_lift(user: AnyUser, mark: CreditMark) -> bool:
    return is_platform_admin(user) or is_org_admin_of(user, mark.organization)


def credit_mark_add(
    *,
    organization: Organization,
    user: User | None = None,
    kind: str,
    reservation: Reservation | None = None,
    reference: str = "",
    at: dt.datetime,
) -> CreditMark:
    """Add a mark once: adding it again (a job run twice, a booking settled again) returns
    the mark there is, lifted or not, so that a lifted mark stays lifted."""
    if kind not in Kind.values:
        raise ValueError(f"Unknown credit mark kind {kind!r}.")
    if reservation is None and not reference:
        raise ValueError(NO_SUBJECT)
    key = (
        {"reservation": reservation, "kind": kind}
        if reservation is not None
        else {"organization": organization, "reference": reference, "kind": kind}
    )
    existing = CreditMark.objects.filter(**key).first()
    if existing is not None:
        return existing
    try:
        # A savepoint: when another process adds the same mark first, its unique constraint
        # refuses ours and the surrounding transaction carries on with theirs.
        with transaction.atomic():
            return CreditMark.objects.create(
                organization=organization, user=user, kind=kind, reservation=reservation, reference=reference, at=at
            )
    except IntegrityError:
        return CreditMark.objects.get(**key)


def credit_mark_lift(*, mark: CreditMark, by: User, reason: str, now: dt.datetime | None = None) -> CreditMark:
    if not can_lift(by, mark):
        raise PermissionDenied(LIFT_DENIED)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": [LIFT_REASON_REQUIRED]})
    with transaction.atomic():
        # Locked: two admins lifting one mark at once must not both write their reason.
        locked = CreditMark.objects.select_for_update().get(pk=mark.pk)
        if locked.lifted_at is not None:
            raise ValidationError(ALREADY_LIFTED)
        locked.lifted_at, locked.lifted_by, locked.lift_reason = now or timezone.now(), by, reason
        locked.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    return locked


# What the booking lifecycle (booking.services) calls, inside its transactions.


def no_show_marked(reservation: Reservation) -> CreditMark:
    return credit_mark_add(
        organization=reservation.organization, user=reservation.requester, kind=Kind.NO_SHOW,
        reservation=reservation, at=reservation.start,
    )  # fmt: skip


def no_show_corrected(reservation: Reservation) -> None:
    """A no-show settled again as completed: its mark was never deserved, so it goes (the
    booking's history keeps the change). A mark already lifted by an admin stays, with
    their reason, and keeps not counting."""
    CreditMark.objects.filter(reservation=reservation, kind=Kind.NO_SHOW, lifted_at__isnull=True).delete()


def late_cancel_marked(reservation: Reservation, *, at: dt.datetime) -> CreditMark:
    return credit_mark_add(
        organization=reservation.organization, user=reservation.requester, kind=Kind.LATE_CANCEL,
        reservation=reservation, at=at,
    )  # fmt: skip


def is_late_cancellation(reservation: Reservation, *, now: dt.datetime) -> bool:
    """The requester cancels an approved booking less than LATE_CANCEL_HOURS before its start."""
    return reservation.status == Reservation.Status.APPROVED and now > reservation.start - dt.timedelta(
        hours=settings.LATE_CANCEL_HOURS
    )
