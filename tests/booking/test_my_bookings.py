"""My bookings: upcoming and past tabs, soonest first, filters by status and instrument,
a page at a time, each booking with its instrument's institution and lab."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from booking.models import Reservation
from tests import factories as f
from tests.booking.helpers import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def startup():
    return f.UserFactory(organization=f.OrganizationFactory(kind="enterprise"))


def booking(startup, instrument, start, status="approved"):
    return f.ReservationFactory(
        requester=startup, instrument=instrument, start=start, end=start + dt.timedelta(hours=1), status=status
    )


def test_upcoming_holds_only_live_bookings_soonest_first(client, startup):
    instrument = f.InstrumentFactory()
    later = booking(startup, instrument, at(5, 9))
    soon = booking(startup, instrument, at(1, 9), status="pending")
    closed = [booking(startup, instrument, at(2, 9), status=s) for s in ("rejected", "cancelled", "expired")]
    done = booking(startup, instrument, at(-2, 9), status="completed")
    client.force_login(startup)
    upcoming = client.get(reverse("booking:reservations"))
    assert [r.pk for r in upcoming.context["page"]] == [soon.pk, later.pk]
    assert upcoming.context["counts"] == {"upcoming": 2, "past": 4}
    past = client.get(reverse("booking:reservations"), {"tab": "past"})
    assert [r.pk for r in past.context["page"]] == [*(c.pk for c in reversed(closed)), done.pk]


def test_each_booking_names_the_institution_and_lab(client, startup):
    instrument = f.InstrumentFactory(name_zh="场发射扫描电镜")
    booking(startup, instrument, at(1, 9))
    client.force_login(startup)
    html = client.get(reverse("booking:reservations"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "场发射扫描电镜" in html
    assert instrument.lab.institution.name_zh in html and instrument.lab.name_zh in html


def test_filters_by_status_and_instrument(client, startup):
    xrd, sem = f.InstrumentFactory(), f.InstrumentFactory()
    approved = booking(startup, xrd, at(1, 9))
    booking(startup, xrd, at(2, 9), status="pending")
    on_sem = booking(startup, sem, at(3, 9))
    booking(f.UserFactory(), sem, at(4, 9))  # someone else's: never listed, nor its instrument
    client.force_login(startup)
    url = reverse("booking:reservations")
    page = client.get(url, {"status": "approved"}).context["page"]
    assert [r.pk for r in page] == [approved.pk, on_sem.pk]
    page = client.get(url, {"status": "approved", "instrument": sem.code}).context["page"]
    assert [r.pk for r in page] == [on_sem.pk]
    form = client.get(url).context["filters"]
    assert set(form.fields["instrument"].queryset) == {xrd, sem}
    # Upcoming offers only the statuses it can hold.
    assert [v for v, _ in form.fields["status"].choices] == ["", "pending", "approved"]
    assert client.get(url, {"status": "nonsense"}).status_code == 200


def test_pages_of_twenty_keep_the_tab_and_filters(client, startup):
    instrument = f.InstrumentFactory()
    start = timezone.now() - dt.timedelta(days=60)
    Reservation.objects.bulk_create(
        Reservation(
            instrument=instrument, requester=startup, organization=startup.organization, is_external=True,
            start=start + dt.timedelta(days=n), end=start + dt.timedelta(days=n, hours=1),
            blocked_until=start + dt.timedelta(days=n, hours=1), status="completed", purpose="XRD",
        )
        for n in range(25)
    )  # fmt: skip
    client.force_login(startup)
    first = client.get(reverse("booking:reservations"), {"tab": "past", "status": "completed"})
    assert len(first.context["page"]) == 20
    html = first.content.decode()
    assert "?tab=past&amp;status=completed&amp;page=2" in html
    second = client.get(reverse("booking:reservations"), {"tab": "past", "status": "completed", "page": 2})
    assert len(second.context["page"]) == 5
