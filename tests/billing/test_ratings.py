"""Ratings: the requester rates a completed booking or sample order once; the lab replies
once; averages per instrument; NRII's satisfaction words."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from billing import ratings
from billing.models import Rating
from booking.models import Reservation, SampleOrder
from instruments.models import Instrument
from openness.nrii import services_document
from openness.periods import Period
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def booking():
    return f.ReservationFactory(status=Reservation.Status.COMPLETED)


def rate(booking, by=None, **scores):
    values = {"service": 5, "condition": 4, "timeliness": 3, **scores}
    return ratings.rating_create(by=by or booking.requester, reservation=booking, **values)


# Rating


def test_the_requester_rates_a_completed_booking(booking):
    rating = rate(booking, comment=" 服务很好 ")
    assert (rating.instrument, rating.customer, rating.reservation, rating.sample_order) == (
        booking.instrument, booking.requester, booking, None,
    )  # fmt: skip
    assert (rating.service, rating.condition, rating.timeliness, rating.comment) == (5, 4, 3, "服务很好")
    assert rating.average == 4


def test_the_customer_rates_a_completed_sample_order():
    order = f.SampleOrderFactory(status=SampleOrder.Status.COMPLETED)
    rating = ratings.rating_create(by=order.requester, sample_order=order, service=4, condition=4, timeliness=5)
    assert rating.sample_order == order and rating.instrument == order.instrument


@pytest.mark.parametrize("status", ["pending", "approved", "cancelled", "no_show", "rejected"])
def test_only_a_completed_booking_is_rated(status):
    booking = f.ReservationFactory(status=status)
    with pytest.raises(ValidationError) as caught:
        rate(booking)
    assert caught.value.messages == [str(ratings.NOT_COMPLETED)]
    assert not Rating.objects.exists()


@pytest.mark.parametrize("status", ["pending", "accepted", "rejected", "cancelled"])
def test_only_a_completed_sample_order_is_rated(status):
    order = f.SampleOrderFactory(status=status)
    with pytest.raises(ValidationError):
        ratings.rating_create(by=order.requester, sample_order=order, service=4, condition=4, timeliness=4)
    assert not Rating.objects.exists()


def test_nobody_else_rates_someone_elses_booking(booking):
    for other in (f.UserFactory(organization=booking.organization), f.lab_manager(booking.instrument.lab),
                  f.platform_admin()):  # fmt: skip
        with pytest.raises(PermissionDenied):
            rate(booking, by=other)
    assert not Rating.objects.exists()


def test_a_booking_is_rated_once(booking):
    rate(booking)
    with pytest.raises(ValidationError) as caught:
        rate(booking, service=1)
    assert caught.value.messages == [str(ratings.ALREADY_RATED)]
    assert Rating.objects.get().service == 5


def test_the_database_refuses_a_second_rating_too(booking):
    rate(booking)
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(reservation=booking, instrument=booking.instrument, customer=booking.requester,
                              service=1, condition=1, timeliness=1)  # fmt: skip


@pytest.mark.parametrize("bad", [0, 6, 3.5, "3", None, True, -1])
@pytest.mark.parametrize("field", ["service", "condition", "timeliness"])
def test_scores_are_whole_numbers_from_1_to_5_field_by_field(booking, field, bad):
    with pytest.raises(ValidationError) as caught:
        rate(booking, **{field: bad})
    assert caught.value.message_dict == {field: [str(ratings.SCORE_RANGE)]}
    assert not Rating.objects.exists()


def test_every_bad_score_is_named_at_once(booking):
    with pytest.raises(ValidationError) as caught:
        rate(booking, service=0, condition=6, timeliness=2.5)
    assert set(caught.value.message_dict) == {"service", "condition", "timeliness"}


def test_a_rating_is_of_one_booking_or_one_order(booking):
    order = f.SampleOrderFactory(status="completed", requester=booking.requester)
    for subjects in ({}, {"reservation": booking, "sample_order": order}):
        with pytest.raises(ValidationError):
            ratings.rating_create(by=booking.requester, service=3, condition=3, timeliness=3, **subjects)
    assert not Rating.objects.exists()


# Replying


@pytest.mark.parametrize("who", ["lab_manager", "institution_admin", "platform_admin"])
def test_the_lab_replies(booking, who):
    rating = rate(booking)
    lab = booking.instrument.lab
    by = {"lab_manager": lambda: f.lab_manager(lab), "institution_admin": lambda: f.org_admin(lab.institution),
          "platform_admin": f.platform_admin}[who]()  # fmt: skip
    ratings.rating_reply(rating=rating, by=by, text=" 感谢反馈 ")
    rating.refresh_from_db()
    assert (rating.reply, rating.replied_by) == ("感谢反馈", by) and rating.replied_at


def test_nobody_else_replies(booking):
    rating = rate(booking)
    for other in (booking.requester, f.lab_manager(), f.org_admin(booking.organization)):
        with pytest.raises(PermissionDenied):
            ratings.rating_reply(rating=rating, by=other, text="回复")
    rating.refresh_from_db()
    assert rating.reply == "" and rating.replied_at is None


def test_a_reply_needs_text(booking):
    rating = rate(booking)
    with pytest.raises(ValidationError) as caught:
        ratings.rating_reply(rating=rating, by=f.lab_manager(booking.instrument.lab), text="  ")
    assert caught.value.message_dict == {"text": [str(ratings.REPLY_REQUIRED)]}
    rating.refresh_from_db()
    assert rating.replied_at is None


def test_the_lab_replies_once(booking):
    rating = rate(booking)
    manager = f.lab_manager(booking.instrument.lab)
    ratings.rating_reply(rating=rating, by=manager, text="第一次")
    with pytest.raises(ValidationError) as caught:
        ratings.rating_reply(rating=rating, by=f.lab_manager(booking.instrument.lab), text="第二次")
    assert caught.value.messages == [str(ratings.ALREADY_REPLIED)]
    rating.refresh_from_db()
    assert (rating.reply, rating.replied_by) == ("第一次", manager)


# Reading


def test_an_instrument_summary_averages_each_dimension_and_overall():
    instrument = f.InstrumentFactory()
    for service, condition, timeliness in ((5, 4, 3), (4, 4, 4), (3, 5, 5)):
        f.RatingFactory(reservation__instrument=instrument, service=service, condition=condition, timeliness=timeliness)
    summary = ratings.instrument_rating_summary(instrument)
    assert (summary.count, summary.service, summary.condition, summary.timeliness) == (3, 4.0, 4.33, 4.0)
    assert summary.overall == 4.11 and summary.nrii == "满意"


def test_an_instrument_without_ratings_has_an_empty_summary():
    summary = ratings.instrument_rating_summary(f.InstrumentFactory())
    assert (summary.count, summary.overall, summary.nrii) == (0, None, None)


def test_summaries_of_many_instruments_take_one_query():
    instruments = [f.InstrumentFactory() for _ in range(4)]
    for n, instrument in enumerate(instruments[:3]):
        f.RatingFactory(reservation__instrument=instrument, service=n + 1, condition=n + 1, timeliness=n + 1)
    with CaptureQueriesContext(connection) as queries:
        summaries = ratings.ratings_summary_many([i.pk for i in instruments])
    assert len(queries) == 1
    assert [summaries[i.pk].overall for i in instruments[:3]] == [1.0, 2.0, 3.0]
    assert instruments[3].pk not in summaries


@pytest.mark.parametrize(
    ("average", "words"),
    [(5, "非常满意"), (4.5, "非常满意"), (4.49, "满意"), (3.5, "满意"), (3.49, "一般"), (2.5, "一般"),
     (2.49, "不满意"), (1.5, "不满意"), (1.49, "极差"), (1, "极差"), (None, None)],
)  # fmt: skip
def test_nrii_words_for_an_average(average, words):
    assert ratings.nrii_comment(average) == words


def test_nrii_service_records_carry_the_bookings_rating():
    start = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)
    rated = f.ReservationFactory(start=start, end=start + dt.timedelta(hours=2))
    f.RatingFactory(reservation=rated, service=2, condition=2, timeliness=3)
    f.ReservationFactory(instrument=rated.instrument, start=start + dt.timedelta(days=1),
                         end=start + dt.timedelta(days=1, hours=1))  # fmt: skip
    document = services_document(
        instruments=Instrument.objects.all(), period=Period(dt.date(2026, 3, 1), dt.date(2026, 4, 1))
    )
    records = document["units"][0]["records"]
    assert [r["serviceTime"][:10] for r in records] == ["2026-03-10", "2026-03-11"]
    assert [r["comment"] for r in records] == ["不满意", None]
