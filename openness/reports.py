"""What the openness pages show, read through openness.selectors: headline figures, months,
the spread of sharing rates and the roll-ups of a drill-down. Nothing here computes a
figure: instrument rows come from the selectors and are summed with openness.totals, the
way selectors.rollup_rows sums them; every figure is then rounded once, by the REST
serializers, so a page, its downloads and the API show the same numbers."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, Region
from instruments.models import Category, Instrument, Lab
from openness import selectors
from openness.metrics import TICKS_PER_HOUR, reference_hours
from openness.periods import Period
from openness.selectors import InstrumentRow, RollupRow
from openness.serializers import instrument_json, rollup_json, rounded
from openness.tables import INSTRUMENT, ROLLUP, Table, columns
from openness.totals import Totals

# DESIGN.md: national averages per instrument and year, 2025 round (国科办基 evaluation).
NATIONAL_YEAR, NATIONAL_EFFECTIVE, NATIONAL_EXTERNAL = 2025, 1599, 273
LEVELS = ("province", "city", "county", "institution")  # below the network, in order
BINS = 10  # sharing-rate classes of 10 points each
# Audits cite 7% as low sharing; the flag rule's threshold, where that setting exists.
LOW_SHARING = Decimal(getattr(settings, "OPENNESS_FLAG_SHARING_RATE", "0.07"))
SORTS = {
    "sharing": lambda r: (r["sharing_rate"] is None, -(r["sharing_rate"] or 0), r["name"]),
    "effective": lambda r: (r["effective_hours"] is None, -(r["effective_hours"] or 0), r["name"]),
    "instruments": lambda r: (-r["instruments"], r["name"]),
    "name": lambda r: (r["code"],),
}


@dataclass
class Report:
    figures: dict  # rollup_json of the whole (or instrument_json, for one instrument)
    national: dict  # national averages pro-rated to the period, and per measured instrument here
    tables: dict[str, Table] = field(default_factory=dict)
    charts: dict[str, dict] = field(default_factory=dict)


def rows_by_period(instruments: QuerySet[Instrument], period: Period) -> tuple[list, list[tuple[Period, list]]]:
    """Rows of the whole period and of each of its months, from one load."""
    months = period.months()
    spans = [(period.start, period.end)] + [(m.start, m.end) for m in months]
    whole, *by_month = selectors.instrument_rows_periods(instruments=instruments, periods=spans)
    return whole, list(zip(months, by_month, strict=True))


def totals_of(rows: list[InstrumentRow]) -> Totals:
    totals = Totals()
    for row in rows:
        if row.in_scope:  # roll-ups count in-scope instruments only, as selectors.rollup_rows
            totals.add(row.figures, row.reference)
    return totals


def figures_of(totals: Totals, level: str = "", code: str = "", name: str = "") -> dict:
    return rollup_json(RollupRow(level, code, name, None, totals))


def per_instrument(ticks: int, totals: Totals) -> Decimal | None:
    if not totals.measured_instruments:
        return None
    return rounded(Fraction(ticks, TICKS_PER_HOUR * totals.measured_instruments), 2)


def national(totals: Totals, period: Period) -> dict:
    """Per measured instrument here, beside the national averages pro-rated to the period."""
    tz = timezone.get_current_timezone()

    def pro_rated(annual: int) -> Decimal | None:
        return rounded(reference_hours(start=period.start, end=period.end, annual_hours=annual, tz=tz), 2)

    return {
        "year": NATIONAL_YEAR,
        "effective_per_instrument": per_instrument(totals.effective, totals),
        "external_per_instrument": per_instrument(totals.external, totals),
        "national_effective": pro_rated(NATIONAL_EFFECTIVE),
        "national_external": pro_rated(NATIONAL_EXTERNAL),
        "national_sharing": rounded(Fraction(NATIONAL_EXTERNAL, NATIONAL_EFFECTIVE), 4),
        "low_sharing": LOW_SHARING,
    }


def months_table(by_month: list[tuple[Period, list]]) -> Table:
    rows = []
    for month, month_rows in by_month:
        totals = totals_of(month_rows)
        rows.append({"month": month.first.strftime("%Y-%m"), **figures_of(totals), **national(totals, month)})
    keys = ("month", "measured_instruments", "effective_hours", "external_hours", "sharing_rate", "utilization",
            "effective_per_instrument", "national_effective", "external_per_instrument", "national_external",
            "booked_hours", "coverage")  # fmt: skip
    return Table("months", _("By month"), columns(*keys), rows)


def sharing_table(rows: list[InstrumentRow]) -> Table:
    """How many in-scope instruments fall in each class of sharing rate."""
    counts = [0] * BINS
    idle = unmeasured = 0
    for row in rows:
        figures = row.figures
        if not row.in_scope:
            continue
        if not figures.measured:
            unmeasured += 1
        elif not figures.effective:
            idle += 1
        else:
            counts[min(int(Fraction(figures.external, figures.effective) * BINS), BINS - 1)] += 1
    step = 100 // BINS
    out = [{"bin": f"{step * i}–{step * (i + 1)}%", "instruments": n} for i, n in enumerate(counts)]
    out += [{"bin": str(_("No running time")), "instruments": idle},
            {"bin": str(_("Not measured")), "instruments": unmeasured}]  # fmt: skip
    return Table("sharing", _("Instruments by sharing rate"), columns("bin", "instruments"), out)


def group_key(level: str, info: dict) -> str:
    region = info["region_id"]
    return {
        "province": lambda: region[:2] + "0000",
        "city": lambda: region[:4] + "00",
        "county": lambda: region,
        "institution": lambda: info["institution__code"],
        "category": lambda: info["category_id"][:2] + "0000",
        "value_band": lambda: selectors.value_band(info["original_value"]),
    }[level]()


def names(level: str, keys) -> dict[str, tuple[str, str]]:
    """(name, url) of each key; a region code with no row of its own is named by its code."""
    if level == "category":
        classes = Category.objects.in_bulk(list(keys))
        return {k: (classes[k].name if k in classes else k, "") for k in keys}
    if level == "value_band":
        return {k: (selectors.value_band_name(k), "") for k in keys}
    if level == "institution":
        orgs = Organization.objects.filter(code__in=list(keys))
        return {o.code: (o.name, reverse("openness:institution", args=[o.code])) for o in orgs}
    regions = Region.objects.in_bulk(list(keys))
    return {k: (regions[k].name if k in regions else k, reverse("openness:region", args=[k])) for k in keys}


def group(rows: list[InstrumentRow], level: str, period: Period, sort: str = "sharing") -> list[dict]:
    groups: dict[str, Totals] = defaultdict(Totals)
    for row in rows:
        if row.in_scope:
            groups[group_key(level, row.info)].add(row.figures, row.reference)
    labels = names(level, groups)
    out = []
    for key, totals in groups.items():
        name, url = labels.get(key, (key, ""))
        out.append({**figures_of(totals, level, key, name), "url": f"{url}?{period.query}" if url else ""})
    return sorted(out, key=SORTS.get(sort, SORTS["sharing"]))


def rollup_table(key: str, title: Any, rows: list[dict]) -> Table:
    return Table(key, title, columns("code", "name", *ROLLUP), rows, link="name")


def tree(rows: list[InstrumentRow], levels: tuple[str, ...], period: Period) -> list[dict]:
    """Nested nodes level by level (city → county → institution), each with its totals."""
    root: dict = {"children": {}}
    for row in rows:
        if not row.in_scope:
            continue
        node = root
        for level in levels:
            key = group_key(level, row.info)
            node = node["children"].setdefault(key, {"key": key, "level": level, "totals": Totals(), "children": {}})
            node["totals"].add(row.figures, row.reference)
    labels = {level: names(level, _keys_at(root, levels.index(level))) for level in levels}

    def nodes(children: dict) -> list[dict]:
        out = []
        for key, node in children.items():
            name, url = labels[node["level"]].get(key, (key, ""))
            out.append({**figures_of(node["totals"], node["level"], key, name), "url": f"{url}?{period.query}",
                        "children": nodes(node["children"])})  # fmt: skip
        return sorted(out, key=lambda n: (-n["instruments"], n["code"]))

    return nodes(root["children"])


def _keys_at(root: dict, depth: int) -> set[str]:
    layer = [root]
    for _depth in range(depth + 1):
        layer = [child for node in layer for child in node["children"].values()]
    return {node["key"] for node in layer}


def tree_table(nodes: list[dict]) -> Table:
    rows: list[dict] = []

    def walk(items: list[dict]) -> None:
        for node in items:
            rows.append({**node, "level": str(LEVEL_NAMES[node["level"]])})
            walk(node["children"])

    walk(nodes)
    keys = ("level", "code", "name", "instruments", "measured_instruments", "sharing_rate", "effective_hours",
            "external_hours")  # fmt: skip
    return Table("treemap", _("Region by institution"), columns(*keys), rows, link="name")


LEVEL_NAMES = {"province": _("Province"), "city": _("City"), "county": _("County"), "institution": _("Institution")}


def instrument_table(rows: list[InstrumentRow], period: Period) -> Table:
    labs = Lab.objects.in_bulk([row.info["lab_id"] for row in rows])
    out = []
    for row in rows:
        code = row.info["code"]
        url = reverse("openness:instrument", args=[code])
        lab = labs.get(row.info["lab_id"])
        out.append({**instrument_json(row), "lab": lab.name if lab else row.info["lab__code"],
                    "type": Instrument.Type(row.info["type"]).label, "url": f"{url}?{period.query}"})  # fmt: skip
    return Table("instruments", _("Instruments"), columns(*INSTRUMENT), out, link="name")
