"""settle_bookings: imported history settles (and settles again) from measured use by the
rule of the jobs worker; running it twice changes nothing."""

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command

from accounts.services import imported_requester_get
from booking import services
from gateway import protocol
from telemetry import services as telemetry
from telemetry.imports import events_import
from tests import factories as f

pytestmark = pytest.mark.django_db
START = dt.datetime.now(dt.UTC).replace(hour=2, minute=0, second=0, microsecond=0) - dt.timedelta(days=60)
END = START + dt.timedelta(hours=2)


@pytest.fixture
def instrument():
    instrument = f.InstrumentFactory(code="inst-h")
    gateway, _ = telemetry.gateway_register(lab=instrument.lab, code="gw-h", by=None)
    telemetry.instrument_bind(instrument=instrument, gateway=gateway, by=None)
    return instrument


def imported(instrument, status, ref="r1", start=START, end=END):
    organization = f.OrganizationFactory(kind="enterprise")
    reservation, _ = services.reservation_import(
        ref=ref, instrument=instrument, requester=imported_requester_get(organization=organization),
        start=start, end=end, status=status,
    )  # fmt: skip
    return reservation


def report(*spans, first_seq=1, start=START):
    """Import heartbeats every minute over (first minute, last minute, state) spans after `start`."""
    events, seq = [], first_seq
    for first, last, state in spans:
        for minute in range(first, last + 1):
            ts = protocol.format_ts(start + dt.timedelta(minutes=minute))
            events.append({"seq": seq, "instrument": "inst-h", "ts": ts, "state": state})
            seq += 1
    lines = [(n, json.dumps({"v": 1, "gateway": "gw-h", "events": events[n : n + 100]}).encode())
             for n in range(0, len(events), 100)]  # fmt: skip
    assert events_import(lines=lines).applied


def settle(*extra: str) -> str:
    out = io.StringIO()
    call_command("settle_bookings", *extra, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_an_imported_approved_booking_settles_from_measured_use_like_the_jobs_worker(instrument):
    reservation = imported(instrument, "approved")
    report((-5, 9, "idle"), (10, 99, "running"), (100, 130, "idle"))
    assert "Settled 1 approved bookings; re-settled 0 imported ones, 0 unchanged." in settle()
    reservation.refresh_from_db()
    assert (reservation.status, reservation.outcome, reservation.usage_verified) == ("completed", "completed", True)
    assert reservation.measured_minutes == 90 and reservation.overrun_minutes == 0
    settled_at = reservation.settled_at

    assert "Settled 0 approved bookings; re-settled 0 imported ones, 1 unchanged." in settle()
    reservation.refresh_from_db()
    assert reservation.settled_at == settled_at and reservation.history.count() == 2


def test_a_declared_completed_booking_with_no_running_time_becomes_a_no_show(instrument):
    reservation = imported(instrument, "completed")
    report((-5, 130, "idle"))
    assert "re-settled 1 imported ones, 0 unchanged." in settle()
    reservation.refresh_from_db()
    assert (reservation.status, reservation.outcome, reservation.measured_minutes) == ("no_show", "no_show", 0)
    change = reservation.history.last()
    assert (change.from_status, change.to_status, change.by) == ("completed", "no_show", None)
    assert "re-settled 0 imported ones, 1 unchanged." in settle()
    assert reservation.history.count() == 2


def test_without_telemetry_the_declared_outcome_stays_unverified(instrument):
    completed = imported(instrument, "completed")
    no_show = imported(instrument, "no_show", ref="r2", start=END, end=END + dt.timedelta(hours=1))
    settle()
    completed.refresh_from_db()
    no_show.refresh_from_db()
    assert (completed.status, completed.outcome, completed.usage_verified, completed.measured_minutes) == (
        "completed", "unverified", False, None)  # fmt: skip
    assert (no_show.status, no_show.outcome, no_show.usage_verified) == ("no_show", "no_show", False)


def test_events_imported_after_the_bookings_settle_them_again(instrument):
    reservation = imported(instrument, "completed")
    settle()
    reservation.refresh_from_db()
    assert reservation.outcome == "unverified"
    report((-5, 9, "idle"), (10, 124, "running"), (125, 130, "idle"))
    assert "re-settled 1 imported ones" in settle()
    reservation.refresh_from_db()
    assert (reservation.outcome, reservation.measured_minutes, reservation.overrun_minutes) == ("completed", 110, 5)


def test_from_and_to_choose_bookings_by_their_start(instrument):
    early = imported(instrument, "approved")
    later = imported(instrument, "approved", ref="r2", start=START + dt.timedelta(days=10),
                     end=END + dt.timedelta(days=10))  # fmt: skip
    day = (START + dt.timedelta(days=5)).date().isoformat()
    assert "Settled 1 approved bookings" in settle("--from", day)
    early.refresh_from_db()
    later.refresh_from_db()
    assert (early.status, later.status) == ("approved", "completed")
    assert "Settled 1 approved bookings" in settle("--to", day)
    early.refresh_from_db()
    assert early.status == "completed"


def test_bookings_settled_here_are_not_settled_again(instrument):
    live = f.ReservationFactory(instrument=instrument, start=START, end=END, status="no_show", usage_verified=True,
                                measured_minutes=0)  # fmt: skip
    report((-5, 130, "running"))
    assert "re-settled 0 imported ones, 0 unchanged." in settle()
    live.refresh_from_db()
    assert live.status == "no_show"


def test_approved_bookings_not_yet_due_wait(instrument):
    soon = imported(instrument, "approved", start=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=30),
                    end=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=30))  # fmt: skip
    assert "Settled 0 approved bookings" in settle()
    soon.refresh_from_db()
    assert soon.status == "approved"


def test_a_backwards_window_is_refused():
    with pytest.raises(CommandError, match="--to must be after --from"):
        settle("--from", "2025-02-01", "--to", "2025-01-01")


def test_outcome_and_measured_figures_are_in_the_reservations_api(api, instrument):
    reservation = imported(instrument, "approved")
    report((-5, 9, "idle"), (10, 99, "running"), (100, 130, "idle"))
    settle()
    api.force_authenticate(f.platform_admin())
    body = api.get(f"/api/v1/reservations/{reservation.pk}/").json()
    assert (body["outcome"], body["measured_hours"], body["overrun_minutes"]) == ("completed", "1.50", 0.0)
    pending = f.ReservationFactory(status="approved", usage_verified=None)
    body = api.get(f"/api/v1/reservations/{pending.pk}/").json()
    assert (body["outcome"], body["measured_hours"], body["overrun_minutes"]) == (None, None, None)
