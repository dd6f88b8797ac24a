"""Ratings on the pages: the instrument page's averages and replies, "Rate" for the
requester, the rating form, the lab's reply form; who may open and post what."""

import pytest
from django.urls import reverse

from billing.models import Rating
from booking.models import Reservation
from tests import factories as f

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def booking():
    return f.ReservationFactory(status=Reservation.Status.COMPLETED)


def rate_url(booking):
    return reverse("ratings:rate", args=["booking", booking.pk])


SCORES = {"service": "5", "condition": "4", "timeliness": "3", "comment": "样品处理及时"}


def person(who, booking):
    """Log nobody in for "anonymous"; else the person named."""
    return {
        "anonymous": lambda: None,
        "requester": lambda: booking.requester,
        "colleague": lambda: f.UserFactory(organization=booking.organization),
        "other_lab_manager": f.lab_manager,
        "lab_manager": lambda: f.lab_manager(booking.instrument.lab),
        "platform_admin": f.platform_admin,
    }[who]()


# The instrument page


def test_the_instrument_page_shows_averages_and_the_latest_ratings_with_replies(client, booking):
    f.RatingFactory(reservation=booking, service=5, condition=4, timeliness=3, comment="数据清晰", reply="谢谢",
                    replied_at=booking.end)  # fmt: skip
    page = client.get(reverse("instruments:detail", args=[booking.instrument.code]), **EN).content.decode()
    assert 'id="ratings"' in page and "4.0</strong> / 5" in page and "满意" in page
    assert "数据清晰" in page and "谢谢" in page
    assert booking.requester.username not in page


def test_an_instrument_without_ratings_shows_no_ratings_panel(client):
    instrument = f.InstrumentFactory()
    page = client.get(reverse("instruments:detail", args=[instrument.code]), **EN).content.decode()
    assert 'id="ratings"' not in page


@pytest.mark.parametrize(("who", "form"), [("anonymous", False), ("requester", False), ("other_lab_manager", False),
                                           ("lab_manager", True), ("platform_admin", True)])  # fmt: skip
def test_only_the_lab_sees_the_reply_form(client, booking, who, form):
    f.RatingFactory(reservation=booking)
    if by := person(who, booking):
        client.force_login(by)
    page = client.get(reverse("instruments:detail", args=[booking.instrument.code]), **EN).content.decode()
    assert ('name="text"' in page) == form


# Rate


def test_the_requester_finds_rate_on_the_booking_and_on_my_bookings(client, booking):
    client.force_login(booking.requester)
    page = client.get(reverse("booking:reservation", args=[booking.pk]), **EN).content.decode()
    assert rate_url(booking) in page
    mine = client.get(reverse("booking:reservations"), **EN).content.decode()
    assert 'id="to-rate"' in mine and rate_url(booking) in mine


def test_rate_is_offered_to_nobody_else_and_not_twice(client, booking):
    client.force_login(f.lab_manager(booking.instrument.lab))
    assert rate_url(booking) not in client.get(reverse("booking:reservation", args=[booking.pk])).content.decode()
    f.RatingFactory(reservation=booking)
    client.force_login(booking.requester)
    assert rate_url(booking) not in client.get(reverse("booking:reservation", args=[booking.pk])).content.decode()
    assert 'id="to-rate"' not in client.get(reverse("booking:reservations")).content.decode()


def test_rate_is_not_offered_before_completion(client):
    booking = f.ReservationFactory(status=Reservation.Status.APPROVED)
    client.force_login(booking.requester)
    assert rate_url(booking) not in client.get(reverse("booking:reservation", args=[booking.pk])).content.decode()


def test_the_requester_rates_on_the_form(client, booking):
    client.force_login(booking.requester)
    assert client.get(rate_url(booking), **EN).status_code == 200
    response = client.post(rate_url(booking), SCORES, **EN)
    assert response["Location"] == reverse("instruments:detail", args=[booking.instrument.code])
    rating = Rating.objects.get()
    assert (rating.service, rating.condition, rating.timeliness, rating.comment) == (5, 4, 3, "样品处理及时")


def test_a_sample_order_is_rated_on_the_form_too(client):
    order = f.SampleOrderFactory(status="completed")
    client.force_login(order.requester)
    response = client.post(reverse("ratings:rate", args=["order", order.pk]), SCORES, **EN)
    assert response.status_code == 302 and Rating.objects.get().sample_order == order


@pytest.mark.parametrize("bad", ["0", "6", "3.5", ""])
def test_a_bad_score_is_shown_on_the_form_and_writes_nothing(client, booking, bad):
    client.force_login(booking.requester)
    response = client.post(rate_url(booking), {**SCORES, "service": bad}, **EN)
    assert response.status_code == 200 and response.context["form"].errors["service"]
    assert not Rating.objects.exists()


def test_a_second_rating_is_refused_on_the_form(client, booking):
    f.RatingFactory(reservation=booking, service=2)
    client.force_login(booking.requester)
    response = client.post(rate_url(booking), SCORES, **EN)
    assert "This has been rated already" in response.content.decode()
    assert Rating.objects.get().service == 2


def test_an_unfinished_booking_is_refused_on_the_form(client):
    booking = f.ReservationFactory(status=Reservation.Status.APPROVED)
    client.force_login(booking.requester)
    response = client.post(rate_url(booking), SCORES, **EN)
    assert "Only a completed booking or sample order can be rated." in response.content.decode()
    assert not Rating.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("anonymous", 302), ("colleague", 404), ("lab_manager", 404),
                                             ("platform_admin", 404)])  # fmt: skip
def test_nobody_else_opens_or_posts_the_rating_form(client, booking, who, status):
    if by := person(who, booking):
        client.force_login(by)
    assert client.get(rate_url(booking)).status_code == status
    assert client.post(rate_url(booking), SCORES).status_code == status
    assert not Rating.objects.exists()


def test_an_unknown_kind_is_404(client, booking):
    client.force_login(booking.requester)
    assert client.get(f"/ratings/invoice/{booking.pk}/").status_code == 404


# Reply


@pytest.mark.parametrize(("who", "status", "replied"), [("anonymous", 302, False), ("requester", 403, False),
                                                        ("other_lab_manager", 403, False), ("lab_manager", 302, True),
                                                        ("platform_admin", 302, True)])  # fmt: skip
def test_who_may_reply_on_the_page(client, booking, who, status, replied):
    rating = f.RatingFactory(reservation=booking)
    if by := person(who, booking):
        client.force_login(by)
    response = client.post(reverse("ratings:reply", args=[rating.pk]), {"text": "感谢您的评价"}, **EN)
    assert response.status_code == status
    rating.refresh_from_db()
    assert (rating.reply == "感谢您的评价") == replied


def test_a_second_reply_is_refused_with_a_message(client, booking):
    rating = f.RatingFactory(reservation=booking, reply="第一次", replied_at=booking.end)
    client.force_login(f.lab_manager(booking.instrument.lab))
    response = client.post(reverse("ratings:reply", args=[rating.pk]), {"text": "第二次"}, follow=True, **EN)
    assert "The lab has replied already" in response.content.decode()
    rating.refresh_from_db()
    assert rating.reply == "第一次"
