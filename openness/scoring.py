"""Evaluation scoring: pure functions from an institution's measured inputs to points, a
total out of 100 and a grade, under a round's config.

The national indicators (组织管理, 运行使用, 共享服务) are public; their weights are not. The
defaults below are ours, labelled as defaults wherever they are shown, and a regulator
edits a copy of them per round. Each indicator scores 0–100 on a piecewise-linear curve
of its input (flat beyond the first and last points); the total is the weighted mean.
An indicator with no input (nothing measured, no bookings) scores 0: there is nothing
to credit, and a missing gateway must not earn more than a measured idle instrument.
"""

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

GROUPS = {
    "organization": _("Organization and management (组织管理)"),
    "operation": _("Operation and use (运行使用)"),
    "sharing": _("Sharing service (共享服务)"),
}
# key: (group, label)
INDICATORS = {
    "open_catalogue": ("organization", _("Share of in-scope instruments open to outside users (外部共享仪器占比)")),
    "telemetry_coverage": ("organization", _("Telemetry coverage of in-scope instruments (联网监测覆盖率)")),
    "unresolved_flags": ("organization", _("Unresolved anomaly flags per instrument (未整改异常数/台)")),
    "utilization": ("operation", _("Effective hours ÷ reference hours (定额机时利用率)")),
    "measured_share_of_booked": ("operation", _("Measured use ÷ booked hours (预约机时实测率)")),
    "no_show_rate": ("operation", _("No-show rate of bookings (爽约率)")),
    "sharing_rate": ("sharing", _("External ÷ effective hours (共享率)")),
    "external_hours": ("sharing", _("External service hours per measured instrument a year (台均对外服务机时)")),
    "serving_share": ("sharing", _("Share of instruments that served outside users (对外服务仪器占比)")),
}
GRADES = {
    "excellent": _("Excellent (优秀)"),
    "good": _("Good (良好)"),
    "pass": _("Pass (合格)"),
    "poor": _("Poor (较差)"),
}
DEFAULTS_NOTE = _(
    "Default weights and curves: the official weights of the national evaluation are not public; "
    "the regulator may change them for each round."
)

# Weights add up to 100 for reading ease; any non-negative weights work (the total is
# a weighted mean). Rates are 0–1; external_hours is in hours a year, its curve anchored
# on the 2025 national average of 273 h; sharing_rate on the 7% audits cite and the
# 16% national rate of 2019.
DEFAULT_CONFIG: dict[str, Any] = {
    "indicators": {
        "open_catalogue": {"weight": 8, "curve": [["0", "0"], ["0.5", "40"], ["1", "100"]]},
        "telemetry_coverage": {"weight": 6, "curve": [["0", "0"], ["0.5", "50"], ["0.9", "100"]]},
        "unresolved_flags": {"weight": 6, "curve": [["0", "100"], ["0.5", "60"], ["2", "0"]]},
        "utilization": {"weight": 25, "curve": [["0", "0"], ["0.25", "30"], ["0.6", "70"], ["1", "100"]]},
        "measured_share_of_booked": {"weight": 10, "curve": [["0", "0"], ["0.5", "50"], ["0.8", "100"]]},
        "no_show_rate": {"weight": 5, "curve": [["0", "100"], ["0.05", "80"], ["0.2", "0"]]},
        "sharing_rate": {"weight": 20, "curve": [["0", "0"], ["0.07", "30"], ["0.16", "70"], ["0.3", "100"]]},
        "external_hours": {"weight": 10, "curve": [["0", "0"], ["137", "50"], ["273", "80"], ["546", "100"]]},
        "serving_share": {"weight": 10, "curve": [["0", "0"], ["0.5", "60"], ["0.8", "100"]]},
    },
    "grades": {"excellent": "85", "good": "70", "pass": "60"},
}

BAD_CONFIG = _("Give 'indicators' (each with 'weight' and 'curve') and 'grades' (excellent, good, pass).")
UNKNOWN_INDICATOR = _("Unknown indicator «%(key)s»; the indicators are: %(keys)s.")
MISSING_INDICATOR = _("Indicator «%(key)s» is missing; give it a weight of 0 to leave it out.")
BAD_WEIGHT = _("The weight of «%(key)s» must be a number of at least 0.")
NO_WEIGHT = _("At least one indicator needs a weight above 0.")
BAD_CURVE = _(
    "The curve of «%(key)s» needs at least two [input, points] pairs, inputs increasing, points between 0 and 100."
)
BAD_GRADES = _("Grade cut-offs must be numbers with 100 ≥ excellent ≥ good ≥ pass ≥ 0.")


