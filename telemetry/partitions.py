"""Raw telemetry events by month: PostgreSQL partitions, made ahead, and retention.

On PostgreSQL `telemetry_event` is partitioned by range of `ts`, one partition per calendar
month (UTC), named `telemetry_event_yYYYYmMM`. The jobs worker makes the partitions of the
coming months ahead, and ingest makes the one a batch needs if it is missing (an import of
history). Raw events older than `TELEMETRY_RETENTION_MONTHS` are dropped a month at a time —
a partition dropped, no DELETE — once their days are settled; sessions, gaps and the daily
figures derived from them stay. On SQLite the table is one table and retention deletes rows.
"""

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from instruments.services import settled_horizon
from telemetry.models import Event

log = logging.getLogger("telemetry.partitions")
TABLE = "telemetry_event"
# Taken while partitions are made, so that two workers never race on one.
LOCK_KEY = 7_301_000_001


def month_start(moment: dt.datetime | dt.date) -> dt.date:
    day = moment.astimezone(dt.UTC).date() if isinstance(moment, dt.datetime) else moment
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month + dt.timedelta(days=32)).replace(day=1)


def partition_name(month: dt.date) -> str:
    return f"{TABLE}_y{month:%Y}m{month:%m}"


def partitioned() -> bool:
    """Events are partitioned on PostgreSQL (migration telemetry 0006), one table on SQLite."""
    return connection.vendor == "postgresql"


def existing() -> set[dt.date]:
    """The months that have a partition."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass",
            [TABLE],
        )
        names = [row[0] for row in cursor.fetchall()]
    return {dt.date(int(n[-7:-3]), int(n[-2:]), 1) for n in names if n.startswith(f"{TABLE}_y")}


class Partitions:
    """The months known to have a partition, so that ingest asks the catalog only for a new one."""

    def __init__(self) -> None:
        self._known: set[dt.date] = set()

    def ensure(self, moments: Iterable[dt.datetime]) -> int:
        times = list(moments)
        if not times or not partitioned():
            return 0
        month, last = month_start(min(times)), month_start(max(times))  # a batch spans a month or two
        months = set()
        while month <= last:
            months.add(month)
            month = next_month(month)
        months -= self._known
        if not months:
            return 0
        made = make(months)
        if not connection.in_atomic_block:  # made for good only once committed
            self._known |= months
        return made


def make(months: Iterable[dt.date]) -> int:
    """Make the partitions of these months that are missing; returns how many were made.
    Runs inside the caller's transaction (or its own), under an advisory lock."""
    wanted = sorted(set(months))
    if not wanted or not partitioned():
        return 0
    made = 0
    with transaction.atomic(), connection.cursor() as cursor:
        have = existing()
        missing = [m for m in wanted if m not in have]
        if not missing:
            return 0
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        have = existing()
        for month in missing:
            if month in have:
                continue
            cursor.execute(
                f'CREATE TABLE "{partition_name(month)}" PARTITION OF {TABLE} FOR VALUES FROM (%s) TO (%s)',
                [_bound(month), _bound(next_month(month))],
            )
            made += 1
    if made:
        log.info("made %d telemetry partition(s): %s", made, ", ".join(partition_name(m) for m in missing))
    return made


def _bound(month: dt.date) -> str:
    return f"{month:%Y-%m-%d} 00:00:00+00"


def partitions_make_ahead(now: dt.datetime | None = None) -> int:
    """The job: partitions for this month and the next `TELEMETRY_PARTITIONS_AHEAD`."""
    month = month_start(now or timezone.now())
    months = [month]
    for _ in range(settings.TELEMETRY_PARTITIONS_AHEAD):
        months.append(next_month(months[-1]))
    return make(months)


def retention_cutoff(now: dt.datetime | None = None) -> dt.datetime | None:
    """Raw events before this moment may go: the start of the month `TELEMETRY_RETENTION_MONTHS`
    back, and never a day that is not settled yet. None when events are kept for ever."""
    months = settings.TELEMETRY_RETENTION_MONTHS
    if not months:
        return None
    month = month_start(now or timezone.now())
    for _ in range(months):
        month = (month - dt.timedelta(days=1)).replace(day=1)
    settled = month_start(settled_horizon(now))  # days after the horizon may still change
    return dt.datetime.combine(min(month, settled), dt.time(), dt.UTC)


def events_expire(now: dt.datetime | None = None) -> int:
    """The job: drop raw events older than the retention; returns how many months (PostgreSQL)
    or events (SQLite) went."""
    cutoff = retention_cutoff(now)
    if cutoff is None:
        return 0
    if not partitioned():
        deleted, _ = Event.objects.filter(ts__lt=cutoff).delete()
        return deleted
    dropped = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        for month in sorted(existing()):
            if next_month(month) > cutoff.date():
                continue
            cursor.execute(f'ALTER TABLE {TABLE} DETACH PARTITION "{partition_name(month)}"')
            cursor.execute(f'DROP TABLE "{partition_name(month)}"')
            log.info("dropped the raw telemetry events of %s (retention)", f"{month:%Y-%m}")
            dropped += 1
    return dropped
