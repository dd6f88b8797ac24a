"""Notices: what they say is what was true when they were made, only what needs the person
is mailed, history does not pile up as unread, and the page groups them by kind."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from booking import services
from booking.models import Notification, Reservation
from booking.notifications import emails_send, render_email
from tests import factories as f
from tests.booking.helpers import at, book

pytestmark = pytest.mark.django_db


@pytest.fixture
def instrument():
    return f.bookable()


@pytest.fixture
def manager(instrument):
    return f.lab_manager(instrument.lab, email="mgr@example.com")


def test_a_request_notice_says_pending_even_after_the_request_was_rejected(instrument, manager):
    # The mail is rendered by the jobs worker later; it used to read the booking's status
    # then, so a "request received" mail could say "Rejected".
    reservation = book(instrument)
    services.reservation_reject(reservation=reservation, by=manager, reason="样品不符")
    notice = Notification.objects.get(user=manager)
    subject, body = render_email(notice)
    with translation.override("en"):
        assert "Booking request received" in subject
    assert "Status: Pending" in body
    assert "Rejected" not in body and "样品不符" not in body


def test_a_request_decided_before_it_was_mailed_is_not_mailed(instrument, manager, mailoutbox):
    reservation = book(instrument, requester=f.UserFactory(email="startup@example.com"))
    services.reservation_reject(reservation=reservation, by=manager, reason="样品不符")
    assert emails_send() == 1
    (mail,) = mailoutbox
    assert mail.to == ["startup@example.com"]
    assert "Booking rejected" in mail.subject and "样品不符" in mail.body
    assert Notification.objects.get(user=manager).mail is False


def test_the_mail_keeps_the_status_it_announced(instrument, manager, mailoutbox):
    startup = f.UserFactory(email="startup@example.com")
    reservation = book(instrument, requester=startup)
    services.reservation_approve(reservation=reservation, by=manager)
    notice = Notification.objects.get(user=startup)
    Reservation.objects.filter(pk=reservation.pk).update(status="cancelled", status_reason="仪器故障")
    _subject, body = render_email(notice)
    assert "Status: Approved" in body and "Cancelled" not in body and "仪器故障" not in body


def test_a_booking_approved_at_once_is_news_to_the_lab_not_a_mail(mailoutbox):
    instrument = f.bookable(approval_required=False)
    manager = f.lab_manager(instrument.lab, email="mgr@example.com")
    startup = f.UserFactory(email="startup@example.com")
    book(instrument, requester=startup)
    assert Notification.objects.get(user=manager).kind == "booked"
    assert emails_send() == 1
    assert [m.to for m in mailoutbox] == [["startup@example.com"]]


def test_a_cancellation_by_the_requester_replaces_the_request_and_mails_no_one(instrument, manager, mailoutbox):
    reservation = book(instrument)
    services.reservation_cancel(reservation=reservation, by=reservation.requester)
    unread = Notification.objects.filter(user=manager, read_at__isnull=True)
    assert [n.kind for n in unread] == ["cancelled"]
    assert emails_send() == 0


def test_notices_about_bookings_already_over_arrive_read_and_unmailed(instrument, manager, mailoutbox):
    # As when history is seeded: a booking asked for days ago, told about only now.
    asked = at(-5, 9)
    services.reservation_create(
        instrument=instrument, requester=f.UserFactory(organization=f.OrganizationFactory(kind="enterprise")),
        start=at(-3, 9), end=at(-3, 10), purpose="XRD", now=asked,
    )  # fmt: skip
    notice = Notification.objects.get(user=manager)
    assert notice.read_at is not None and notice.mail is False
    assert emails_send() == 0


def test_what_was_read_in_the_app_is_not_mailed(instrument, manager, client, mailoutbox):
    book(instrument)
    client.force_login(manager)
    client.post(reverse("booking:notifications"))
    assert emails_send() == 0


def test_a_first_login_keeps_only_requests_waiting_for_a_decision_unread(instrument, client):
    manager = f.lab_manager(instrument.lab)
    waiting = book(instrument, start=at(2, 9))
    decided = book(instrument, start=at(3, 9))
    other = f.lab_manager(instrument.lab)
    services.reservation_approve(reservation=decided, by=other)
    startup = waiting.requester
    services.reservation_approve(reservation=book(instrument, requester=startup, start=at(4, 9)), by=other)
    for day in (5, 6, 7):  # a backlog of news about the start-up's own bookings
        services.reservation_approve(reservation=book(instrument, requester=startup, start=at(day, 9)), by=other)
    assert Notification.objects.filter(user=startup, read_at__isnull=True).count() == 4

    assert client.post(reverse("login"), {"username": manager.username, "password": f.PASSWORD}).status_code == 302
    unread = Notification.objects.filter(user=manager, read_at__isnull=True)
    assert [n.reservation_id for n in unread] == [waiting.pk]
    page = client.get(reverse("booking:notifications"))
    assert page.context["nav_unread"] == 1

    client.post(reverse("login"), {"username": startup.username, "password": f.PASSWORD})
    assert not Notification.objects.filter(user=startup, read_at__isnull=True).exists()
    # Later logins leave news alone.
    services.reservation_approve(reservation=book(instrument, requester=startup, start=at(9, 9)), by=other)
    client.post(reverse("logout"))
    client.post(reverse("login"), {"username": startup.username, "password": f.PASSWORD})
    assert Notification.objects.filter(user=startup, read_at__isnull=True).count() == 1


def test_the_page_groups_notices_by_kind_and_marks_a_group_or_all_read(instrument, manager, client):
    for day in range(2, 6):
        book(instrument, start=at(day, 9))
    cancelled = book(instrument, start=at(6, 9))
    services.reservation_cancel(reservation=cancelled, by=cancelled.requester)
    Notification.objects.update(read_at=None)  # as if the manager had been here before
    manager.last_login = timezone.now() - dt.timedelta(days=1)
    manager.save()
    client.force_login(manager)
    page = client.get(reverse("booking:notifications"), HTTP_ACCEPT_LANGUAGE="en")
    groups = {g.kind: (g.total, g.unread) for g in page.context["groups"]}
    assert groups == {"requested": (5, 5), "cancelled": (1, 1)}
    html = page.content.decode()
    assert html.count("<details") == 2 and "Booking request received" in html and "Pending" in html

    client.post(reverse("booking:notifications"), {"kind": "requested"})
    assert set(Notification.objects.filter(read_at__isnull=True).values_list("kind", flat=True)) == {"cancelled"}
    client.post(reverse("booking:notifications"), {"kind": "nonsense"})
    assert Notification.objects.filter(read_at__isnull=True).count() == 1
    client.post(reverse("booking:notifications"))
    assert not Notification.objects.filter(read_at__isnull=True).exists()
