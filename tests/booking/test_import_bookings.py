"""import_bookings: history with past periods, the no-overlap rule, idempotent by ref."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from booking.models import Reservation
from instruments.models import Lab
from tests import factories as f
from tests.booking.helpers import book

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"
HEADER = "ref,instrument,organization,start,end,status,purpose\n"
CST = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def instrument():
    call_command("import_organizations", str(SAMPLES / "organizations.csv"), stdout=io.StringIO())
    call_command("import_labs", str(SAMPLES / "labs.csv"), stdout=io.StringIO())
    lab = Lab.objects.get(institution__code="NJU", code="ac")
    return f.InstrumentFactory(lab=lab, code="nju-2019000123")


def run(path: Path, *extra: str) -> str:
    out = io.StringIO()
    call_command("import_bookings", str(path), *extra, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def refused(path: Path) -> str:
    out = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_bookings", str(path), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def write(tmp_path, *lines: str) -> Path:
    path = tmp_path / "bookings.csv"
    path.write_text(HEADER + "".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_sample_imports_past_bookings_and_importing_it_again_changes_nothing(instrument):
    assert "Read 4 rows: 4 imported, 0 skipped as already present, 0 rejected." in run(SAMPLES / "bookings.csv")
    first = Reservation.objects.get(import_ref="NJU-2025-0001")
    assert first.start == dt.datetime(2025, 3, 4, 9, tzinfo=CST) and first.end == dt.datetime(
        2025, 3, 4, 12, tzinfo=CST
    )
    assert (first.status, first.organization.code, first.is_external) == ("completed", "BIOSTART", True)
    assert first.usage_verified is None and first.outcome == "unverified"  # declared until settled
    assert first.history.get().reason == "Imported (reference NJU-2025-0001)."
    own = Reservation.objects.get(import_ref="NJU-2025-0002")
    assert (own.status, own.is_external, own.outcome) == ("no_show", False, "no_show")
    assert Reservation.objects.get(import_ref="NJU-2025-0004").status == "approved"
    before = list(Reservation.objects.order_by("pk").values())

    assert "Read 4 rows: 0 imported, 4 skipped as already present, 0 rejected." in run(SAMPLES / "bookings.csv")
    assert list(Reservation.objects.order_by("pk").values()) == before


def test_each_organization_gets_one_stand_in_requester_who_cannot_log_in(instrument):
    run(SAMPLES / "bookings.csv")
    requesters = {r.organization.code: r.requester for r in Reservation.objects.select_related("requester")}
    biostart = requesters["BIOSTART"]
    assert biostart.username == "imported@BIOSTART" and biostart.organization.code == "BIOSTART"
    assert not biostart.is_active and not biostart.has_usable_password() and biostart.role == User.Role.MEMBER
    assert User.objects.filter(username__startswith="imported@").count() == 3


def test_overlaps_with_stored_bookings_or_earlier_lines_are_rejected(instrument, tmp_path):
    f.bookable(instrument)
    live = book(instrument)  # a pending request, two days ahead
    start, end = live.start.isoformat(), live.end.isoformat()
    path = write(
        tmp_path,
        f"r1,nju-2019000123,BIOSTART,{start},{end},approved,",
        "r2,nju-2019000123,BIOSTART,2025-03-04T09:00:00+08:00,2025-03-04T12:00:00+08:00,completed,",
        "r3,nju-2019000123,SIMIT,2025-03-04T11:00:00+08:00,2025-03-04T13:00:00+08:00,no_show,",
        "r4,nju-2019000123,SIMIT,2025-03-04T11:00:00+08:00,2025-03-04T13:00:00+08:00,cancelled,",
        "r5,nju-2019000123,SIMIT,2025-03-04T12:00:00+08:00,2025-03-04T13:00:00+08:00,completed,",  # back to back
    )
    report = refused(path)
    assert "Line 2: This time overlaps another booking of the instrument" in report
    assert (
        "Line 4: This time overlaps another booking of the instrument (2025-03-04 09:00 – 2025-03-04 12:00)" in report
    )
    assert "Read 5 rows: 2 rejected." in report
    assert Reservation.objects.count() == 1

    report = run(path, "--skip-invalid")
    assert "Read 5 rows: 3 imported, 0 skipped as already present, 2 rejected." in report
    assert set(Reservation.objects.exclude(pk=live.pk).values_list("import_ref", flat=True)) == {"r2", "r4", "r5"}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("r1,nope,BIOSTART,2025-03-04T09:00:00+08:00,2025-03-04T10:00:00+08:00,completed,",
         "Line 2, instrument: No instrument has the code «nope»."),
        ("r1,nju-2019000123,NOPE,2025-03-04T09:00:00+08:00,2025-03-04T10:00:00+08:00,completed,",
         "Line 2, organization: No organization has the code «NOPE»"),
        ("r1,nju-2019000123,BIOSTART,2025-03-04T09:00:00,2025-03-04T10:00:00+08:00,completed,",
         "Line 2, start: «2025-03-04T09:00:00» is not an ISO 8601 time with an offset"),
        ("r1,nju-2019000123,BIOSTART,2025-03-04T09:00:00+08:00,tomorrow,completed,",
         "Line 2, end: «tomorrow» is not an ISO 8601 time"),
        ("r1,nju-2019000123,BIOSTART,2025-03-04T09:00:00+08:00,2025-03-04T08:00:00+08:00,completed,",
         "Line 2, end: The end must be after the start."),
        ("r1,nju-2019000123,BIOSTART,2025-03-04T09:00:00+08:00,2025-03-04T10:00:00+08:00,pending,",
         "Line 2, status: «pending» is not one of: approved | completed | cancelled | no_show."),
        (",nju-2019000123,BIOSTART,2025-03-04T09:00:00+08:00,2025-03-04T10:00:00+08:00,completed,",
         "Line 2, ref: This column is required."),
    ],
)  # fmt: skip
def test_bad_lines_are_named_with_their_reason(instrument, tmp_path, line, message):
    assert message in refused(write(tmp_path, line))
    assert not Reservation.objects.exists()


def test_a_ref_is_one_booking_for_good(instrument, tmp_path):
    run(write(tmp_path, "r1,nju-2019000123,BIOSTART,2025-03-04T09:00:00+08:00,2025-03-04T10:00:00+08:00,completed,"))
    report = refused(
        write(tmp_path, "r1,nju-2019000123,BIOSTART,2025-03-05T09:00:00+08:00,2025-03-05T10:00:00+08:00,completed,")
    )
    assert (
        "Line 2, ref: Reference r1 was imported before for another booking (nju-2019000123, 2025-03-04 09:00" in report
    )
    same = write(tmp_path, "r1,nju-2019000123,BIOSTART,2025-03-04T01:00:00+00:00,2025-03-04T02:00:00Z,completed,")
    assert "0 imported, 1 skipped as already present" in run(same)  # the same instants, written in UTC


def test_a_ref_twice_in_one_file_is_rejected(instrument, tmp_path):
    row = "r1,nju-2019000123,BIOSTART,2025-03-04T09:00:00+08:00,2025-03-04T10:00:00+08:00,completed,"
    assert "Line 3: r1 already appears in line 2 of this file." in refused(write(tmp_path, row, row))


def test_a_stand_in_made_for_a_rejected_line_does_not_linger(instrument, tmp_path):
    path = write(
        tmp_path,
        "r1,nju-2019000123,BIOSTART,2025-03-04T09:00:00+08:00,2025-03-04T10:00:00+08:00,completed,",
        "r2,nju-2019000123,SIMIT,2025-03-04T09:30:00+08:00,2025-03-04T10:30:00+08:00,completed,",
        "r3,nju-2019000123,SIMIT,2025-03-04T11:00:00+08:00,2025-03-04T12:00:00+08:00,completed,",
    )
    assert "2 imported, 0 skipped as already present, 1 rejected." in run(path, "--skip-invalid")
    assert Reservation.objects.get(import_ref="r3").requester.username == "imported@SIMIT"
