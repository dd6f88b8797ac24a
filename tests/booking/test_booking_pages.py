"""The booking pages: find a slot, book it, decide, follow it; who may open which page."""

import datetime as dt

import pytest
from django.urls import reverse

from booking import services
from booking.models import BookingPolicy, Notification, Reservation
from tests import factories as f
from tests.booking.helpers import at, book

pytestmark = pytest.mark.django_db


@pytest.fixture
def instrument():
    return f.bookable()


@pytest.fixture
def startup():
    return f.UserFactory(organization=f.OrganizationFactory(kind="enterprise"))


def form(start, end, **extra):
    return {
        "day": start.date().isoformat(),
        "start_time": start.strftime("%H:%M"),
        "end_time": end.strftime("%H:%M"),
        "purpose": "表征",
        "service_way": "use",
        **extra,
    }


def test_free_slot_on_the_calendar_leads_to_a_prefilled_form_and_a_request(client, instrument, startup):
    week = client.get(reverse("booking:calendar", args=[instrument.code]), {"week": at(2, 0).date().isoformat()})
    free = [b for day in week.context["days"] for b in day["blocks"] if b.kind == "free"]
    assert free
    client.force_login(startup)
    link = next(b.url for b in free if b.start >= at(2, 0))
    page = client.get(link)
    assert page.context["form"].initial["day"] == at(2, 0).date()
    response = client.post(reverse("booking:book", args=[instrument.code]), form(at(2, 10), at(2, 12)))
    reservation = Reservation.objects.get()
    assert response["Location"] == reverse("booking:reservation", args=[reservation.pk])
    assert reservation.requester == startup and reservation.status == "pending"


def test_calendar_shows_booked_time_without_names(client, instrument, startup):
    book(instrument, requester=startup, start=at(2, 10), end=at(2, 12))
    response = client.get(reverse("booking:calendar", args=[instrument.code]), {"week": at(2, 0).date().isoformat()})
    busy = [b for day in response.context["days"] for b in day["blocks"] if b.kind == "busy"]
    assert [(b.start, b.end) for b in busy] == [(at(2, 10), at(2, 12))]
    assert startup.username not in response.content.decode()
    month = client.get(reverse("booking:calendar", args=[instrument.code]), {"view": "month"})
    assert month.status_code == 200
    partial = client.get(reverse("booking:calendar", args=[instrument.code]), {"partial": 1})
    assert b"<html" not in partial.content


def test_booking_form_shows_every_problem_on_its_field(client, startup):
    instrument = f.bookable(min_minutes=60, opening=(range(7), dt.time(9), dt.time(17)))
    client.force_login(startup)
    response = client.post(
        reverse("booking:book", args=[instrument.code]), form(at(2, 16, 40), at(2, 17, 10)), HTTP_ACCEPT_LANGUAGE="en"
    )
    errors = response.context["form"].errors
    assert {"start_time", "end_time"} <= set(errors)
    assert Reservation.objects.count() == 0


def test_booking_form_conflict_is_409(client, instrument, startup):
    book(instrument, start=at(2, 10), end=at(2, 12))
    client.force_login(startup)
    response = client.post(reverse("booking:book", args=[instrument.code]), form(at(2, 11), at(2, 13)))
    assert response.status_code == 409
    assert Reservation.objects.count() == 1


