"""Which open pages hear of a booking's change: its instrument's calendars always, its lab's
inboxes only when a pending request comes or goes (an inbox shows nothing else of bookings)."""

import pytest

from booking import live, services
from tests import factories as f
from tests.booking.helpers import at, book

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch) -> list[str]:
    groups: list[str] = []
    monkeypatch.setattr(live, "_send", lambda group, message: groups.append(group))
    return groups


def test_a_booking_approved_at_once_hints_only_the_calendar(sent, django_capture_on_commit_callbacks):
    instrument = f.bookable(approval_required=False)
    with django_capture_on_commit_callbacks(execute=True):
        book(instrument)
    assert sent == [live.instrument_group(instrument.pk)]


def test_a_request_and_its_decision_hint_the_calendar_and_the_inbox(sent, django_capture_on_commit_callbacks):
    instrument = f.bookable(approval_required=True)
    manager = f.lab_manager(instrument.lab)
    both = [live.instrument_group(instrument.pk), live.lab_group(instrument.lab_id)]
    with django_capture_on_commit_callbacks(execute=True):
        request = book(instrument)
    assert sent == both
    with django_capture_on_commit_callbacks(execute=True):
        services.reservation_approve(reservation=request, by=manager)
    assert sent == both + both


def test_cancelling_an_approved_booking_hints_only_the_calendar(sent, django_capture_on_commit_callbacks):
    instrument = f.bookable(approval_required=False)
    with django_capture_on_commit_callbacks(execute=True):
        reservation = book(instrument, start=at(5, 10))
    with django_capture_on_commit_callbacks(execute=True):
        services.reservation_cancel(reservation=reservation, by=reservation.requester)
    assert sent == [live.instrument_group(instrument.pk)] * 2


def test_nothing_is_hinted_before_the_commit(sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as pending:
        book(f.bookable())
    assert sent == [] and len(pending) == 1
