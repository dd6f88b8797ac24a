"""A lab manager decides from one panel (each decision confirmed first) and from the inbox:
filtered by instrument and date, approving several at once, each requester's record beside
the request; who may do which."""

import pytest
from django.urls import reverse

from booking import services
from booking.models import Reservation
from tests import factories as f
from tests.booking.helpers import at, book

pytestmark = pytest.mark.django_db

INBOX = reverse("booking:inbox")


@pytest.fixture
def instrument():
    return f.bookable()


@pytest.fixture
def manager(instrument):
    return f.lab_manager(instrument.lab)


def decide(client, reservation, action, **data):
    return client.post(reverse("booking:decide", args=[reservation.pk, action]), data, HTTP_ACCEPT_LANGUAGE="en")


# --- the decision panel ----------------------------------------------------------------


def test_the_panel_offers_approve_reject_and_cancel_to_the_labs_managers(client, instrument, manager):
    reservation = book(instrument)
    client.force_login(manager)
    page = client.get(reverse("booking:reservation", args=[reservation.pk])).content.decode()
    for action in ("approve", "reject", "cancel"):
        assert f'data-decision="{action}"' in page
    client.force_login(reservation.requester)
    page = client.get(reverse("booking:reservation", args=[reservation.pk])).content.decode()
    assert "data-decision" not in page


def test_approval_is_shown_for_confirmation_then_done_with_its_note(client, instrument, manager):
    reservation = book(instrument)
    client.force_login(manager)
    review = decide(client, reservation, "approve", step="review", note="请提前十分钟到", next=INBOX)
    assert review.status_code == 200 and "Approve this request?" in review.content.decode()
    assert "请提前十分钟到" in review.content.decode()
    reservation.refresh_from_db()
    assert reservation.status == "pending"  # nothing happens before the confirmation

    done = decide(client, reservation, "approve", note="请提前十分钟到", next=INBOX)
    assert done["Location"] == INBOX
    reservation.refresh_from_db()
    assert (reservation.status, reservation.status_reason) == ("approved", "请提前十分钟到")
    assert reservation.history.last().reason == "请提前十分钟到"


@pytest.mark.parametrize("action", ["reject", "cancel"])
def test_rejecting_or_cancelling_needs_a_reason(client, instrument, manager, action):
    reservation = book(instrument)
    client.force_login(manager)
    for step in ("review", ""):
        response = decide(client, reservation, action, step=step, reason="  ", next=INBOX)
        assert response["Location"].endswith(f"/reservations/{reservation.pk}/#decide")
    messages = [str(m) for m in client.get(response["Location"]).context["messages"]]
    assert messages == ["Give the requester a reason."] * 2
    reservation.refresh_from_db()
    assert reservation.status == "pending"


def test_the_lab_cancels_an_approved_booking_with_a_reason_and_returns_to_the_inbox(client, instrument, manager):
    reservation = book(instrument)
    services.reservation_approve(reservation=reservation, by=manager)
    client.force_login(manager)
    review = decide(client, reservation, "cancel", step="review", reason="设备故障", next=INBOX)
    assert "Cancel this booking?" in review.content.decode()
    assert decide(client, reservation, "cancel", reason="设备故障", next=INBOX)["Location"] == INBOX
    reservation.refresh_from_db()
    assert (reservation.status, reservation.status_reason) == ("cancelled", "设备故障")


def test_the_requester_still_cancels_without_a_reason(client, instrument):
    reservation = book(instrument)
    client.force_login(reservation.requester)
    decide(client, reservation, "cancel")
    reservation.refresh_from_db()
    assert reservation.status == "cancelled"


