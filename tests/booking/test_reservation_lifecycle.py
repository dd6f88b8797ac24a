"""Statuses and transitions: who, when, why; never a double booking."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction

from booking import services
from booking.models import Notification, Reservation
from booking.services import BookingConflict, BookingInvalid, TransitionNotAllowed
from tests import factories as f
from tests.booking.helpers import at, book

pytestmark = pytest.mark.django_db
Status = Reservation.Status


@pytest.fixture
def instrument():
    return f.bookable()


@pytest.fixture
def manager(instrument):
    return f.lab_manager(instrument.lab)


def test_request_is_pending_and_holds_its_slot(instrument):
    reservation = book(instrument)
    assert reservation.status == Status.PENDING
    assert reservation.is_external
    assert [(e.from_status, e.to_status) for e in reservation.history.all()] == [("", "pending")]
    with pytest.raises(BookingConflict):
        book(instrument)


def test_conflicting_request_names_the_clash_and_writes_nothing(instrument):
    first = book(instrument, start=at(2, 10), end=at(2, 12))
    with pytest.raises(BookingConflict) as caught:
        book(instrument, start=at(2, 11), end=at(2, 13))
    assert caught.value.clashes == [first]
    assert Reservation.objects.count() == 1
    assert Notification.objects.filter(kind="requested").count() == 0  # no managers; org has no admin


def test_back_to_back_bookings_do_not_overlap(instrument):
    book(instrument, start=at(2, 10), end=at(2, 12))
    assert book(instrument, start=at(2, 12), end=at(2, 13)).pk
    assert book(instrument, start=at(2, 9), end=at(2, 10)).pk


def test_buffer_keeps_time_free_after_each_booking():
    instrument = f.bookable(buffer_minutes=30)
    book(instrument, start=at(2, 10), end=at(2, 12))
    with pytest.raises(BookingConflict):
        book(instrument, start=at(2, 12), end=at(2, 13))
    with pytest.raises(BookingConflict):
        book(instrument, start=at(2, 8), end=at(2, 10))  # its own buffer would reach into the next booking
    assert book(instrument, start=at(2, 12, 30), end=at(2, 13)).pk


def test_manager_approves(instrument, manager):
    reservation = book(instrument)
    services.reservation_approve(reservation=reservation, by=manager)
    reservation.refresh_from_db()
    assert reservation.status == Status.APPROVED
    event = reservation.history.last()
    assert (event.from_status, event.to_status, event.by) == ("pending", "approved", manager)
    assert Notification.objects.filter(user=reservation.requester, kind="approved").exists()


def test_manager_rejects_with_a_reason_the_requester_sees(instrument, manager):
    reservation = book(instrument)
    with pytest.raises(BookingInvalid):
        services.reservation_reject(reservation=reservation, by=manager, reason="  ")
    services.reservation_reject(reservation=reservation, by=manager, reason="样品不符合要求")
    reservation.refresh_from_db()
    assert (reservation.status, reservation.status_reason) == (Status.REJECTED, "样品不符合要求")
    assert reservation.history.last().reason == "样品不符合要求"
    assert book(instrument).pk  # the slot is free again


@pytest.mark.parametrize("who", ["requester", "other lab manager", "regulator", "institution member"])
def test_only_the_labs_managers_decide(instrument, who):
    reservation = book(instrument)
    person = {
        "requester": lambda: reservation.requester,
        "other lab manager": lambda: f.lab_manager(),
        "regulator": lambda: f.regulator(),
        "institution member": lambda: f.UserFactory(organization=instrument.institution),
    }[who]()
    with pytest.raises(PermissionDenied):
        services.reservation_approve(reservation=reservation, by=person)
    with pytest.raises(PermissionDenied):
        services.reservation_reject(reservation=reservation, by=person, reason="x")
    reservation.refresh_from_db()
    assert reservation.status == Status.PENDING


def test_institution_admin_decides_too(instrument):
    admin = f.UserFactory(organization=instrument.institution, role="org_admin")
    reservation = book(instrument)
    assert services.reservation_approve(reservation=reservation, by=admin).status == Status.APPROVED


@pytest.mark.parametrize(
    ("first", "then"),
    [("approve", "approve"), ("reject", "approve"), ("approve", "reject"), ("cancel", "approve")],
)
def test_decided_requests_cannot_be_decided_again(instrument, manager, first, then):
    reservation = book(instrument)
    actions = {
        "approve": lambda: services.reservation_approve(reservation=reservation, by=manager),
        "reject": lambda: services.reservation_reject(reservation=reservation, by=manager, reason="不行"),
        "cancel": lambda: services.reservation_cancel(reservation=reservation, by=reservation.requester),
    }
    actions[first]()
    with pytest.raises(TransitionNotAllowed):
        actions[then]()


def test_requester_cancels_before_the_deadline(instrument):
    reservation = book(instrument, start=at(2, 10))
    services.reservation_cancel(reservation=reservation, by=reservation.requester, reason="计划有变")
    reservation.refresh_from_db()
    assert reservation.status == Status.CANCELLED
    assert book(instrument, start=at(2, 10)).pk


def test_requester_cannot_cancel_an_approved_booking_after_the_deadline(instrument, manager):
    reservation = book(instrument, start=at(2, 10))
    services.reservation_approve(reservation=reservation, by=manager)
    late = reservation.start - dt.timedelta(minutes=30)  # deadline is 120 minutes before
    with pytest.raises(TransitionNotAllowed):
        services.reservation_cancel(reservation=reservation, by=reservation.requester, now=late)
    services.reservation_cancel(reservation=reservation, by=manager, reason="仪器故障", now=late)
    reservation.refresh_from_db()
    assert reservation.status == Status.CANCELLED
    assert Notification.objects.filter(user=reservation.requester, kind="cancelled").exists()


def test_strangers_cannot_cancel(instrument):
    reservation = book(instrument)
    with pytest.raises(PermissionDenied):
        services.reservation_cancel(reservation=reservation, by=f.UserFactory())


def test_pending_requests_expire_and_free_their_slot(instrument, manager):
    reservation = book(instrument, start=at(5, 10))
    assert abs(reservation.expires_at - (reservation.created_at + dt.timedelta(hours=48))) < dt.timedelta(seconds=1)
    assert services.reservations_expire(now=reservation.expires_at - dt.timedelta(seconds=1)) == 0
    assert services.reservations_expire(now=reservation.expires_at) == 1
    reservation.refresh_from_db()
    assert reservation.status == Status.EXPIRED
    assert Notification.objects.filter(user=reservation.requester, kind="expired").exists()
    with pytest.raises(TransitionNotAllowed):
        services.reservation_approve(reservation=reservation, by=manager)
    assert book(instrument, start=at(5, 10)).pk


def test_expiry_is_at_the_latest_the_start(instrument):
    reservation = book(instrument, start=at(1, 10))  # 48 h of pending would pass the start
    assert reservation.expires_at == reservation.start


def test_auto_approval_for_listed_users_and_organizations():
    friend = f.OrganizationFactory(kind="enterprise")
    trusted = f.UserFactory()
    instrument = f.bookable(auto_approve_organizations=[friend], auto_approve_users=[trusted])
    assert book(instrument, requester=f.UserFactory(organization=friend)).status == Status.APPROVED
    assert book(instrument, requester=trusted, start=at(3, 10)).status == Status.APPROVED
    assert book(instrument, start=at(4, 10)).status == Status.PENDING
    no_approval = f.bookable(approval_required=False)
    approved = book(no_approval)
    assert approved.status == Status.APPROVED and approved.expires_at is None


def test_managers_are_told_of_new_requests(instrument, manager):
    reservation = book(instrument)
    assert Notification.objects.get(user=manager).kind == "requested"
    assert Notification.objects.get(user=manager).reservation == reservation


def test_settling_is_only_from_approved(instrument, manager):
    reservation = book(instrument)
    with pytest.raises(TransitionNotAllowed):
        services.reservation_settle(reservation=reservation, outcome=Status.COMPLETED)
    services.reservation_approve(reservation=reservation, by=manager)
    assert services.reservation_settle(reservation=reservation, outcome=Status.NO_SHOW).status == Status.NO_SHOW
    with pytest.raises(TransitionNotAllowed):
        services.reservation_cancel(reservation=reservation, by=manager)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the exclusion constraint exists on PostgreSQL")
def test_database_itself_refuses_overlapping_holding_reservations(instrument):
    first = book(instrument, start=at(2, 10), end=at(2, 12))
    with pytest.raises(IntegrityError, match="reservation_no_overlap"), transaction.atomic():
        Reservation.objects.create(
            instrument=instrument, requester=first.requester, organization=first.organization, is_external=True,
            start=at(2, 11), end=at(2, 13), blocked_until=at(2, 13), purpose="bypassing the service",
        )  # fmt: skip
    # Released slots do not count: a rejected booking may overlap.
    Reservation.objects.create(
        instrument=instrument, requester=first.requester, organization=first.organization, is_external=True,
        start=at(2, 11), end=at(2, 13), blocked_until=at(2, 13), purpose="history", status=Status.REJECTED,
    )  # fmt: skip


def test_an_insider_books_on_a_grant_that_the_charge_carries(api):
    instrument = f.bookable()
    insider = f.UserFactory(organization=instrument.institution)
    reservation = book(instrument, insider, cost_centre="  NSFC-52072001 ")
    assert reservation.cost_centre == "NSFC-52072001"
    api.force_authenticate(insider)
    body = {"instrument": instrument.pk, "start": at(3, 10).isoformat(), "end": at(3, 11).isoformat(),
            "purpose": "XRD", "cost_centre": "KJ-2026-17"}  # fmt: skip
    created = api.post("/api/v1/reservations/", body, format="json")
    assert created.status_code == 201 and created.json()["cost_centre"] == "KJ-2026-17"
