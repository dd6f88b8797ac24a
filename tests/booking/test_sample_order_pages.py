"""Sample order pages: order from the instrument page, follow it, decide from the inbox and
the order page, record results, confirm, download; who may open which page."""

import pytest
from django.urls import reverse

from booking.models import SampleOrder
from tests import factories as f
from tests.booking import sample_helpers as h

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def login(client, user):
    if user is not None:
        client.force_login(user)
    return client


def test_the_instrument_page_offers_sample_testing_next_to_booking(client):
    instrument = f.bookable()
    page = client.get(reverse("instruments:detail", args=[instrument.code]), **EN).content.decode()
    order_link = reverse("booking:sample-order-create", args=[instrument.code])
    assert "Order sample testing" in page and order_link in page
    assert page.index(reverse("booking:book", args=[instrument.code])) < page.index(order_link)
    closed = f.InstrumentFactory()
    closed_page = client.get(reverse("instruments:detail", args=[closed.code]), **EN).content.decode()
    assert "Order sample testing" not in closed_page


def test_a_customer_orders_from_the_form_and_lands_on_the_order(client):
    instrument = f.bookable()
    customer = h.startup_user()
    url = reverse("booking:sample-order-create", args=[instrument.code])
    assert client.get(url)["Location"].startswith(reverse("login"))
    login(client, customer)
    assert "Number of samples" in client.get(url, **EN).content.decode()
    response = client.post(url, {"samples": "6", "description": "陶瓷片 SEM 形貌", "cost_centre": ""})
    order = SampleOrder.objects.get()
    assert response["Location"] == reverse("booking:sample-order", args=[order.pk])
    assert (order.requester, order.samples, order.status) == (customer, 6, "pending")
    page = client.get(response["Location"], **EN).content.decode()
    assert "陶瓷片 SEM 形貌" in page and "Pending" in page


@pytest.mark.parametrize(
    ("samples", "message"),
    [("0", "Give the number of samples as a whole number from 1 to 1000."),
     ("-2", "Give the number of samples as a whole number from 1 to 1000."),
     ("1.5", "Give the number of samples as a whole number from 1 to 1000."),
     ("", "Give the number of samples as a whole number from 1 to 1000."),
     ("5000", "At most 1000 samples per order; split a larger batch into several orders.")],
)  # fmt: skip
def test_a_bad_number_of_samples_shows_on_its_field(client, samples, message):
    instrument = f.bookable()
    login(client, h.startup_user())
    response = client.post(
        reverse("booking:sample-order-create", args=[instrument.code]),
        {"samples": samples, "description": "XRD"}, **EN,
    )  # fmt: skip
    assert response.status_code == 400
    assert response.context["form"].errors == {"samples": [message]}
    assert message in response.content.decode()
    assert not SampleOrder.objects.exists()


def test_who_may_not_order_is_told_before_and_after_sending(client):
    instrument = f.bookable(who_may_book="institution")
    login(client, h.startup_user())
    url = reverse("booking:sample-order-create", args=[instrument.code])
    assert "Only members of" in client.get(url, **EN).content.decode()
    response = client.post(url, {"samples": "2", "description": "XRD"}, **EN)
    assert response.status_code == 400 and response.context["form"].non_field_errors()
    assert not SampleOrder.objects.exists()


def test_my_orders_and_my_bookings_list_the_customers_orders(client):
    order = h.order()
    h.order()  # someone else's
    login(client, order.requester)
    listing = client.get(reverse("booking:sample-orders"), **EN)
    assert [o.pk for o in listing.context["mine"]] == [order.pk]
    bookings = client.get(reverse("booking:reservations"), **EN)
    assert [o.pk for o in bookings.context["sample_orders"]] == [order.pk]
    assert reverse("booking:sample-order", args=[order.pk]) in bookings.content.decode()


def test_a_lab_manager_lists_the_labs_orders(client):
    order = h.order()
    login(client, h.manager_of(order))
    listing = client.get(reverse("booking:sample-orders"), **EN)
    assert [o.pk for o in listing.context["labs"]] == [order.pk] and "For my labs" in listing.content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("stranger", 404), ("colleague", 404), ("other lab manager", 404), ("regulator", 200),
     ("requester", 200), ("manager", 200), ("org admin", 200), ("institution admin", 200)],
)  # fmt: skip
def test_who_may_open_an_order(client, who, status):
    order = h.order()
    response = login(client, h.person(who, order)).get(reverse("booking:sample-order", args=[order.pk]), **EN)
    assert response.status_code == status
    if status == 200:
        decides = who in ("manager", "institution admin")
        assert response.context["can_decide"] is decides
        assert ("Accept" in response.content.decode()) is decides


DOORS = ["anonymous", "stranger", "other lab manager", "regulator", "requester", "org admin", "manager"]
ALLOWED = {
    "accept": {"manager"},
    "reject": {"manager"},
    "cancel": {"requester", "manager"},
    "complete": {"manager"},
    "confirm": {"requester", "org admin"},
}


@pytest.mark.parametrize("action", list(ALLOWED))
@pytest.mark.parametrize("who", DOORS)
def test_every_page_action_opens_only_to_its_people(client, action, who):
    order = {"complete": h.accepted, "confirm": h.completed}.get(action, h.order)()
    before = SampleOrder.objects.values("status", "confirmed_at").get()
    data = {"reason": "样品不合格"} | ({"results": h.upload()} if action == "complete" else {})
    response = login(client, h.person(who, order)).post(
        reverse("booking:sample-order-action", args=[order.pk, action]), data
    )
    after = SampleOrder.objects.values("status", "confirmed_at").get()
    if who in ALLOWED[action]:
        assert response.status_code == 302 and after != before
    else:
        expected = {"anonymous": 302, "stranger": 404, "other lab manager": 404}.get(who, 403)
        assert response.status_code == expected and after == before