def test_a_request_decided_meanwhile_is_reported_not_decided_twice(client, instrument, manager):
    reservation = book(instrument)
    services.reservation_reject(reservation=reservation, by=manager, reason="满")
    client.force_login(manager)
    response = decide(client, reservation, "approve", next=INBOX)
    messages = [str(m) for m in client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").context["messages"]]
    assert any("cannot be approved" in m for m in messages)
    reservation.refresh_from_db()
    assert reservation.status == "rejected"


# --- the inbox -------------------------------------------------------------------------


def test_the_inbox_filters_by_instrument_and_date_and_refreshes_with_its_filters(client, instrument, manager):
    other = f.bookable(f.InstrumentFactory(lab=instrument.lab))
    day_two = book(instrument, start=at(2, 10))
    day_four = book(instrument, start=at(4, 10))
    elsewhere = book(other, start=at(2, 10))
    client.force_login(manager)

    def shown(**filters):
        return [r.pk for r in client.get(INBOX, filters).context["pending"]]

    assert shown() == [day_two.pk, elsewhere.pk, day_four.pk]
    assert shown(instrument=instrument.code) == [day_two.pk, day_four.pk]
    assert shown(instrument=instrument.code, **{"from": at(3, 0).date().isoformat()}) == [day_four.pk]
    assert shown(to=at(2, 0).date().isoformat()) == [day_two.pk, elsewhere.pk]
    assert shown(**{"from": "not a date"}) == [day_two.pk, elsewhere.pk, day_four.pk]

    page = client.get(INBOX, {"instrument": other.code})
    # The live refresh reloads the rows with the same filters, and decisions come back to them.
    refresh = page.context["refresh"]
    assert f"instrument={other.code}" in refresh and "partial=1" in refresh
    partial = client.get(refresh)
    assert b"<html" not in partial.content and [r.pk for r in partial.context["pending"]] == [elsewhere.pk]
    assert page.context["here"] == f"{INBOX}?instrument={other.code}"


def test_an_instrument_of_another_lab_is_no_filter_choice(client, instrument, manager):
    foreign = f.bookable()
    book(foreign)
    client.force_login(manager)
    response = client.get(INBOX, {"instrument": foreign.code})
    assert "instrument" in response.context["filters"].errors
    assert response.context["pending"] == []


def test_the_inbox_shows_the_requesters_organization_and_record(client, instrument, manager):
    reservation = book(instrument)
    requester = reservation.requester
    f.ReservationFactory(instrument=instrument, requester=requester, status="no_show")
    f.ReservationFactory(instrument=instrument, requester=requester, status="completed",
                         start=at(-3, 10), end=at(-3, 11))  # fmt: skip
    f.CreditMarkFactory(user=requester, kind="no_show")
    client.force_login(manager)
    response = client.get(INBOX, HTTP_ACCEPT_LANGUAGE="en")
    (row,) = response.context["pending"]
    assert row.requester_history == {"completed": 1, "no_show": 1, "cancelled": 0}
    page = response.content.decode()
    assert requester.organization.name_en in page and "Enterprise" in page
    assert "At your labs: completed 1 · no-shows 1 · cancelled 0" in page
    assert "1 credit mark" in page


def test_bulk_approval_approves_each_and_names_those_refused(client, instrument, manager):
    first = book(instrument, start=at(2, 10))
    second = book(instrument, start=at(3, 10))
    expired = book(instrument, start=at(4, 10))
    Reservation.objects.filter(pk=expired.pk).update(expires_at=at(-1, 0))
    decided = book(instrument, start=at(5, 10))
    client.force_login(manager)
    inbox = client.get(INBOX)  # the page the manager chose from
    assert {r.pk for r in inbox.context["pending"]} == {first.pk, second.pk, expired.pk, decided.pk}
    services.reservation_reject(reservation=decided, by=f.lab_manager(instrument.lab), reason="满")

    here = f"{INBOX}?instrument={instrument.code}"
    response = client.post(
        reverse("booking:inbox-approve"), {"ids": [first.pk, second.pk, expired.pk, decided.pk], "next": here},
        HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip
    assert response["Location"] == here
    statuses = dict(Reservation.objects.values_list("pk", "status"))
    assert (statuses[first.pk], statuses[second.pk], statuses[expired.pk]) == ("approved", "approved", "pending")
    messages = [str(m) for m in client.get(here, HTTP_ACCEPT_LANGUAGE="en").context["messages"]]
    assert "Approved 2 requests." in messages
    (refused,) = [m for m in messages if m.startswith("Not approved")]
    assert at(4, 10).strftime("%Y-%m-%d %H:%M") in refused and "expired before it was decided" in refused
    assert any("1 request no longer waits for you" in m for m in messages)


def test_bulk_approval_with_nothing_chosen_says_so(client, instrument, manager):
    client.force_login(manager)
    response = client.post(reverse("booking:inbox-approve"), HTTP_ACCEPT_LANGUAGE="en")
    messages = [str(m) for m in client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").context["messages"]]
    assert messages == ["Choose the requests to approve."]


# --- who may do what -------------------------------------------------------------------


def people(instrument, requester):
    lab = instrument.lab
    return {
        "anonymous": None,
        "requester": requester,
        "lab manager": f.lab_manager(lab),
        "institution admin": f.UserFactory(organization=lab.institution, role="org_admin"),
        "platform admin": f.platform_admin(),
        "regulator of the region": f.regulator("320000"),
        "regulator elsewhere": f.regulator("320500"),
        "manager of another lab": f.lab_manager(),
        "institution member": f.UserFactory(organization=lab.institution),
        "other start-up": f.UserFactory(organization=f.OrganizationFactory(kind="enterprise")),
    }


ROLES = [
    "anonymous", "requester", "lab manager", "institution admin", "platform admin", "regulator of the region",
    "regulator elsewhere", "manager of another lab", "institution member", "other start-up",
]  # fmt: skip
DECIDES = {"lab manager", "institution admin", "platform admin"}
SEES = DECIDES | {"requester", "regulator of the region"}


def log_in(client, person):
    if person is not None:
        client.force_login(person)


@pytest.mark.parametrize("role", ROLES)
def test_who_may_bulk_approve(client, instrument, role):
    reservation = book(instrument)
    log_in(client, people(instrument, reservation.requester)[role])
    response = client.post(reverse("booking:inbox-approve"), {"ids": [reservation.pk]})
    # The manager of another lab has an inbox, but this request is not in it.
    expected = 302 if role in DECIDES | {"anonymous", "manager of another lab"} else 403
    assert response.status_code == expected
    if role == "anonymous":
        assert response["Location"].startswith(reverse("login"))
    reservation.refresh_from_db()
    assert (reservation.status == "approved") == (role in DECIDES)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ["approve", "reject", "cancel"])
def test_who_may_see_a_decision_for_confirmation(client, instrument, role, action):
    reservation = book(instrument)
    log_in(client, people(instrument, reservation.requester)[role])
    response = decide(client, reservation, action, step="review", reason="理由")
    if role == "anonymous":
        expected = 302
    elif role not in SEES:
        expected = 404
    elif role in DECIDES or (role == "requester" and action == "cancel"):
        expected = 200
    else:
        expected = 403
    assert response.status_code == expected
    reservation.refresh_from_db()
    assert reservation.status == "pending"
