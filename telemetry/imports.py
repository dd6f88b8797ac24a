"""Importing recorded telemetry: one MQTT v1 events payload per line, exactly as an agent
publishes it, for gateways registered here.

Each line goes through the live ingest path (telemetry.ingest: the same validation,
binding check, (gateway, seq) de-duplication, sessions and gaps), as a message on the
gateway's events topic. Only the age limit differs: history is older than the live
window allows. Times in the future are still refused, because an event ahead of the
clock would make every live event of its instrument look late.

Lines may come in any order: sessions and gaps are derived again wherever an event lands
before events already stored, so they come out as if the messages had arrived live.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import orjson
from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.imports import ImportReport
from gateway import protocol
from telemetry import ingest

HISTORY_MAX_AGE = dt.timedelta(days=100 * 366)


@dataclass
class EventsReport(ImportReport):
    """Counts are of events (a message rejected whole counts as one)."""

    line_count: int = 0


def history_window() -> dict[str, dt.timedelta]:
    return {"max_future": dt.timedelta(seconds=settings.TELEMETRY_MAX_FUTURE_SECONDS), "max_age": HISTORY_MAX_AGE}


def events_import(
    *,
    lines: Iterable[tuple[int, bytes]],
    skip_invalid: bool = False,
    progress: Callable[[int], None] | None = None,
    now: dt.datetime | None = None,
) -> EventsReport:
    """Store every (line number, payload); all lines or none unless `skip_invalid`."""
    now = now or timezone.now()
    report = EventsReport()
    directory = ingest.Directory()
    with transaction.atomic():
        for number, payload in lines:
            if progress:
                progress(len(payload))
            payload = payload.rstrip(b"\r\n")
            if not payload.strip():
                continue
            report.line_count += 1
            _line_import(number, payload, directory, now, report)
        report.unit = _("events on %(lines)d lines") % {"lines": report.line_count}
        report.applied = not report.rejections or skip_invalid
        if not report.applied:
            # Dead letters and counters of this run go too: nothing was taken in.
            transaction.set_rollback(True)
            report.imported = report.skipped = 0
    return report


def _line_import(
    number: int, payload: bytes, directory: ingest.Directory, now: dt.datetime, report: EventsReport
) -> None:
    try:
        body = orjson.loads(payload)
    except orjson.JSONDecodeError as error:
        report.reject(number, f"{protocol.NOT_JSON}: {str(error)[:200]}")
        return
    gateway = body.get("gateway") if isinstance(body, dict) else None
    if not isinstance(gateway, str) or not protocol.GATEWAY_ID.match(gateway):
        report.reject(number, f"{protocol.BAD_SHAPE}: " + _("the payload names no valid gateway"))
        return
    message = ingest.Message(protocol.events_topic(gateway), payload, now)
    prepared = ingest.prepare([message], directory, now, window=history_window())
    try:
        # A savepoint: a line the database refuses is rejected without undoing the others.
        with transaction.atomic():
            result = ingest.write(prepared, directory, now)
    except DatabaseError as error:
        report.reject(number, f"{ingest.UNSTORABLE}: {type(error).__name__}: {str(error)[:200]}")
        return
    for letter in prepared.letters:
        report.reject(number, f"{letter.reason}: {letter.detail}", f"seq {letter.seq}" if letter.seq else "")
    reused = result.rejected[ingest.SEQ_REUSED] - sum(1 for x in prepared.letters if x.reason == ingest.SEQ_REUSED)
    for _n in range(reused):
        report.reject(number, f"{ingest.SEQ_REUSED}: {ingest.SEQ_REUSED_DETAIL}")
    report.imported += result.stored
    report.skipped += result.duplicates
    report.read += result.stored + result.duplicates + sum(result.rejected.values())


def file_lines(path: Path) -> Iterable[tuple[int, bytes]]:
    with open(path, "rb") as handle:
        yield from enumerate(handle, start=1)