def test_actions_only_take_post(client):
    order = h.order()
    login(client, h.manager_of(order))
    assert client.get(reverse("booking:sample-order-action", args=[order.pk, "accept"])).status_code == 405
    assert client.post(reverse("booking:sample-order-action", args=[order.pk, "explode"])).status_code == 404


def test_the_inbox_lists_sample_orders_and_accepts_them(client):
    order = h.order()
    manager = h.manager_of(order)
    login(client, manager)
    inbox = client.get(reverse("booking:inbox"), **EN)
    assert [o.pk for o in inbox.context["sample_orders"]] == [order.pk]
    partial = client.get(reverse("booking:inbox"), {"partial": 1}, **EN).content.decode()
    assert f'data-sample-order="{order.pk}"' in partial and "<html" not in partial
    response = client.post(
        reverse("booking:sample-order-action", args=[order.pk, "accept"]), {"next": reverse("booking:inbox")}
    )
    assert response["Location"] == reverse("booking:inbox")
    assert SampleOrder.objects.get().status == "accepted"
    assert "Record the results" in client.get(reverse("booking:inbox"), **EN).content.decode()
    other = f.lab_manager()
    login(client, other)
    assert list(client.get(reverse("booking:inbox")).context["sample_orders"]) == []


def test_rejecting_without_a_reason_shows_the_error_on_the_page(client):
    order = h.order()
    login(client, h.manager_of(order))
    url = reverse("booking:sample-order-action", args=[order.pk, "reject"])
    response = client.post(url, {"reason": "  "}, **EN)
    assert response.status_code == 400
    assert response.context["reject_form"].errors == {"reason": ["Give the requester a reason."]}
    assert SampleOrder.objects.get().status == "pending"
    client.post(url, {"reason": "样品含汞"})
    login(client, order.requester)
    page = client.get(reverse("booking:sample-order", args=[order.pk]), **EN).content.decode()
    assert "样品含汞" in page and "Rejected" in page


def test_a_renamed_program_is_refused_on_the_page_and_nothing_is_written(client, settings):
    order = h.accepted()
    login(client, h.manager_of(order))
    response = client.post(
        reverse("booking:sample-order-action", args=[order.pk, "complete"]),
        {"results": h.upload("报告.pdf", h.EXE), "note": "x"}, **EN,
    )  # fmt: skip
    assert response.status_code == 400
    [error] = response.context["complete_form"].errors["results"]
    assert "is not really a PDF file" in error and error in response.content.decode()
    assert SampleOrder.objects.get().status == "accepted"
    assert h.stored_files(settings.MEDIA_ROOT) == []


def test_results_recorded_on_the_page_are_downloaded_and_confirmed_by_the_customer(client):
    order = h.accepted()
    login(client, h.manager_of(order))
    client.post(
        reverse("booking:sample-order-action", args=[order.pk, "complete"]),
        {"results": h.upload("XRD 报告.pdf"), "note": "物相见第 2 页"},
    )  # fmt: skip
    order.refresh_from_db()
    assert order.status == "completed"
    login(client, order.requester)
    page = client.get(reverse("booking:sample-order", args=[order.pk]), **EN)
    assert page.context["can_confirm"] and page.context["can_download"]
    assert "物相见第 2 页" in page.content.decode() and "Confirm the results" in page.content.decode()
    download = client.get(reverse("booking:sample-order-results", args=[order.pk]))
    assert b"".join(download.streaming_content) == h.PDF
    assert download["Content-Disposition"].startswith("attachment")
    assert "XRD_" in download["Content-Disposition"]
    client.post(reverse("booking:sample-order-action", args=[order.pk, "confirm"]))
    assert SampleOrder.objects.get().confirmed_at is not None
    assert not client.get(reverse("booking:sample-order", args=[order.pk])).context["can_confirm"]


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("stranger", 404), ("colleague", 404), ("other lab manager", 404), ("regulator", 403),
     ("requester", 200), ("org admin", 200), ("manager", 200), ("institution admin", 200)],
)  # fmt: skip
def test_who_may_download_the_results_page(client, who, status):
    order = h.completed()
    response = login(client, h.person(who, order)).get(reverse("booking:sample-order-results", args=[order.pk]))
    assert response.status_code == status


def test_results_are_never_a_public_media_url(client):
    order = h.completed()
    login(client, order.requester)
    name = order.results.name
    assert client.get(f"/media/{name}").status_code == 404
    assert client.get(f"/media/x/../{name}").status_code == 404
    assert client.get(f"/media/{name.upper()}").status_code == 404
    assert name not in client.get(reverse("booking:sample-order", args=[order.pk])).content.decode()


def test_an_order_without_results_has_nothing_to_download(client):
    order = h.accepted()
    login(client, order.requester)
    assert client.get(reverse("booking:sample-order-results", args=[order.pk])).status_code == 404


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_sample_order_pages_answer_in_both_languages(client, language):
    order = h.order()
    login(client, order.requester)
    for url in (
        reverse("booking:sample-orders"),
        reverse("booking:sample-order", args=[order.pk]),
        reverse("booking:sample-order-create", args=[order.instrument.code]),
    ):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        assert f'<html lang="{language}">' in response.content.decode()
