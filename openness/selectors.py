"""Reads for openness: the figures of many instruments over a period (openness.daily adds
up settled days and computes the rest from the facts), and their roll-ups."""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise
from operator import itemgetter
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, Region
from instruments.models import Category, Instrument, Lab
from openness.daily import figures_by_instrument
from openness.metrics import Figures, Story, figures_compute, reference_hours, ticks
from openness.totals import Totals

LEVELS = ("province", "city", "county", "institution", "lab", "category", "value_band")
# Lower bounds (CNY) of the value bands above the openness threshold: 50–100, 100–200,
# 200–500 and 500 万元 or more, as audits group instruments.
VALUE_BANDS = (Decimal(1_000_000), Decimal(2_000_000), Decimal(5_000_000))
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
    # The queryset as a subquery, not a list of ids: a province has more instruments than
    # SQLite takes parameters, and PostgreSQL plans a semi-join faster than 10,000 values.
    ids = [info["pk"] for info in infos] if instruments.query.is_sliced else instruments.order_by().values("pk")
    figures = figures_by_instrument(instruments=ids, start=start, end=end)
    return _rows(infos, figures, start, end)


def _rows(
    infos: Iterable[dict[str, Any]], figures: dict[int, Figures], start: dt.datetime, end: dt.datetime
) -> list[InstrumentRow]:
    tz = timezone.get_current_timezone()
    rows: list[InstrumentRow] = []
    empty = figures_compute(story=Story(), start=ticks(start), end=ticks(end))
    references: dict[int, Fraction] = {}  # one value per annual figure over the period
    for info in infos:
        annual = annual_reference_hours(info["type"])
        if annual not in references:
            references[annual] = reference_hours(start=start, end=end, annual_hours=annual, tz=tz)
        rows.append(
            InstrumentRow(
                info=info,
                in_scope=info["original_value"] >= settings.OPENNESS_THRESHOLD_CNY,
                figures=figures.get(info["pk"], empty),
                reference=references[annual],
            )
        )
    return rows


def _key(level: str, info: dict[str, Any]) -> str | int:
    region: str = info["region_id"]
    keys: dict[str, Callable[[], str | int]] = {
        "province": lambda: region[:2] + "0000",
        "city": lambda: region[:4] + "00",
        "county": lambda: region,
        "institution": lambda: info["institution_id"],
        "lab": lambda: info["lab_id"],
        "category": lambda: info["category_id"][:2] + "0000",
        "value_band": lambda: value_band(info["original_value"]),
    }
    return keys[level]()


def value_band(value: Decimal) -> str:
    """The band of an original value: its lower bound in 万元 ("50" for 50–100 万元)."""
    lower = settings.OPENNESS_THRESHOLD_CNY
    for bound in VALUE_BANDS:
        if value >= bound:
            lower = bound
    return f"{lower / 10_000:.0f}"


def value_band_name(key: str) -> str:
    bounds = [f"{b / 10_000:.0f}" for b in VALUE_BANDS]
    if key == bounds[-1]:
        return _("%(lower)s × 10,000 CNY or more") % {"lower": key}
    following = next((b for b in bounds if int(b) > int(key)), None)
    return _("%(lower)s–%(upper)s × 10,000 CNY") % {"lower": key, "upper": following}


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
    return rollups_many(rows=rows, levels=levels)


# Each level of the tree is the sum of the one below: labs make institutions, institutions
# counties, and so on. Instruments are added once, to their cell (lab × class × value band);
# labs, classes and bands are merges of cells, and the tree is merged upwards from the labs.
TREE = ("lab", "institution", "county", "city", "province")


def rollups_many(*, rows: list[InstrumentRow], levels: Iterable[str]) -> dict[str, list[RollupRow]]:
    """Roll-ups of several levels of the same (in-scope) instrument rows."""
    cells: dict[tuple[int, str, str], Totals] = defaultdict(Totals)
    parents: dict[str, dict[Any, Any]] = {"institution": {}, "county": {}, "city": {}, "province": {}}
    for row in rows:
        info = row.info
        region, lab = info["region_id"], info["lab_id"]
        cell = (lab, info["category_id"][:2] + "0000", value_band(info["original_value"]))
        cells[cell].add(row.figures, row.reference)
        parents["institution"][lab] = info["institution_id"]
        parents["county"][info["institution_id"]] = region
        parents["city"][region] = region[:4] + "00"
        parents["province"][region[:4] + "00"] = region[:2] + "0000"
    groups = {"lab": _merged(cells, itemgetter(0)), "category": _merged(cells, itemgetter(1)),
              "value_band": _merged(cells, itemgetter(2))}  # fmt: skip
    for lower, upper in pairwise(TREE):
        groups[upper] = _merged(groups[lower], parents[upper].__getitem__)
    return {level: _sorted(_labelled(level, groups[level])) for level in levels}


def _merged(groups: dict[Any, Totals], key: Callable[[Any], Any]) -> dict[Any, Totals]:
    merged: dict[Any, Totals] = defaultdict(Totals)
    for lower, totals in groups.items():
        merged[key(lower)].merge(totals)
    return merged


def _sorted(rows: list[RollupRow]) -> list[RollupRow]:
    return sorted(rows, key=lambda r: (r.institution or "", r.code))


def rollups_of(*, rows: Iterable[InstrumentRow], level: str) -> list[RollupRow]:
    """Instrument rows summed per region, institution or lab of `level`."""
    groups: dict[Any, Totals] = defaultdict(Totals)
    for row in rows:
        groups[_key(level, row.info)].add(row.figures, row.reference)
    return _sorted(_labelled(level, groups))


def _labelled(level: str, groups: dict[Any, Totals]) -> list[RollupRow]:
    if level == "category":
        classes = Category.objects.in_bulk(list(groups))
        return [RollupRow(level, k, classes[k].name if k in classes else k, None, t) for k, t in groups.items()]
    if level == "value_band":
        return [RollupRow(level, k, value_band_name(k), None, t) for k, t in groups.items()]
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