@dataclass(frozen=True)
class Score:
    points: dict[str, Fraction]  # 0–100 per indicator
    contributions: dict[str, Fraction]  # share of the total each indicator brings
    total: Fraction  # 0–100


def number(value: Any) -> Fraction:
    """An exact number from JSON: a string like "0.07" or a number (via its text, so that
    0.07 is 7/100 and not the nearest binary float)."""
    if isinstance(value, bool):
        raise ValueError(value)
    return Fraction(str(value))


def curve_points(curve: list, value: Fraction | None) -> Fraction:
    if value is None:
        return Fraction(0)
    pts = [(number(x), number(y)) for x, y in curve]
    if value <= pts[0][0]:
        return pts[0][1]
    for (x0, y0), (x1, y1) in pairwise(pts):
        if value <= x1:
            return y0 + (y1 - y0) * (value - x0) / (x1 - x0)
    return pts[-1][1]


def score(*, config: dict, inputs: dict[str, Fraction | None]) -> Score:
    indicators = config["indicators"]
    weights = {key: number(spec["weight"]) for key, spec in indicators.items()}
    whole = sum(weights.values())
    points = {key: curve_points(spec["curve"], inputs.get(key)) for key, spec in indicators.items()}
    contributions = {key: weights[key] * points[key] / whole for key in indicators}
    return Score(points, contributions, sum(contributions.values(), Fraction(0)))


def grade(*, config: dict, total: Decimal) -> str:
    """The grade of a total as shown (rounded), so that a 85.00 shown is never 良好."""
    cutoffs = config["grades"]
    for name in ("excellent", "good", "pass"):
        if Fraction(total) >= number(cutoffs[name]):
            return name
    return "poor"


def config_clean(config: Any) -> dict:
    """The config if it is complete and sensible; otherwise a ValidationError on `config`."""
    problems = _problems(config)
    if problems:
        raise ValidationError({"config": problems})
    return config


def _problems(config: Any) -> list[str]:
    if not isinstance(config, dict) or not isinstance(config.get("indicators"), dict):
        return [str(BAD_CONFIG)]
    problems, indicators, keys = [], config["indicators"], ", ".join(INDICATORS)
    for key in indicators.keys() - INDICATORS.keys():
        problems.append(str(UNKNOWN_INDICATOR % {"key": key, "keys": keys}))
    for key in INDICATORS.keys() - indicators.keys():
        problems.append(str(MISSING_INDICATOR % {"key": key}))
    weights = []
    for key in INDICATORS.keys() & indicators.keys():
        spec = indicators[key] if isinstance(indicators[key], dict) else {}
        try:
            weights.append(number(spec.get("weight")))
            assert weights[-1] >= 0
        except (ValueError, TypeError, AssertionError, ZeroDivisionError):
            problems.append(str(BAD_WEIGHT % {"key": key}))
        if not _curve_ok(spec.get("curve")):
            problems.append(str(BAD_CURVE % {"key": key}))
    if not problems and not any(weights):
        problems.append(str(NO_WEIGHT))
    if not _grades_ok(config.get("grades")):
        problems.append(str(BAD_GRADES))
    return sorted(problems)


def _curve_ok(curve: Any) -> bool:
    try:
        pts = [(number(x), number(y)) for x, y in curve]
    except (ValueError, TypeError, ZeroDivisionError):
        return False
    increasing = all(a[0] < b[0] for a, b in pairwise(pts))
    return len(pts) >= 2 and increasing and all(0 <= y <= 100 for _x, y in pts)


def _grades_ok(grades: Any) -> bool:
    try:
        cut = [number(grades[name]) for name in ("excellent", "good", "pass")]
    except (ValueError, TypeError, KeyError, ZeroDivisionError):
        return False
    return 100 >= cut[0] >= cut[1] >= cut[2] >= 0
