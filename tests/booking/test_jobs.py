"""The jobs worker: expiries, reminders and emails, each once."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import translation

from booking import services
from booking.jobs import reminders_send
from booking.models import Notification, Reservation
from booking.notifications import emails_send
from tests import factories as f
from tests.booking.helpers import at, book

pytestmark = pytest.mark.django_db


def test_reminder_goes_out_once_for_approved_bookings_starting_soon(settings):
    settings.BOOKING_REMINDER_HOURS = 24
    instrument = f.bookable(approval_required=False)
    soon = book(instrument, start=at(1, 10))
    later = book(instrument, start=at(5, 10))
    now = soon.start - dt.timedelta(hours=20)
    assert reminders_send(now=now) == 1
    assert reminders_send(now=now) == 0
    assert Notification.objects.filter(kind="reminder").get().reservation == soon
    assert not Notification.objects.filter(kind="reminder", reservation=later).exists()


def test_emails_are_sent_once_in_both_languages(mailoutbox):
    instrument = f.bookable()
    manager = f.lab_manager(instrument.lab, email="mgr@example.com")
    book(instrument)
    assert emails_send() == 1
    assert emails_send() == 0
    (mail,) = mailoutbox
    assert mail.to == ["mgr@example.com"]
    with translation.override("zh-hans"):
        chinese = str(Notification.Kind.REQUESTED.label)
    assert mail.subject == f"{chinese} / Booking request received"
    assert Notification.objects.get(user=manager).emailed_at is not None


def test_a_failing_mail_server_is_retried_later(monkeypatch, mailoutbox):
    instrument = f.bookable()
    f.lab_manager(instrument.lab)
    book(instrument)

    def down(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("booking.notifications.send_mail", down)
    assert emails_send() == 0
    notice = Notification.objects.get()
    assert (notice.emailed_at, notice.email_attempts) == (None, 1)
    monkeypatch.undo()
    assert emails_send() == 1


def test_run_jobs_once_expires_what_is_due():
    instrument = f.bookable()
    reservation = book(instrument, start=at(1, 10))
    Reservation.objects.filter(pk=reservation.pk).update(expires_at=at(-1, 10))
    call_command("run_jobs", "--once")
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.EXPIRED
    assert services.reservations_expire() == 0