def test_manager_approves_from_the_inbox_and_the_requester_sees_it(client, instrument, startup):
    reservation = book(instrument, requester=startup)
    manager = f.lab_manager(instrument.lab)
    client.force_login(manager)
    inbox = client.get(reverse("booking:inbox"))
    assert [r.pk for r in inbox.context["pending"]] == [reservation.pk]
    client.post(reverse("booking:decide", args=[reservation.pk, "approve"]), {"next": reverse("booking:inbox")})
    client.force_login(startup)
    page = client.get(reverse("booking:reservation", args=[reservation.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert page.context["reservation"].status == "approved"
    assert Notification.objects.filter(user=startup, kind="approved").exists()
    notices = client.get(reverse("booking:notifications"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Booking approved" in notices.content.decode()


def test_rejection_reason_reaches_the_requester(client, instrument, startup):
    reservation = book(instrument, requester=startup)
    client.force_login(f.lab_manager(instrument.lab))
    client.post(reverse("booking:decide", args=[reservation.pk, "reject"]), {"reason": "样品需预处理"})
    client.force_login(startup)
    assert "样品需预处理" in client.get(reverse("booking:reservation", args=[reservation.pk])).content.decode()


def test_requester_cancels_from_the_page(client, instrument, startup):
    reservation = book(instrument, requester=startup)
    client.force_login(startup)
    client.post(reverse("booking:decide", args=[reservation.pk, "cancel"]), {"reason": "改期"})
    reservation.refresh_from_db()
    assert reservation.status == "cancelled"


@pytest.mark.parametrize("who", ["anonymous", "stranger", "regulator elsewhere", "manager elsewhere"])
def test_strangers_cannot_see_or_touch_a_reservation(client, instrument, startup, who):
    reservation = book(instrument, requester=startup)
    person = {
        "anonymous": None,
        "stranger": f.UserFactory(),
        "regulator elsewhere": f.regulator("320500"),
        "manager elsewhere": f.lab_manager(),
    }[who]
    if person:
        client.force_login(person)
    for url in (reverse("booking:reservation", args=[reservation.pk]),):
        assert client.get(url).status_code == (302 if person is None else 404)
    for action in ("approve", "reject", "cancel"):
        response = client.post(reverse("booking:decide", args=[reservation.pk, action]), {"reason": "x"})
        assert response.status_code == (302 if person is None else 404)
    reservation.refresh_from_db()
    assert reservation.status == "pending"


def test_regulator_of_the_region_sees_but_cannot_decide(client, instrument, startup):
    reservation = book(instrument, requester=startup)
    client.force_login(f.regulator("320000"))
    assert client.get(reverse("booking:reservation", args=[reservation.pk])).status_code == 200
    client.post(reverse("booking:decide", args=[reservation.pk, "approve"]))
    reservation.refresh_from_db()
    assert reservation.status == "pending"


@pytest.mark.parametrize("who", ["member", "startup", "regulator"])
def test_inbox_is_for_lab_managers(client, who):
    person = {
        "member": f.UserFactory(),
        "startup": f.UserFactory(organization=f.OrganizationFactory(kind="enterprise")),
        "regulator": f.regulator(),
    }[who]
    client.force_login(person)
    assert client.get(reverse("booking:inbox")).status_code == 403


def test_manager_opens_an_instrument_for_booking_and_sets_its_rules(client):
    instrument = f.InstrumentFactory()
    client.force_login(f.lab_manager(instrument.lab))
    url = reverse("booking:policy", args=[instrument.code])
    assert client.get(url).context["policy"] is None
    client.post(url, {"open": "1"})
    policy = BookingPolicy.objects.get(instrument=instrument)
    page = client.get(url)
    data = {
        name: value
        for name, value in page.context["form"].initial.items()
        if value is not None and not isinstance(value, list)
    }
    data.update({"save": "1", "max_minutes": 120, "who_may_book": "institution", "approval_required": "on"})
    client.post(url, data)
    policy.refresh_from_db()
    assert (policy.max_minutes, policy.who_may_book) == (120, "institution")
    client.post(
        reverse("booking:window-add", args=[instrument.code]), {"weekdays": [5], "opens": "09:00", "closes": "12:00"}
    )
    client.post(
        reverse("booking:closure-add", args=[instrument.code]),
        {"start": "2030-01-01T08:00", "end": "2030-01-01T18:00", "reason": "元旦", "repeat": ""},
    )
    page = client.get(url)
    assert len(page.context["windows"]) == 2 and [c.title for c in page.context["closures"]] == ["元旦"]
    bad = client.post(
        reverse("booking:window-add", args=[instrument.code]), {"weekdays": [1], "opens": "12:00", "closes": "09:00"}
    )
    assert bad.status_code == 400 and "closes" in bad.context["window_form"].errors
    event = page.context["windows"][1]["event"]
    client.post(reverse("booking:event-remove", args=[instrument.code, event.pk]))
    assert len(client.get(url).context["windows"]) == 1


@pytest.mark.parametrize("who", ["manager elsewhere", "member", "regulator", "startup"])
def test_others_cannot_change_booking_rules(client, instrument, who):
    person = {
        "manager elsewhere": f.lab_manager(),
        "member": f.UserFactory(organization=instrument.institution),
        "regulator": f.regulator(),
        "startup": f.UserFactory(organization=f.OrganizationFactory(kind="enterprise")),
    }[who]
    client.force_login(person)
    url = reverse("booking:policy", args=[instrument.code])
    assert client.get(url).status_code == 403
    assert client.post(url, {"save": "1", "max_minutes": 5}).status_code == 403
    assert (
        client.post(
            reverse("booking:window-add", args=[instrument.code]),
            {"weekdays": [5], "opens": "09:00", "closes": "12:00"},
        ).status_code
        == 403
    )
    assert instrument.policy.max_minutes == 480


def test_free_time_search_page(client):
    instrument = f.bookable(f.InstrumentFactory(category_id="010500"))
    response = client.get(
        reverse("booking:search"),
        {"category": "010500", "from": at(2, 0).date().isoformat(), "to": at(3, 0).date().isoformat(), "hours": 2},
    )
    assert [row["instrument"] for row in response.context["page"]] == [instrument]


def test_instrument_page_offers_booking_links(client, instrument):
    page = client.get(reverse("instruments:detail", args=[instrument.code])).content.decode()
    assert reverse("booking:book", args=[instrument.code]) in page
    assert reverse("booking:calendar", args=[instrument.code]) in page
    assert reverse("booking:policy", args=[instrument.code]) not in page


def test_admin_changes_status_only_through_the_service(client, instrument, startup):
    first = book(instrument, requester=startup)
    second = book(instrument, start=at(3, 10))
    services.reservation_reject(reservation=second, by=f.lab_manager(instrument.lab), reason="x")
    client.force_login(f.platform_admin())
    url = reverse("admin:booking_reservation_changelist")
    assert client.get(reverse("admin:booking_reservation_add")).status_code == 403
    client.post(url, {"action": "approve", "_selected_action": [first.pk, second.pk]})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("approved", "rejected")  # a rejected one stays rejected
    assert first.history.last().by.role == "platform_admin"
