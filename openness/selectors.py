"""Reads for openness: the figures of many instruments over a period (openness.daily adds
up settled days and computes the rest from the facts), and their roll-ups."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Organization, Region
from instruments.models import Instrument, Lab
from openness.daily import figures_by_instrument
from openness.metrics import Figures, Story, figures_compute, reference_hours, ticks
from openness.totals import Totals

LEVELS = ("province", "city", "county", "institution", "lab")
INFO_FIELDS = (
    "pk", "code", "name_zh", "name_en", "type", "original_value", "institution_id", "institution__code",
    "lab_id", "lab__code", "region_id", "category_id", "binding__id",
)  # fmt: skip


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


def annual_reference_hours(instrument_type: str) -> int:
    if instrument_type == Instrument.Type.SPECIAL:
        return settings.OPENNESS_REFERENCE_HOURS_SPECIAL
    return settings.OPENNESS_REFERENCE_HOURS_GENERAL


def instrument_rows(*, instruments: QuerySet[Instrument], start: dt.datetime, end: dt.datetime) -> list[InstrumentRow]:
    """Figures of each instrument in [start, end), in the queryset's order."""
    infos = list(instruments.values(*INFO_FIELDS))
    figures = figures_by_instrument(instruments=[info["pk"] for info in infos], start=start, end=end)
    return _rows(infos, figures, start, end)


def _rows(infos: Iterable[dict], figures: dict[int, Figures], start: dt.datetime, end: dt.datetime) -> list:
    tz = timezone.get_current_timezone()
    rows, empty = [], figures_compute(story=Story(), start=ticks(start), end=ticks(end))
    for info in infos:
        annual = annual_reference_hours(info["type"])
        rows.append(
            InstrumentRow(
                info=info,
                in_scope=info["original_value"] >= settings.OPENNESS_THRESHOLD_CNY,
                figures=figures.get(info["pk"], empty),
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
    return rollups_all(instruments=instruments, start=start, end=end, levels=(level,))[level]


def rollups_all(
    *, instruments: QuerySet[Instrument], start: dt.datetime, end: dt.datetime, levels: Iterable[str] = LEVELS
) -> dict[str, list[RollupRow]]:
    """The roll-ups of several levels from one computation of the instruments' figures."""
    in_scope = instruments.filter(original_value__gte=settings.OPENNESS_THRESHOLD_CNY)
    infos = list(in_scope.values(*INFO_FIELDS))
    rows = _rows(infos, figures_by_instrument(instruments=in_scope, start=start, end=end), start, end)
    return {level: rollups_of(rows=rows, level=level) for level in levels}


def rollups_of(*, rows: Iterable[InstrumentRow], level: str) -> list[RollupRow]:
    """Instrument rows summed per region, institution or lab of `level`."""
    groups: dict[Any, Totals] = defaultdict(Totals)
    for row in rows:
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
    """Figures of each instrument in each of the periods (a year and its months)."""
    infos = list(instruments.values(*INFO_FIELDS))
    return [_rows(infos, figures_by_instrument(instruments=instruments, start=s, end=e), s, e) for s, e in periods]
