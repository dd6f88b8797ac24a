"""Ratings over REST: public to read, rated by the requester, answered by the lab; the
instrument API's rating_average and rating_count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing import ratings
from billing.models import Rating
from booking.models import Reservation
from tests import factories as f

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
URL = "/api/v1/ratings/"


@pytest.fixture
def booking():
    return f.ReservationFactory(status=Reservation.Status.COMPLETED)


def body(booking, **values):
    return {"reservation": booking.pk, "service": 5, "condition": 4, "timeliness": 4, "comment": "很好", **values}


def test_ratings_are_public_to_read_and_name_no_customer(api, booking):
    rating = f.RatingFactory(reservation=booking, comment="准时")
    f.RatingFactory()  # another instrument's
    response = api.get(URL, {"instrument": booking.instrument_id}, **EN)
    assert response.status_code == 200
    (item,) = response.json()["results"]
    assert item["id"] == rating.pk and item["comment"] == "准时" and item["average"] == 4.0
    assert item["instrument_code"] == booking.instrument.code and item["replied_by"] is None
    assert booking.requester.username not in response.content.decode()
    assert api.get(f"{URL}{rating.pk}/").status_code == 200


def test_anonymous_callers_may_not_rate_or_reply(api, booking):
    assert api.post(URL, body(booking), format="json").status_code == 401
    rating = f.RatingFactory()
    assert api.post(f"{URL}{rating.pk}/reply/", {"text": "谢谢"}, format="json").status_code == 401
    assert Rating.objects.count() == 1


def test_the_requester_rates_a_completed_booking(api, booking):
    api.force_authenticate(booking.requester)
    response = api.post(URL, body(booking), format="json", **EN)
    assert response.status_code == 201, response.content
    assert response.json()["reservation"] == booking.pk and response.json()["service"] == 5
    assert Rating.objects.get().customer == booking.requester


@pytest.mark.parametrize("bad", [0, 6, 3.5, "five", None])
def test_a_bad_score_is_400_field_by_field_and_writes_nothing(api, booking, bad):
    api.force_authenticate(booking.requester)
    response = api.post(URL, body(booking, condition=bad), format="json", **EN)
    assert response.status_code == 400
    assert list(response.json()) == ["condition"]
    if bad is not None:
        assert response.json()["condition"] == [str(ratings.SCORE_RANGE)]
    assert not Rating.objects.exists()


def test_a_second_rating_is_400(api, booking):
    api.force_authenticate(booking.requester)
    api.post(URL, body(booking), format="json")
    response = api.post(URL, body(booking, service=1), format="json", **EN)
    assert response.status_code == 400 and response.json() == {"non_field_errors": [str(ratings.ALREADY_RATED)]}
    assert Rating.objects.get().service == 5


def test_rating_someone_elses_booking_is_403(api, booking):
    api.force_authenticate(f.UserFactory(organization=booking.organization))
    response = api.post(URL, body(booking), format="json", **EN)
    assert response.status_code == 403 and response.json()["detail"] == str(ratings.NOT_REQUESTER)
    assert not Rating.objects.exists()


def test_rating_an_unfinished_booking_is_400(api):
    booking = f.ReservationFactory(status=Reservation.Status.APPROVED)
    api.force_authenticate(booking.requester)
    response = api.post(URL, body(booking), format="json", **EN)
    assert response.status_code == 400 and response.json() == {"non_field_errors": [str(ratings.NOT_COMPLETED)]}


def test_a_rating_names_one_booking_or_order(api, booking):
    api.force_authenticate(booking.requester)
    response = api.post(URL, {"service": 3, "condition": 3, "timeliness": 3}, format="json", **EN)
    assert response.status_code == 400 and response.json() == {"non_field_errors": [str(ratings.ONE_SUBJECT)]}


@pytest.mark.parametrize(
    ("who", "status"),
    [("member", 403), ("requester", 403), ("other_lab_manager", 403), ("other_org_admin", 403),
     ("lab_manager", 200), ("institution_admin", 200), ("platform_admin", 200)],
)  # fmt: skip
def test_who_may_reply(api, booking, who, status):
    rating = f.RatingFactory(reservation=booking)
    lab = booking.instrument.lab
    by = {
        "member": lambda: f.UserFactory(), "requester": lambda: booking.requester, "other_lab_manager": f.lab_manager,
        "other_org_admin": f.org_admin, "lab_manager": lambda: f.lab_manager(lab),
        "institution_admin": lambda: f.org_admin(lab.institution), "platform_admin": f.platform_admin,
    }[who]()  # fmt: skip
    api.force_authenticate(by)
    response = api.post(f"{URL}{rating.pk}/reply/", {"text": "感谢"}, format="json", **EN)
    assert response.status_code == status, response.content
    rating.refresh_from_db()
    assert (rating.reply == "感谢") == (status == 200)
    if status == 200:
        assert response.json()["reply"] == "感谢" and response.json()["replied_by"] == lab.name


def test_a_reply_is_given_once_and_needs_text(api, booking):
    rating = f.RatingFactory(reservation=booking)
    api.force_authenticate(f.lab_manager(booking.instrument.lab))
    blank = api.post(f"{URL}{rating.pk}/reply/", {"text": " "}, format="json", **EN)
    assert blank.status_code == 400 and blank.json() == {"text": [str(ratings.REPLY_REQUIRED)]}
    assert api.post(f"{URL}{rating.pk}/reply/", {"text": "一"}, format="json").status_code == 200
    again = api.post(f"{URL}{rating.pk}/reply/", {"text": "二"}, format="json", **EN)
    assert again.status_code == 400 and again.json() == {"non_field_errors": [str(ratings.ALREADY_REPLIED)]}
    rating.refresh_from_db()
    assert rating.reply == "一"


# The instrument API


def test_instruments_carry_their_rating_average_and_count(api):
    rated, unrated = f.InstrumentFactory(), f.InstrumentFactory()
    f.RatingFactory(reservation__instrument=rated, service=5, condition=5, timeliness=5)
    f.RatingFactory(reservation__instrument=rated, service=3, condition=4, timeliness=5)
    listed = {i["code"]: i for i in api.get("/api/v1/instruments/").json()["results"]}
    assert (listed[rated.code]["rating_average"], listed[rated.code]["rating_count"]) == (4.5, 2)
    assert (listed[unrated.code]["rating_average"], listed[unrated.code]["rating_count"]) == (None, 0)
    detail = api.get(f"/api/v1/instruments/{rated.pk}/").json()
    assert (detail["rating_average"], detail["rating_count"]) == (4.5, 2)


def test_the_instrument_list_reads_ratings_once_for_the_page(api):
    for _ in range(5):
        f.RatingFactory()
    with CaptureQueriesContext(connection) as captured:
        body = api.get("/api/v1/instruments/").json()
    assert [i["rating_count"] for i in body["results"]] == [1] * 5
    assert sum("billing_rating" in q["sql"] for q in captured.captured_queries) == 1
