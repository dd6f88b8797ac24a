"""Credit on the pages: a user's own standing, the requester's record for the managers
deciding, the organization's marks with a lift form; who may open and post what."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from booking.models import CreditMark
from tests import factories as f
from tests.booking.helpers import at, book

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def _thresholds(settings):
    settings.CREDIT_APPROVAL_MARKS = 2
    settings.CREDIT_SUSPEND_MARKS = 4
    settings.CREDIT_SUSPEND_DAYS = 30


@pytest.fixture
def startup():
    return f.UserFactory(organization=f.OrganizationFactory(kind="enterprise"))


@pytest.fixture
def world(startup):
    """A mark against the start-up's member, one against a colleague, one elsewhere."""
    colleague = f.UserFactory(organization=startup.organization)
    return {
        "own": f.CreditMarkFactory(user=startup, reference="MINE"),
        "colleague": f.CreditMarkFactory(user=colleague, reference="COLLEAGUE"),
        "elsewhere": f.CreditMarkFactory(reference="ELSEWHERE"),
    }


def marks_against(user, count):
    now = timezone.now()
    return [f.CreditMarkFactory(user=user, at=now - dt.timedelta(days=1, hours=n)) for n in range(count)]


# My bookings


def test_my_bookings_shows_good_standing(client, startup):
    client.force_login(startup)
    page = client.get(reverse("booking:reservations"), **EN).content.decode()
    assert "Good standing" in page and "0 credit marks in the last 180 days" in page


def test_my_bookings_says_when_approval_is_needed_and_until_when(client, startup):
    marks_against(startup, 2)
    client.force_login(startup)
    response = client.get(reverse("booking:reservations"), **EN)
    standing = response.context["standing"]
    page = response.content.decode()
    assert "Bookings need approval" in page and "2 credit marks" in page
    assert timezone.localtime(standing.ends).strftime("%Y-%m-%d %H:%M") in page


def test_my_bookings_says_until_when_a_user_is_suspended(client, startup):
    last = marks_against(startup, 4)[0]
    client.force_login(startup)
    page = client.get(reverse("booking:reservations"), **EN).content.decode()
    until = timezone.localtime(last.at + dt.timedelta(days=30)).strftime("%Y-%m-%d %H:%M")
    assert "Suspended" in page and f"You cannot book until {until}." in page


# The record beside a request


def test_the_lab_manager_sees_the_requesters_record_on_the_booking_page(client, startup):
    instrument = f.bookable()
    marks_against(startup, 2)
    reservation = book(instrument, requester=startup)
    client.force_login(f.lab_manager(instrument.lab))
    page = client.get(reverse("booking:reservation", args=[reservation.pk]), **EN).content.decode()
    assert 'id="requester-record"' in page and "Bookings need approval" in page and "2 credit marks" in page


@pytest.mark.parametrize("who", ["requester", "regulator", "platform_admin"])
def test_others_who_see_the_booking_do_not_see_the_record_unless_they_decide(client, startup, who):
    instrument = f.bookable()
    reservation = book(instrument, requester=startup)
    person = {"requester": startup, "regulator": f.regulator(), "platform_admin": f.platform_admin()}[who]
    client.force_login(person)
    response = client.get(reverse("booking:reservation", args=[reservation.pk]), **EN)
    assert response.status_code == 200
    assert ('id="requester-record"' in response.content.decode()) == (who == "platform_admin")


def test_the_inbox_shows_each_requesters_record_from_one_query(client):
    instrument = f.bookable()
    manager = f.lab_manager(instrument.lab)
    client.force_login(manager)

    def inbox_queries():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("booking:inbox"), **EN)
        assert response.status_code == 200
        return len(queries), response.content.decode()

    requester = f.UserFactory()
    marks_against(requester, 2)
    book(instrument, requester=requester, start=at(2, 8))
    one, page = inbox_queries()
    assert "Bookings need approval" in page
    for hour in (10, 12, 14, 16):
        book(instrument, start=at(2, hour))
    many, page = inbox_queries()
    assert many == one
    assert page.count('data-credit="good"') == 4 and page.count('data-credit="approval_needed"') == 1


# The credit marks page


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    assert client.get(reverse("booking:credit-marks")).status_code == 302
    response = client.post(reverse("booking:credit-mark-lift", args=[world["own"].pk]), {"reason": "x"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert CreditMark.objects.filter(lifted_at__isnull=False).count() == 0


@pytest.mark.parametrize(
    ("who", "sees", "lift_forms"),
    [
        ("member", {"MINE"}, 0),
        ("other_org_admin", set(), 0),
        ("lab_manager", set(), 0),
        ("org_admin", {"MINE", "COLLEAGUE"}, 2),
        ("platform_admin", {"MINE", "COLLEAGUE", "ELSEWHERE"}, 3),
    ],
)
def test_the_marks_page_shows_whom_which_marks_and_lift_forms(client, startup, world, who, sees, lift_forms):
    person = {
        "member": startup, "other_org_admin": f.org_admin(), "lab_manager": f.lab_manager(),
        "org_admin": f.org_admin(startup.organization), "platform_admin": f.platform_admin(),
    }[who]  # fmt: skip
    client.force_login(person)
    response = client.get(reverse("booking:credit-marks"), **EN)
    assert response.status_code == 200
    assert {mark.reference for mark, _ in response.context["rows"]} == sees
    assert response.content.decode().count('name="reason"') == lift_forms


@pytest.mark.parametrize(
    ("who", "status", "lifted"),
    [("member", 403, False), ("other_org_admin", 404, False), ("lab_manager", 404, False), ("org_admin", 302, True),
     ("platform_admin", 302, True)],
)  # fmt: skip
def test_lifting_on_the_page(client, startup, world, who, status, lifted):
    person = {
        "member": startup, "other_org_admin": f.org_admin(), "lab_manager": f.lab_manager(),
        "org_admin": f.org_admin(startup.organization), "platform_admin": f.platform_admin(),
    }[who]  # fmt: skip
    client.force_login(person)
    response = client.post(reverse("booking:credit-mark-lift", args=[world["own"].pk]), {"reason": "银行延误"}, **EN)
    assert response.status_code == status
    world["own"].refresh_from_db()
    assert (world["own"].lifted_at is not None) == lifted
    assert CreditMark.objects.filter(lifted_at__isnull=False).count() == (1 if lifted else 0)


def test_lifting_without_a_reason_is_refused_with_a_message(client, startup, world):
    client.force_login(f.org_admin(startup.organization))
    response = client.post(reverse("booking:credit-mark-lift", args=[world["own"].pk]), {"reason": " "}, follow=True,
                           **EN)  # fmt: skip
    assert "Say why the mark is lifted." in response.content.decode()
    world["own"].refresh_from_db()
    assert world["own"].lifted_at is None


def test_lifting_only_by_post(client, startup, world):
    client.force_login(f.org_admin(startup.organization))
    assert client.get(reverse("booking:credit-mark-lift", args=[world["own"].pk])).status_code == 405
