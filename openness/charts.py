"""What each chart draws, as plain JSON for openness/static/openness/charts.js: the numbers
of a table and labels already translated here. The page passes it through json_script, so
no name typed by a user is ever written into a script."""

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from openness.tables import Table


def number(value: Decimal | int | None, scale: int = 1) -> float | None:
    """A figure for drawing only (exports and tables keep the Decimal)."""
    return None if value is None else float(value) * scale


def _series(name: Any, data: list, kind: str = "bar", **extra) -> dict:
    return {"name": name, "kind": kind, "data": data, **extra}


def trend(months: Table) -> dict:
    """Hours per measured instrument, month by month, beside the national averages."""
    rows = months.rows
    return {
        "type": "bars",
        "categories": [r["month"] for r in rows],
        "axes": [{"name": _("hours per instrument")}],
        "series": [
            _series(_("Effective hours"), [number(r["effective_per_instrument"]) for r in rows]),
            _series(_("External hours"), [number(r["external_per_instrument"]) for r in rows]),
            _series(_("National average, effective"), [number(r["national_effective"]) for r in rows], "line",
                    dashed=True),
            _series(_("National average, external"), [number(r["national_external"]) for r in rows], "line",
                    dashed=True),
        ],
    }  # fmt: skip


def instrument_trend(months: Table, national: list[Decimal | None]) -> dict:
    rows = months.rows
    return {
        "type": "bars",
        "categories": [r["month"] for r in rows],
        "axes": [{"name": _("hours")}],
        "series": [
            _series(_("Effective hours"), [number(r["effective_hours"]) for r in rows]),
            _series(_("External hours"), [number(r["external_hours"]) for r in rows]),
            _series(_("Booked hours (declared)"), [number(r["booked_hours"]) for r in rows]),
            _series(_("National average, effective"), [number(v) for v in national], "line", dashed=True),
        ],
    }


def histogram(sharing: Table) -> dict:
    return {
        "type": "bars",
        "categories": [r["bin"] for r in sharing.rows],
        "axes": [{"name": _("instruments"), "integer": True}],
        "series": [_series(_("In-scope instruments"), [r["instruments"] for r in sharing.rows])],
    }


def ranking(rows: list[dict], national_sharing: Decimal | None) -> dict:
    """Sharing rate of each region or institution below, with the national average as a line."""
    return {
        "type": "bars",
        "horizontal": True,
        "categories": [r["name"] for r in rows],
        "axes": [{"name": "%", "percent": True}],
        "series": [_series(_("Sharing rate"), [number(r["sharing_rate"], 100) for r in rows])],
        "mark": {"name": _("National average"), "value": number(national_sharing, 100)},
    }


def treemap(nodes: list[dict], national: dict) -> dict:
    """Rectangles sized by in-scope instruments, coloured by sharing rate in three classes:
    below the low-sharing threshold, below the national average, at or above it (grey:
    no running time measured)."""

    def node(n: dict) -> dict:
        return {
            "name": n["name"], "value": n["instruments"], "rate": number(n["sharing_rate"], 100),
            "measured": n["measured_instruments"], "url": n["url"], "children": [node(c) for c in n["children"]],
        }  # fmt: skip

    return {
        "type": "treemap",
        "data": [node(n) for n in nodes],
        "low": number(national["low_sharing"], 100),
        "national": number(national["national_sharing"], 100),
        "labels": {
            "instruments": _("In-scope instruments"),
            "measured": _("Measured instruments"),
            "rate": _("Sharing rate"),
            "none": _("no running time measured"),
        },
    }
