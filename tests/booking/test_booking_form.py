"""The booking form: prefilled from a click on the week calendar or a search result within
the instrument's rules, with the day's free times, the rules in plain words and billing's
cost estimate beside it."""

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from tests import factories as f
from tests.booking.helpers import at, book

pytestmark = pytest.mark.django_db


@pytest.fixture
def startup():
    return f.UserFactory(organization=f.OrganizationFactory(kind="enterprise"))


def free_blocks(client, instrument, day):
    week = client.get(reverse("booking:calendar", args=[instrument.code]), {"week": day.date().isoformat()})
    return [b for d in week.context["days"] for b in d["blocks"] if b.kind == "free" and b.start.date() == day.date()]


def prefill(client, url):
    initial = client.get(url).context["form"].initial
    return initial["day"], initial["start_time"], initial.get("end_time")


def test_a_click_on_the_week_calendar_offers_the_time_clicked(client, startup):
    instrument = f.bookable()
    (block,) = free_blocks(client, instrument, at(2, 0))
    assert block.slots[0].start == at(2, 8)
    slot = next(s for s in block.slots if s.start == at(2, 10, 30))
    client.force_login(startup)
    assert prefill(client, slot.url) == (at(2, 0).date(), dt.time(10, 30), dt.time(11, 30))


def test_a_click_too_late_in_free_time_offers_the_latest_start_that_fits(client, startup):
    instrument = f.bookable(min_minutes=120)
    book(instrument, start=at(2, 14), end=at(2, 16))
    blocks = free_blocks(client, instrument, at(2, 0))
    assert [(b.start, b.end) for b in blocks] == [(at(2, 8), at(2, 14)), (at(2, 16), at(2, 20))]
    last = blocks[0].slots[-1]  # 13:30–14:00
    client.force_login(startup)
    assert prefill(client, last.url) == (at(2, 0).date(), dt.time(12), dt.time(14))


def test_a_long_free_span_from_search_is_offered_within_the_longest_booking(client, startup):
    instrument = f.bookable(max_minutes=240)
    client.force_login(startup)
    url = reverse("booking:book", args=[instrument.code])
    long = client.get(url, {"start": at(2, 8).isoformat(), "end": at(2, 20).isoformat()})
    assert long.context["form"].initial["end_time"] == dt.time(12)
    # A start alone (or a naive one) is offered for an hour; nonsense is ignored.
    assert prefill(client, f"{url}?start=" + at(2, 9).replace(tzinfo=None).isoformat())[1:] == (dt.time(9), dt.time(10))
    assert client.get(url, {"start": "soon"}).status_code == 200


def test_the_form_shows_the_days_free_times_and_the_rules_in_plain_words(client, startup):
    instrument = f.bookable(buffer_minutes=15, max_minutes=240)
    book(instrument, start=at(2, 10), end=at(2, 12))
    client.force_login(startup)
    url = reverse("booking:book", args=[instrument.code])
    page = client.get(url, {"start": at(2, 13).isoformat()}, HTTP_ACCEPT_LANGUAGE="en")
    spans = [(t.span.start, t.span.end) for t in page.context["free_times"]]
    assert spans == [(at(2, 8), at(2, 9, 30)), (at(2, 12, 30), at(2, 20))]
    # Each offers its start, within the longest booking.
    query = parse_qs(urlsplit(page.context["free_times"][1].url).query)
    assert query["end"] == [at(2, 16, 30).isoformat()]
    html = page.content.decode()
    assert "Open 08:00–20:00" in html
    assert "A booking lasts from 30 minutes to 4 hours, starting and ending on whole slots of 30 minutes." in html
    assert "The lab keeps 15 minutes free after each booking" in html
    assert "A lab manager approves each request; one not decided within 2 days expires." in html
    chinese = client.get(url, {"start": at(2, 13).isoformat()}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.status_code == 200


def test_the_side_panel_follows_the_day_typed(client, startup):
    instrument = f.bookable(opening=([at(3, 0).weekday()], dt.time(9), dt.time(12)))
    client.force_login(startup)
    url = reverse("booking:book", args=[instrument.code])
    side = client.get(url, {"partial": 1, "day": at(3, 0).date().isoformat()}, HTTP_ACCEPT_LANGUAGE="en")
    assert b"<html" not in side.content
    assert [(t.span.start, t.span.end) for t in side.context["free_times"]] == [(at(3, 9), at(3, 12))]
    closed = client.get(url, {"partial": 1, "day": at(4, 0).date().isoformat()}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Closed all day." in closed.content.decode()
    assert client.get(url, {"partial": 1, "day": "2026-02-31", "start_time": "25:00"}).status_code == 200


def test_the_estimate_comes_from_the_rate_card_for_the_customer(client, startup):
    instrument = f.bookable()
    f.RateCardFactory(instrument=instrument)  # 100 / 200 / 300 CNY an hour
    url = reverse("booking:book", args=[instrument.code])
    period = {"partial": 1, "day": at(2, 0).date().isoformat(), "start_time": "09:00", "end_time": "11:00"}
    client.force_login(startup)
    html = client.get(url, period, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Estimated cost" in html and "¥600.00" in html and "¥36.00" in html and "¥636.00" in html
    insider = f.UserFactory(organization=instrument.lab.institution)
    client.force_login(insider)
    html = client.get(url, period, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "¥200.00" in html and "VAT" not in html
    client.force_login(startup)
    unpriced = f.bookable()
    html = client.get(reverse("booking:book", args=[unpriced.code]), period, HTTP_ACCEPT_LANGUAGE="en")
    assert "has published no price per hour" in html.content.decode()
