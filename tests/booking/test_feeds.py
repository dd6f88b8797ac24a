"""Calendar feeds: valid RFC 5545 that a calendar library reads back, behind private tokens."""

import icalendar
import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from booking import services
from booking.feeds import feed_token, feed_token_rotate
from booking.models import FeedToken
from tests import factories as f
from tests.booking.helpers import at, book

pytestmark = pytest.mark.django_db


@pytest.fixture
def instrument():
    return f.bookable()


def fetch(client, token: FeedToken):
    return client.get(reverse("booking:feed", args=[token.token]))


def parse(response) -> icalendar.Calendar:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content)


def test_personal_feed_is_valid_icalendar_with_time_zone(client, instrument):
    startup = f.UserFactory(organization=f.OrganizationFactory(kind="enterprise"))
    pending = book(instrument, requester=startup, start=at(2, 10), end=at(2, 12))
    approved = book(instrument, requester=startup, start=at(3, 14), end=at(3, 15, 30))
    services.reservation_approve(reservation=approved, by=f.lab_manager(instrument.lab))
    book(instrument, start=at(4, 10))  # someone else's booking stays out

    calendar = parse(fetch(client, feed_token(user=startup)))
    assert calendar["VERSION"] == "2.0" and "Instrument Commons" in str(calendar["PRODID"])
    zones = calendar.walk("VTIMEZONE")
    assert [str(z["TZID"]) for z in zones] == ["Asia/Shanghai"]
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {
        f"reservation-{pending.pk}@instrument-commons",
        f"reservation-{approved.pk}@instrument-commons",
    }
    event = events[f"reservation-{approved.pk}@instrument-commons"]
    assert event["DTSTART"].dt == at(3, 14) and event["DTEND"].dt == at(3, 15, 30)
    assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(events[f"reservation-{pending.pk}@instrument-commons"]["STATUS"]) == "TENTATIVE"
    assert all("DTSTAMP" in e for e in events.values())
    assert b"BEGIN:VCALENDAR\r\n" in fetch(client, feed_token(user=startup)).content  # CRLF line ends


def test_cancelled_bookings_stay_in_the_feed_marked_cancelled(client, instrument):
    startup = f.UserFactory(organization=f.OrganizationFactory(kind="enterprise"))
    reservation = book(instrument, requester=startup)
    services.reservation_cancel(reservation=reservation, by=startup)
    (event,) = parse(fetch(client, feed_token(user=startup))).walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED"  # so subscribed calendars drop it


def test_instrument_feed_is_for_its_lab_managers(client, instrument):
    manager = f.lab_manager(instrument.lab)
    first, second = book(instrument, start=at(2, 10)), book(instrument, start=at(3, 10))
    token = feed_token(user=manager, instrument=instrument)
    uids = {str(e["UID"]) for e in parse(fetch(client, token)).walk("VEVENT")}
    assert uids == {f"reservation-{first.pk}@instrument-commons", f"reservation-{second.pk}@instrument-commons"}
    with pytest.raises(PermissionDenied):
        feed_token(user=f.UserFactory(), instrument=instrument)


def test_feed_stops_when_the_manager_leaves_the_lab(client, instrument):
    manager = f.lab_manager(instrument.lab)
    token = feed_token(user=manager, instrument=instrument)
    instrument.lab.managers.remove(manager)
    assert fetch(client, token).status_code == 404


def test_rotating_the_token_retires_the_old_address(client, instrument):
    user = f.UserFactory()
    token = feed_token(user=user)
    old = token.token
    feed_token_rotate(token=token)
    assert client.get(reverse("booking:feed", args=[old])).status_code == 404
    assert fetch(client, token).status_code == 200


def test_unknown_token_is_404(client, db):
    assert client.get(reverse("booking:feed", args=["nope"])).status_code == 404


def test_feed_page_offers_personal_and_instrument_addresses(client, instrument):
    manager = f.lab_manager(instrument.lab)
    client.force_login(manager)
    page = client.get(reverse("booking:feeds"))
    assert page.context["personal"].token in page.content.decode()
    client.post(reverse("booking:feed-action"), {"instrument": instrument.pk, "action": "create"})
    assert FeedToken.objects.filter(user=manager, instrument=instrument).exists()
    client.force_login(f.UserFactory())
    assert client.post(reverse("booking:feed-action"), {"instrument": instrument.pk}).status_code == 404


def test_each_feed_address_has_a_copy_button_and_no_inline_script(client, instrument):
    manager = f.lab_manager(instrument.lab)
    client.force_login(manager)
    client.post(reverse("booking:feed-action"), {"instrument": instrument.pk, "action": "create"})
    html = client.get(reverse("booking:feeds"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for target in ("feed-personal", f"feed-{instrument.pk}"):
        assert f'<code id="{target}">' in html and f'data-copy="{target}"' in html
    assert "/static/js/copy.js" in html
    assert html.count("<script") == html.count("<script src=")
