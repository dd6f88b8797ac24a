"""Credit marks: made by no-shows and late cancellations, once; lifted by admins with a
reason; and what they do to new bookings."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from booking import credit, services
from booking.models import CreditMark, Reservation
from booking.policy import CREDIT_SUSPENDED, local_time
from booking.services import BookingInvalid
from booking.settlement import reservations_settle
from tests import factories as f
from tests.booking.helpers import at, book

pytestmark = pytest.mark.django_db
Status = Reservation.Status


@pytest.fixture(autouse=True)
def _thresholds(settings):
    settings.LATE_CANCEL_HOURS = 24
    settings.CREDIT_APPROVAL_MARKS = 2
    settings.CREDIT_SUSPEND_MARKS = 4
    settings.CREDIT_SUSPEND_DAYS = 30
    settings.CREDIT_ORGANIZATION_FACTOR = 3


@pytest.fixture
def instrument():
    return f.bookable()


@pytest.fixture
def startup():
    return f.UserFactory(organization=f.OrganizationFactory(kind="enterprise"))


def approved_booking(instrument, requester, start=None):
    reservation = book(instrument, requester=requester, start=start or at(2, 10))
    return services.reservation_approve(reservation=reservation, by=f.lab_manager(instrument.lab))


def marks_against(user, count, days_ago=1):
    return [
        f.CreditMarkFactory(user=user, at=timezone.now() - dt.timedelta(days=days_ago, hours=n)) for n in range(count)
    ]


# No-shows


def test_a_booking_settled_as_no_show_is_a_mark_against_its_requester():
    reservation = f.ReservationFactory(status=Status.APPROVED)
    services.reservation_settle(reservation=reservation, outcome=Status.NO_SHOW)
    mark = CreditMark.objects.get()
    assert (mark.kind, mark.user, mark.organization, mark.reservation, mark.at) == (
        "no_show", reservation.requester, reservation.organization, reservation, reservation.start,
    )  # fmt: skip


def test_settling_from_measured_use_marks_a_no_show_and_not_a_completed_booking():
    no_show = f.ReservationFactory(status=Status.APPROVED)
    f.reporting(no_show.instrument, no_show.start - dt.timedelta(minutes=1), no_show.start + dt.timedelta(minutes=40))
    used = f.ReservationFactory(status=Status.APPROVED)
    f.reporting(used.instrument, used.start - dt.timedelta(minutes=1), used.start + dt.timedelta(minutes=40))
    f.UsageSessionFactory(instrument=used.instrument, start=used.start, end=used.end)
    assert reservations_settle(now=timezone.now() + dt.timedelta(hours=3)) == 2
    assert list(CreditMark.objects.values_list("reservation", "kind")) == [(no_show.pk, "no_show")]


def test_a_no_show_corrected_to_completed_loses_its_mark_and_gets_it_back_if_corrected_again():
    reservation = f.ReservationFactory(status=Status.APPROVED)
    services.reservation_settle(reservation=reservation, outcome=Status.NO_SHOW)
    services.reservation_outcome_correct(reservation=reservation, outcome=Status.COMPLETED)
    assert not CreditMark.objects.exists()
    services.reservation_outcome_correct(reservation=reservation, outcome=Status.NO_SHOW)
    assert CreditMark.objects.get().reservation == reservation


def test_a_lifted_no_show_mark_stays_lifted_through_corrections():
    reservation = f.ReservationFactory(status=Status.APPROVED)
    services.reservation_settle(reservation=reservation, outcome=Status.NO_SHOW)
    credit.credit_mark_lift(mark=CreditMark.objects.get(), by=f.platform_admin(), reason="网关故障")
    services.reservation_outcome_correct(reservation=reservation, outcome=Status.COMPLETED)
    services.reservation_outcome_correct(reservation=reservation, outcome=Status.NO_SHOW)
    mark = CreditMark.objects.get()
    assert mark.lifted_at is not None and mark.lift_reason == "网关故障"


# Late cancellations


def test_requester_cancelling_an_approved_booking_late_is_marked(instrument, startup):
    reservation = approved_booking(instrument, startup)
    now = reservation.start - dt.timedelta(hours=10)
    services.reservation_cancel(reservation=reservation, by=startup, reason="计划有变", now=now)
    reservation.refresh_from_db()
    assert reservation.status == Status.CANCELLED and reservation.cancelled_late
    mark = CreditMark.objects.get()
    assert (mark.kind, mark.user, mark.at, mark.reservation) == ("late_cancel", startup, now, reservation)


def test_cancelling_in_good_time_is_not_marked(instrument, startup):
    reservation = approved_booking(instrument, startup)
    services.reservation_cancel(reservation=reservation, by=startup, now=reservation.start - dt.timedelta(hours=30))
    reservation.refresh_from_db()
    assert reservation.status == Status.CANCELLED and not reservation.cancelled_late
    assert not CreditMark.objects.exists()


def test_cancelling_a_pending_request_late_is_not_marked(instrument, startup):
    reservation = book(instrument, requester=startup)
    services.reservation_cancel(reservation=reservation, by=startup, now=reservation.start - dt.timedelta(hours=3))
    reservation.refresh_from_db()
    assert not reservation.cancelled_late and not CreditMark.objects.exists()


def test_the_lab_cancelling_late_is_not_the_requesters_fault(instrument, startup):
    reservation = approved_booking(instrument, startup)
    services.reservation_cancel(
        reservation=reservation, by=f.lab_manager(instrument.lab), reason="设备故障",
        now=reservation.start - dt.timedelta(hours=1),
    )  # fmt: skip
    reservation.refresh_from_db()
    assert not reservation.cancelled_late and not CreditMark.objects.exists()


def test_a_cancellation_past_the_deadline_is_refused_and_writes_no_mark(instrument, startup):
    reservation = approved_booking(instrument, startup)
    with pytest.raises(services.TransitionNotAllowed):
        services.reservation_cancel(reservation=reservation, by=startup, now=reservation.start - dt.timedelta(hours=1))
    reservation.refresh_from_db()
    assert reservation.status == Status.APPROVED and not reservation.cancelled_late
    assert not CreditMark.objects.exists()


# Adding marks


def test_adding_a_mark_twice_gives_the_one_mark(startup):
    reservation = f.ReservationFactory(requester=startup)
    first = credit.credit_mark_add(
        organization=startup.organization, user=startup, kind="no_show", reservation=reservation, at=timezone.now()
    )
    again = credit.credit_mark_add(
        organization=startup.organization, user=startup, kind="no_show", reservation=reservation, at=timezone.now()
    )
    assert first == again and CreditMark.objects.count() == 1


def test_an_overdue_invoice_is_marked_once_per_reference_and_stays_lifted(startup):
    org = startup.organization

    def overdue():
        return credit.credit_mark_add(organization=org, kind="overdue", reference="INV-2026-0007", at=timezone.now())

    mark = overdue()
    credit.credit_mark_lift(mark=mark, by=f.org_admin(org), reason="已付款，银行延误")
    again = overdue()
    assert again.pk == mark.pk and again.lifted_at is not None
    assert CreditMark.objects.count() == 1
    assert credit.credit_mark_add(organization=org, kind="overdue", reference="INV-2026-0008", at=timezone.now()).pk


def test_a_mark_about_nothing_is_refused(startup):
    with pytest.raises(ValueError, match="about a booking or a reference"):
        credit.credit_mark_add(organization=startup.organization, user=startup, kind="overdue", at=timezone.now())
    with pytest.raises(ValueError, match="Unknown credit mark kind"):
        credit.credit_mark_add(organization=startup.organization, kind="bad", reference="X", at=timezone.now())
    assert not CreditMark.objects.exists()


# Lifting marks


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("member", False), ("other_org_admin", False), ("lab_manager", False), ("org_admin", True),
     ("platform_admin", True)],
)  # fmt: skip
def test_only_admins_of_the_marks_organization_and_platform_admins_lift_it(who, allowed, startup):
    mark = f.CreditMarkFactory(user=startup)
    people = {
        "member": lambda: startup,
        "other_org_admin": lambda: f.org_admin(),
        "lab_manager": lambda: f.lab_manager(),
        "org_admin": lambda: f.org_admin(startup.organization),
        "platform_admin": f.platform_admin,
    }
    by = people[who]()
    if not allowed:
        with pytest.raises(PermissionDenied):
            credit.credit_mark_lift(mark=mark, by=by, reason="理由")
        mark.refresh_from_db()
        assert mark.lifted_at is None
        return
    credit.credit_mark_lift(mark=mark, by=by, reason="  设备故障，非用户原因 ")
    mark.refresh_from_db()
    assert (mark.lifted_by, mark.lift_reason) == (by, "设备故障，非用户原因") and mark.lifted_at


def test_lifting_needs_a_reason_and_writes_nothing_without_one(startup):
    mark = f.CreditMarkFactory(user=startup)
    with pytest.raises(ValidationError) as caught:
        credit.credit_mark_lift(mark=mark, by=f.org_admin(startup.organization), reason="  ")
    assert caught.value.message_dict == {"reason": [str(credit.LIFT_REASON_REQUIRED)]}
    mark.refresh_from_db()
    assert (mark.lifted_at, mark.lifted_by, mark.lift_reason) == (None, None, "")


def test_a_mark_is_lifted_once(startup):
    mark = f.CreditMarkFactory(user=startup)
    admin = f.org_admin(startup.organization)
    credit.credit_mark_lift(mark=mark, by=admin, reason="一")
    with pytest.raises(ValidationError) as caught:
        credit.credit_mark_lift(mark=mark, by=f.platform_admin(), reason="二")
    assert caught.value.messages == [str(credit.ALREADY_LIFTED)]
    mark.refresh_from_db()
    assert (mark.lifted_by, mark.lift_reason) == (admin, "一")


# What marks do to new bookings


def test_marks_past_the_threshold_override_automatic_approval(startup):
    instrument = f.bookable(approval_required=False)
    assert book(instrument, requester=startup, start=at(2, 10)).status == Status.APPROVED
    marks_against(startup, 2)
    assert book(instrument, requester=startup, start=at(3, 10)).status == Status.PENDING


def test_marks_override_the_policys_list_of_users_approved_automatically(instrument, startup):
    instrument.policy.auto_approve_users.add(startup)
    instrument.policy.auto_approve_organizations.add(startup.organization)
    assert book(instrument, requester=startup, start=at(2, 10)).status == Status.APPROVED
    marks_against(startup, 2)
    reservation = book(instrument, requester=startup, start=at(3, 10))
    assert reservation.status == Status.PENDING and reservation.expires_at is not None


def test_a_suspended_user_is_refused_with_the_date_the_suspension_ends(instrument, startup):
    last = marks_against(startup, 4)[0]
    with pytest.raises(BookingInvalid) as caught:
        book(instrument, requester=startup)
    until = local_time(last.at + dt.timedelta(days=30))
    assert caught.value.by_field() == {"non_field_errors": [CREDIT_SUSPENDED % {"until": until}]}
    assert not Reservation.objects.exists()


def test_a_suspension_over_lets_the_user_book_again_with_approval(instrument, startup):
    marks_against(startup, 4, days_ago=31)
    instrument.policy.approval_required = False
    instrument.policy.save()
    assert book(instrument, requester=startup).status == Status.PENDING


def test_a_colleagues_marks_do_not_touch_a_user_until_the_organization_passes_its_threshold(instrument, startup):
    instrument.policy.approval_required = False
    instrument.policy.save()
    colleague = f.UserFactory(organization=startup.organization)
    marks_against(colleague, 4)
    assert book(instrument, requester=startup, start=at(2, 10)).status == Status.APPROVED
    marks_against(colleague, 2)  # six marks: 2 × CREDIT_ORGANIZATION_FACTOR (3)
    assert book(instrument, requester=startup, start=at(3, 10)).status == Status.PENDING
