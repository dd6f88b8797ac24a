"""Reads for openness: the recorded facts of many instruments in a handful of queries,
turned into plain values for openness.metrics, and the roll-ups of its figures."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.db.models import Max, Min, QuerySet
from django.utils import timezone

from accounts.models import Organization, Region
from booking.models import Reservation
from booking.usage import USED
from instruments.models import Instrument, Lab
from openness.metrics import Booking, Figures, Story, figures_compute, reference_hours, ticks
from openness.totals import Totals
from telemetry.models import Event, ReportingGap, UsageSession

LEVELS = ("province", "city", "county", "institution", "lab")
INFO_FIELDS = (
    "pk", "code", "name_zh", "name_en", "type", "original_value", "institution_id", "institution__code",
    "lab_id", "lab__code", "region_id", "category_id", "binding__id",
)  # fmt: skip

Instruments = QuerySet[Instrument] | list[int]


@dataclass(frozen=True)
class InstrumentRow:
    info: dict[str, Any]  # INFO_FIELDS of the instrument
    in_scope: bool
    figures: Figures
    reference: Fraction  # hours

    @property
    def has_gateway(self) -> bool:
        return self.info["binding__id"] is not None


@dataclass(frozen=True)
class RollupRow:
    level: str
    code: str
    name: str
    institution: str | None  # the lab's institution, for lab rows
    totals: Totals


def _ids(instruments: Instruments) -> Any:
    # A subquery rather than a list of ids: a province has more instruments than SQLite
    # accepts query parameters.
    return instruments.values("pk") if isinstance(instruments, QuerySet) else list(instruments)


def stories_load(*, instruments: Instruments, start: dt.datetime, end: dt.datetime) -> dict[int, Story]:
    """Sessions and gaps touching [start, end), the bookings they may meet, and the span
    of each instrument's events: four queries whatever the number of instruments."""
    ids = _ids(instruments)
    sessions: dict[int, list] = defaultdict(list)
    earliest = start
    for pk, s, e in UsageSession.objects.filter(instrument_id__in=ids, start__lt=end, end__gt=start).values_list(
        "instrument_id", "start", "end"
    ):
        sessions[pk].append((ticks(s), ticks(e)))
        earliest = min(earliest, s)
    gaps: dict[int, list] = defaultdict(list)
    for pk, s, e in ReportingGap.objects.filter(instrument_id__in=ids, start__lt=end, end__gt=start).values_list(
        "instrument_id", "start", "end"
    ):
        gaps[pk].append((ticks(s), ticks(e)))
    # From the earliest session start: a booking that ended before the period still
    # makes the rest of a session running at its end overrun.
    bookings: dict[int, list] = defaultdict(list)
    for row in Reservation.objects.filter(
        instrument_id__in=ids, status__in=USED, start__lt=end, end__gt=earliest
    ).values_list("pk", "instrument_id", "start", "end", "status", "organization_id", "instrument__institution_id",
                  "usage_verified"):  # fmt: skip
        pk, instrument, s, e, status, organization, institution, verified = row
        bookings[instrument].append(
            Booking(pk, ticks(s), ticks(e), status, organization, organization != institution, verified)
        )
    spans = (
        Event.objects.filter(instrument_id__in=ids)
        .order_by()
        .values("instrument_id")
        .annotate(first=Min("ts"), last=Max("ts"))
        .values_list("instrument_id", "first", "last")
    )
    events = {pk: (ticks(first), ticks(last)) for pk, first, last in spans}
    keys = set(sessions) | set(gaps) | set(bookings) | set(events)
    return {
        pk: Story(sessions[pk], gaps[pk], bookings[pk], *events.get(pk, (None, None)))
        for pk in keys
    }  # fmt: skip


def annual_reference_hours(instrument_type: str) -> int:
    if instrument_type == Instrument.Type.SPECIAL:
        return settings.OPENNESS_REFERENCE_HOURS_SPECIAL
    return settings.OPENNESS_REFERENCE_HOURS_GENERAL


def instrument_rows(*, instruments: QuerySet[Instrument], start: dt.datetime, end: dt.datetime) -> list[InstrumentRow]:
    """Figures of each instrument in [start, end), in the queryset's order."""
    infos = list(instruments.values(*INFO_FIELDS))
    stories = stories_load(instruments=[info["pk"] for info in infos], start=start, end=end)
    return _rows(infos, stories, start, end)


def _rows(infos: Iterable[dict], stories: dict[int, Story], start: dt.datetime, end: dt.datetime) -> list:
    tz = timezone.get_current_timezone()
    rows, empty = [], Story()
    for info in infos:
        figures = figures_compute(story=stories.get(info["pk"], empty), start=ticks(start), end=ticks(end))
        annual = annual_reference_hours(info["type"])
        rows.append(
            InstrumentRow(
                info=info,
                in_scope=info["original_value"] >= settings.OPENNESS_THRESHOLD_CNY,
                figures=figures,
                reference=reference_hours(start=start, end=end, annual_hours=annual, tz=tz),
            )
        )
    return rows


def _key(level: str, info: dict) -> str | int:
    region = info["region_id"]
    return {
        "province": lambda: region[:2] + "0000",
        "city": lambda: region[:4] + "00",
        "county": lambda: region,
        "institution": lambda: info["institution_id"],
        "lab": lambda: info["lab_id"],
    }[level]()


def rollup_rows(
    *, instruments: QuerySet[Instrument], start: dt.datetime, end: dt.datetime, level: str
) -> list[RollupRow]:
    """One row per region, institution or lab of `level`, over the in-scope instruments."""
    in_scope = instruments.filter(original_value__gte=settings.OPENNESS_THRESHOLD_CNY)
    infos = list(in_scope.values(*INFO_FIELDS))
    stories = stories_load(instruments=in_scope, start=start, end=end)
    groups: dict[Any, Totals] = defaultdict(Totals)
    for row in _rows(infos, stories, start, end):
        groups[_key(level, row.info)].add(row.figures, row.reference)
    return sorted(_labelled(level, groups), key=lambda r: (r.institution or "", r.code))


def _labelled(level: str, groups: dict[Any, Totals]) -> list[RollupRow]:
    if level == "lab":
        labs = Lab.objects.select_related("institution").in_bulk(list(groups))
        return [RollupRow(level, labs[k].code, labs[k].name, labs[k].institution.code, t) for k, t in groups.items()]
    if level == "institution":
        orgs = Organization.objects.in_bulk(list(groups))
        return [RollupRow(level, orgs[k].code, orgs[k].name, None, t) for k, t in groups.items()]
    # A key with no region row of its own (a county-level city directly under a province
    # has no city above it in GB/T 2260) is labelled by its code rather than dropped.
    regions = Region.objects.in_bulk(list(groups))
    return [RollupRow(level, k, regions[k].name if k in regions else k, None, t) for k, t in groups.items()]


def instrument_rows_periods(
    *, instruments: QuerySet[Instrument], periods: list[tuple[dt.datetime, dt.datetime]]
) -> list[list[InstrumentRow]]:
    """Figures of each instrument in each of the periods (a year and its months), from one
    load of the facts spanning them all: a story holds everything that touches its period,
    so it holds all that any period inside it needs (what it holds beyond is clipped away)."""
    if not periods:
        return []
    infos = list(instruments.values(*INFO_FIELDS))
    start, end = min(p[0] for p in periods), max(p[1] for p in periods)
    stories = stories_load(instruments=instruments, start=start, end=end)
    return [_rows(infos, stories, s, e) for s, e in periods]
