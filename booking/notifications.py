"""In-app notices, mailed later by the jobs worker.

Notices are rows written in the same transaction as the change they announce, so none
is lost when a process dies; `emails_send` mails them afterwards and retries failures.

Only what asks something of the person is mailed: a request to decide, a decision, a
cancellation by the lab, a reminder. A notice about a booking that is already over is
history and arrives read; a newer notice about a booking replaces the person's older
unread ones about it; and what a person has read in the app is not mailed again.
"""

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Max, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import User
from booking.models import Notification, Reservation

log = logging.getLogger(__name__)
Kind = Notification.Kind
MAX_EMAIL_ATTEMPTS = 5


def notify(user: User, reservation: Reservation, kind: str, *, mail: bool = True) -> None:
    if not user.is_active:
        return
    now = timezone.now()
    over = reservation.end <= now
    # The older notices about this booking are superseded: read, and not mailed any more.
    Notification.objects.filter(user=user, reservation=reservation, read_at__isnull=True).update(read_at=now)
    Notification.objects.filter(user=user, reservation=reservation, emailed_at__isnull=True).update(mail=False)
    Notification.objects.create(
        user=user, reservation=reservation, kind=kind, status=reservation.status, reason=reservation.status_reason,
        mail=mail and not over, read_at=now if over else None,
    )  # fmt: skip


def managers_of(reservation: Reservation) -> list[User]:
    """The lab's active managers, or the institution's admins for a lab without them."""
    lab = reservation.instrument.lab
    managers = list(User.objects.filter(managed_labs=lab, is_active=True).order_by("pk"))
    if managers:
        return managers
    return list(
        User.objects.filter(organization_id=lab.institution_id, role=User.Role.ORG_ADMIN, is_active=True).order_by("pk")
    )


def notify_managers(reservation: Reservation, kind: str, *, mail: bool = True) -> None:
    for manager in managers_of(reservation):
        notify(manager, reservation, kind, mail=mail)


def on_create(reservation: Reservation) -> list[User]:
    """A request is the managers' to decide; a booking approved at once is only news to them.
    A new booking has no older notices to supersede: its notices go in with one insert.
    Returns the managers told (`managers_of`)."""
    now = timezone.now()
    over = reservation.end <= now
    managers = managers_of(reservation)
    if reservation.status == Reservation.Status.PENDING:
        notices = [(manager, Kind.REQUESTED, True, over) for manager in managers]
    else:
        # A manager booking their own lab's instrument: the approval supersedes the news.
        notices = [
            (manager, Kind.BOOKED, False, over or manager.pk == reservation.requester_id) for manager in managers
        ]
        notices.append((reservation.requester, Kind.APPROVED, True, over))
    Notification.objects.bulk_create(
        Notification(
            user=user, reservation=reservation, kind=kind, status=reservation.status, reason=reservation.status_reason,
            mail=mail and not read, read_at=now if read else None,
        )
        for user, kind, mail, read in notices
        if user.is_active
    )  # fmt: skip
    return managers


def on_transition(reservation: Reservation, to: str, *, by: User | None) -> None:
    Status = Reservation.Status
    if to in (Status.APPROVED, Status.REJECTED, Status.EXPIRED):
        notify(reservation.requester, reservation, to)
    elif to == Status.CANCELLED:
        if by is not None and by.pk == reservation.requester_id:
            # The time is free again: news for the lab, nothing for it to do.
            notify_managers(reservation, Kind.CANCELLED, mail=False)
        else:
            notify(reservation.requester, reservation, Kind.CANCELLED)


def still_asks(notice: Notification, now) -> bool:
    """A notice worth a mail when it is sent: its booking is not over, and a request is
    still waiting for a decision."""
    reservation = notice.reservation
    if reservation.end <= now:
        return False
    return notice.kind != Kind.REQUESTED or reservation.status == Reservation.Status.PENDING


def emails_send(*, limit: int = 200) -> int:
    """Mail notices not mailed yet; returns how many were sent."""
    sent = 0
    with transaction.atomic():
        # skip_locked: several jobs workers may run; each takes other rows.
        batch = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(emailed_at__isnull=True, email_attempts__lt=MAX_EMAIL_ATTEMPTS, mail=True, read_at__isnull=True)
            .select_related("user", "reservation__instrument")
            .order_by("id")[:limit]
        )
        now = timezone.now()
        for notice in batch:
            if not still_asks(notice, now):
                notice.mail = False
                notice.save(update_fields=["mail"])
                continue
            notice.email_attempts += 1
            try:
                if notice.user.email:
                    subject, body = render_email(notice)
                    send_mail(subject, body, None, [notice.user.email])
                notice.emailed_at = timezone.now()
                sent += 1
            except Exception:  # a mail server error must not stop the other notices
                log.exception("mailing notification %s failed (attempt %s)", notice.pk, notice.email_attempts)
            notice.save(update_fields=["email_attempts", "emailed_at"])
    return sent


def render_email(notice: Notification) -> tuple[str, str]:
    """Subject and body in Chinese, then English: we do not know which the person reads."""
    link = settings.SITE_URL + reverse("booking:reservation", args=[notice.reservation_id])
    parts, subjects = [], []
    for language in ("zh-hans", "en"):
        with translation.override(language):
            subjects.append(str(Kind(notice.kind).label))
            parts.append(
                render_to_string(
                    "booking/notification_email.txt",
                    {"notice": notice, "reservation": notice.reservation, "link": link},
                )
            )
    return " / ".join(subjects), "\n\n".join(parts)


def notification_mark_read(*, user: User, ids: list[int] | None = None, kind: str | None = None) -> int:
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    if kind is not None:
        unread = unread.filter(kind=kind)
    return unread.update(read_at=timezone.now())


def notifications_catch_up(*, user: User) -> int:
    """At a person's first login, what came before is taken as read (their bookings and
    requests are on their pages), except requests still waiting for their decision."""
    waiting = Q(kind=Kind.REQUESTED, reservation__status=Reservation.Status.PENDING)
    return Notification.objects.filter(user=user, read_at__isnull=True).exclude(waiting).update(read_at=timezone.now())


def caught_up_at_first_login(sender, user: User, **kwargs) -> None:
    notifications_catch_up(user=user)


@dataclass
class Group:
    """The notices of one kind, for the notifications page."""

    kind: str
    label: str
    total: int
    unread: int
    items: list[Notification] = field(default_factory=list)


GROUP_ITEMS = 30


def notification_groups(user: User) -> list[Group]:
    """One group per kind, those with unread notices first, then the latest first; each
    with its latest notices."""
    rows = (
        Notification.objects.filter(user=user)
        .values("kind")
        .annotate(total=Count("pk"), unread=Count("pk", filter=Q(read_at__isnull=True)), latest=Max("created_at"))
    )
    rows = sorted(rows, key=lambda r: (r["unread"] == 0, -r["latest"].timestamp()))
    groups = []
    for row in rows:
        label = Kind(row["kind"]).label if row["kind"] in Kind.values else row["kind"]
        items = Notification.objects.filter(user=user, kind=row["kind"]).select_related(
            "reservation__instrument__lab__institution"
        )[:GROUP_ITEMS]
        groups.append(Group(row["kind"], str(label), row["total"], row["unread"], list(items)))
    return groups
