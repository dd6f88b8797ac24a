"""In-app notices, mailed later by the jobs worker.

Notices are rows written in the same transaction as the change they announce, so none
is lost when a process dies; `emails_send` mails them afterwards and retries failures.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import User
from booking.models import Notification, Reservation

log = logging.getLogger(__name__)
Kind = Notification.Kind
MAX_EMAIL_ATTEMPTS = 5


def notify(user: User, reservation: Reservation, kind: str) -> None:
    if user.is_active:
        Notification.objects.create(user=user, reservation=reservation, kind=kind)


def managers_of(reservation: Reservation) -> list[User]:
    """The lab's managers, or the institution's admins for a lab without managers."""
    lab = reservation.instrument.lab
    managers = list(lab.managers.filter(is_active=True))
    if managers:
        return managers
    return list(User.objects.filter(organization_id=lab.institution_id, role=User.Role.ORG_ADMIN, is_active=True))


def notify_managers(reservation: Reservation, kind: str) -> None:
    for manager in managers_of(reservation):
        notify(manager, reservation, kind)


def on_transition(reservation: Reservation, to: str, *, by: User | None) -> None:
    Status = Reservation.Status
    if to in (Status.APPROVED, Status.REJECTED, Status.EXPIRED):
        notify(reservation.requester, reservation, to)
    elif to == Status.CANCELLED:
        if by is not None and by.pk == reservation.requester_id:
            notify_managers(reservation, Kind.CANCELLED)
        else:
            notify(reservation.requester, reservation, Kind.CANCELLED)


def emails_send(*, limit: int = 200) -> int:
    """Mail notices not mailed yet; returns how many were sent."""
    sent = 0
    with transaction.atomic():
        # skip_locked: several jobs workers may run; each takes other rows.
        batch = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(emailed_at__isnull=True, email_attempts__lt=MAX_EMAIL_ATTEMPTS)
            .select_related("user", "reservation__instrument")
            .order_by("id")[:limit]
        )
        for notice in batch:
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


def notification_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
