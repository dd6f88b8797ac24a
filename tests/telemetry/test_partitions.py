"""Raw events by month: partitions on PostgreSQL, made ahead and on demand; retention drops
old months once settled and keeps sessions; a repeat or a reused seq is still told apart
across months."""

import datetime as dt
import json

import pytest
from django.db import connection

from gateway import protocol
from telemetry import partitions, services
from telemetry.ingest import EXPIRED, SEQ_REUSED, Directory, Message, prepare, write
from telemetry.models import DeadLetter, Event, UsageSession
from tests import factories as f

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
HISTORY = {"max_future": dt.timedelta(minutes=5), "max_age": dt.timedelta(days=3650)}


@pytest.fixture
def on_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("partitions are PostgreSQL's; SQLite keeps one table")


@pytest.fixture
def gateway():
    lab = f.LabFactory()
    gateway, _ = services.gateway_register(lab=lab, code="gw-p", by=None, heartbeat_seconds=60)
    services.instrument_bind(instrument=f.InstrumentFactory(lab=lab, code="inst-p"), gateway=gateway, by=None)
    return gateway


def store(*events: tuple[int, dt.datetime, str]) -> None:
    """(seq, ts, state) events in one message, taken as history (any age)."""
    body = {"v": 1, "gateway": "gw-p", "events": [
        {"seq": seq, "instrument": "inst-p", "ts": protocol.format_ts(ts), "state": state} for seq, ts, state in events
    ]}  # fmt: skip
    message = Message(topic=protocol.events_topic("gw-p"), payload=json.dumps(body).encode(), received_at=NOW)
    directory = Directory()
    write(prepare([message], directory, NOW, window=HISTORY), directory, NOW)


def months_in_table() -> set[dt.date]:
    return partitions.existing()


AUGUST, OCTOBER = dt.datetime(2026, 8, 10, 9, tzinfo=dt.UTC), dt.datetime(2026, 10, 10, 9, tzinfo=dt.UTC)


def test_events_are_stored_in_their_months_partition_made_when_needed(on_postgres, gateway):
    store((1, AUGUST, "running"), (2, AUGUST + dt.timedelta(minutes=1), "idle"), (3, OCTOBER, "running"))
    assert {dt.date(2026, 8, 1), dt.date(2026, 10, 1)} <= months_in_table()
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text, count(*) FROM telemetry_event GROUP BY 1")
        placed = dict(cursor.fetchall())
    assert placed == {"telemetry_event_y2026m08": 2, "telemetry_event_y2026m10": 1}


def test_the_job_makes_this_month_and_the_next_ones_once(on_postgres, settings):
    settings.TELEMETRY_PARTITIONS_AHEAD = 2
    later = dt.datetime(2031, 12, 15, tzinfo=dt.UTC)
    assert partitions.partitions_make_ahead(later) == 3
    assert {dt.date(2031, 12, 1), dt.date(2032, 1, 1), dt.date(2032, 2, 1)} <= months_in_table()
    assert partitions.partitions_make_ahead(later) == 0


def test_a_repeat_in_another_month_is_a_duplicate_and_a_reused_seq_is_refused(gateway):
    store((1, AUGUST, "running"), (2, OCTOBER, "idle"))
    store((1, AUGUST, "running"))  # the same event again
    store((2, OCTOBER + dt.timedelta(days=20), "idle"))  # the same seq, another time: another event
    assert sorted(Event.objects.values_list("seq", "ts")) == [(1, AUGUST), (2, OCTOBER)]
    reused = DeadLetter.objects.get(reason=SEQ_REUSED)
    assert reused.seq == 2


def test_a_gap_below_the_highest_seq_is_filled(gateway):
    store((1, AUGUST, "running"), (3, AUGUST + dt.timedelta(minutes=2), "idle"))
    store((2, AUGUST + dt.timedelta(minutes=1), "running"))  # re-sent after a loss
    assert sorted(Event.objects.values_list("seq", flat=True)) == [1, 2, 3]


def test_retention_drops_old_months_keeps_sessions_and_never_unsettled_days(gateway, settings):
    store((1, AUGUST, "running"), (2, AUGUST + dt.timedelta(hours=1), "idle"), (3, OCTOBER, "running"),
          (4, OCTOBER + dt.timedelta(hours=1), "idle"))  # fmt: skip
    sessions = UsageSession.objects.count()
    assert sessions == 2
    settings.TELEMETRY_RETENTION_MONTHS = 0
    assert partitions.events_expire(NOW) == 0 and Event.objects.count() == 4
    settings.TELEMETRY_RETENTION_MONTHS = 2  # keeps October and November
    assert partitions.retention_cutoff(NOW) == dt.datetime(2026, 9, 1, tzinfo=dt.UTC)
    partitions.events_expire(NOW)
    assert sorted(Event.objects.values_list("seq", flat=True)) == [3, 4]
    assert UsageSession.objects.count() == sessions
    if partitions.partitioned():
        assert dt.date(2026, 8, 1) not in months_in_table() and dt.date(2026, 10, 1) in months_in_table()
    settings.TELEMETRY_RETENTION_MONTHS = 1  # would reach into November, which has not settled
    early = dt.datetime(2026, 11, 3, tzinfo=dt.UTC)
    assert partitions.retention_cutoff(early) == dt.datetime(2026, 10, 1, tzinfo=dt.UTC)


def test_events_older_than_the_retention_are_refused_with_the_reason(gateway, settings):
    settings.TELEMETRY_RETENTION_MONTHS = 2
    store((1, AUGUST, "running"), (2, OCTOBER, "running"))
    assert list(Event.objects.values_list("seq", flat=True)) == [2]
    letter = DeadLetter.objects.get(reason=EXPIRED)
    assert letter.seq == 1 and "TELEMETRY_RETENTION_MONTHS" in letter.detail
