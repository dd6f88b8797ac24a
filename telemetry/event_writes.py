"""Writing event rows: telling new events from repeats and reused seqs, and the insert.

Rows below a gateway's highest stored seq are looked up first: a repeat of a stored event is
left out, a reused seq is refused, a gap is filled. On PostgreSQL the rest go in by COPY into
a staging table and one INSERT … ON CONFLICT DO NOTHING RETURNING, which tells new events
from repeats stored meanwhile by another worker; the repeat key holds ts there, since the
table is partitioned by month (telemetry.partitions). On SQLite the same statement runs row
by row.
"""

import datetime as dt
import json

from django.db import connection
from django.db.models import OuterRef, Subquery

from telemetry.models import Event, Gateway

COLUMNS = ("gateway_id", "seq", "instrument_id", "ts", "state", "power_w", "readings", "received_at")
# An event to store: the COLUMNS, then the gateway id (its code) for dead letters.
Row = tuple[int, int, int, dt.datetime, str, float | None, dict[str, float] | None, dt.datetime, str]


def sort_out(rows: list[Row]) -> tuple[list[Row], list[Row]]:
    """(rows to insert, rows reusing a stored seq for another event). A row above its
    gateway's highest stored seq is new; one at or below it repeats a stored event (left
    out), reuses its seq, or fills a gap (inserted). On PostgreSQL the repeat key holds `ts`
    (events are partitioned by it), so a reused seq is found here, not by the key."""
    tops = _highest_seqs({row[0] for row in rows})
    below = [row for row in rows if row[1] <= tops.get(row[0], -1)]
    if not below:
        return rows, []
    stored = _stored(below)
    insert, reused = [], []
    for row in rows:
        found = stored.get((row[0], row[1]))
        if found is None:
            insert.append(row)
        elif found != (row[2], row[3], row[4]):
            reused.append(row)
    return insert, reused


def _highest_seqs(gateways: set[int]) -> dict[int, int]:
    """Each gateway's highest stored seq: one index probe per gateway (and partition)."""
    top = Event.objects.filter(gateway_id=OuterRef("pk")).order_by("-seq").values("seq")[:1]
    found = Gateway.objects.filter(pk__in=gateways).annotate(top=Subquery(top)).values_list("pk", "top")
    return {pk: seq for pk, seq in found if seq is not None}


def _stored(rows: list[Row]) -> dict[tuple[int, int], tuple[int, dt.datetime, str]]:
    stored = {}
    for gateway_id in {row[0] for row in rows}:
        seqs = [row[1] for row in rows if row[0] == gateway_id]
        for seq, instrument, ts, state in Event.objects.filter(gateway_id=gateway_id, seq__in=seqs).values_list(
            "seq", "instrument_id", "ts", "state"
        ):
            stored[(gateway_id, seq)] = (instrument, ts, state)
    return stored


def stored_again(rows: list[Row], new: set[tuple[int, int]]) -> list[Row]:
    """Rows refused by the repeat key (another worker stored the same seq meanwhile) that
    are not the same event: a real redelivery carries the same instrument, time and state."""
    repeats = [row for row in rows if (row[0], row[1]) not in new]
    if not repeats:
        return []
    stored = _stored(repeats)
    return [row for row in repeats if stored.get((row[0], row[1])) != (row[2], row[3], row[4])]


def insert(rows: list[Row]) -> set[tuple[int, int]]:
    """Insert events, skipping (gateway, seq) pairs already stored; returns the new pairs."""
    if not rows:
        return set()
    if connection.vendor == "postgresql":
        return _insert_postgres(rows)
    new: set[tuple[int, int]] = set()
    with connection.cursor() as cursor:
        for row in rows:
            cursor.execute(
                f"INSERT INTO telemetry_event ({', '.join(COLUMNS)}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (gateway_id, seq) DO NOTHING RETURNING gateway_id, seq",
                [*row[:6], json.dumps(row[6]) if row[6] is not None else None, row[7]],
            )
            new.update(tuple(r) for r in cursor.fetchall())
    return new


def _insert_postgres(rows: list[Row]) -> set[tuple[int, int]]:
    from psycopg.types.json import Jsonb

    with connection.cursor() as wrapper:
        cursor = wrapper.cursor  # psycopg's own cursor, for COPY
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS ingest_stage (gateway_id integer, seq bigint, instrument_id bigint, "
            "ts timestamptz, state varchar(8), power_w double precision, readings jsonb, received_at timestamptz) "
            "ON COMMIT DELETE ROWS"
        )
        # Empty even inside an outer transaction that has not committed yet.
        cursor.execute("TRUNCATE ingest_stage")
        with cursor.copy(f"COPY ingest_stage ({', '.join(COLUMNS)}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["int4", "int8", "int8", "timestamptz", "varchar", "float8", "jsonb", "timestamptz"])
            for row in rows:
                copy.write_row((*row[:6], Jsonb(row[6]) if row[6] is not None else None, row[7]))
        cursor.execute(
            f"INSERT INTO telemetry_event ({', '.join(COLUMNS)}) SELECT {', '.join(COLUMNS)} FROM ingest_stage "
            "ON CONFLICT (gateway_id, seq, ts) DO NOTHING RETURNING gateway_id, seq"
        )
        return {tuple(r) for r in cursor.fetchall()}
