"""What the evaluation-round pages show, as plain data: the weights and curves of a round
as a readable table, its stored results as an openness.tables.Table (so that the CSV and
XLSX downloads hold exactly the page's numbers), and an institution's own result in
words. Everything is read from the round and its stored results, never recomputed."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from openness import scoring, tables
from openness.evaluation import HOURS_INPUTS
from openness.models import EvaluationResult, EvaluationRound
from openness.tables import Column, Table

# How each input is measured; every other input is a share 0–1.
INPUT_KINDS = {key: "hours" for key in HOURS_INPUTS} | {"unresolved_flags": "number"}
UNITS = {
    "rate": gettext_lazy("in %"),
    "hours": gettext_lazy("in hours a year"),
    "number": gettext_lazy("in flags per in-scope instrument"),
}
FIXED = [
    Column("institution", gettext_lazy("Code")),
    Column("name", gettext_lazy("Institution")),
    Column("total", gettext_lazy("Total (0–100)"), "number"),
    Column("grade", gettext_lazy("Grade")),
    Column("previous_total", gettext_lazy("Previous total"), "number"),
    Column("previous_grade", gettext_lazy("Previous grade")),
    Column("change", pgettext_lazy("the total minus the previous round's", "Change"), "signed"),
]


def input_kind(key: str) -> str:
    return INPUT_KINDS.get(key, "rate")


def period_text(evaluation: EvaluationRound) -> str:
    """First and last day, as the other openness pages show a period; times when a round
    made over the API does not start and end at midnight."""
    start, end = timezone.localtime(evaluation.period_start), timezone.localtime(evaluation.period_end)
    if start.time() == end.time() == dt.time():
        return f"{start:%Y-%m-%d} – {end - dt.timedelta(days=1):%Y-%m-%d}"
    return _("%(start)s to %(end)s (not included)") % {
        "start": f"{start:%Y-%m-%d %H:%M}",
        "end": f"{end:%Y-%m-%d %H:%M}",
    }


def _point(key: str, value: Any) -> str:
    """A curve's anchor as typed, in the unit of its input."""
    kind = input_kind(key)
    if kind == "rate":
        return f"{(Decimal(str(value)) * 100).normalize():f}%"
    if kind == "hours":
        return _("%(hours)s h") % {"hours": value}
    return str(value)


def _display(key: str, value: Any) -> str:
    return tables.display(input_kind(key), None if value is None else Decimal(str(value)))


@dataclass(frozen=True)
class IndicatorRow:
    key: str
    label: Any
    unit: Any
    weight: str
    share: str  # of the total weight
    curve: list[tuple[str, str]]


@dataclass(frozen=True)
class GroupRows:
    label: Any
    share: str  # of the total weight
    indicators: list[IndicatorRow]


def _share(part: Fraction, whole: Fraction) -> str:
    share = part / whole if whole else Fraction(0)
    return tables.display("rate", round(Decimal(share.numerator) / share.denominator, 4))


def config_groups(config: dict) -> list[GroupRows]:
    """Group → indicator → weight → curve points, in the order of the national indicators."""
    specs = config["indicators"]
    weight = {key: scoring.number(spec["weight"]) for key, spec in specs.items()}
    whole = sum(weight.values(), Fraction(0))
    groups = []
    for group, group_label in scoring.GROUPS.items():
        keys = [key for key, (g, _label) in scoring.INDICATORS.items() if g == group]
        rows = [
            IndicatorRow(
                key=key, label=scoring.INDICATORS[key][1], unit=UNITS[input_kind(key)],
                weight=str(specs[key]["weight"]), share=_share(weight[key], whole),
                curve=[(_point(key, x), str(y)) for x, y in specs[key]["curve"]],
            )
            for key in keys
        ]  # fmt: skip
        groups.append(GroupRows(group_label, _share(sum((weight[k] for k in keys), Fraction(0)), whole), rows))
    return groups


def grade_rows(config: dict) -> list[tuple[Any, str]]:
    cut = config["grades"]
    return [(scoring.GRADES[key], str(cut[key])) for key in ("excellent", "good", "pass")]


def results_table(
    *, evaluation: EvaluationRound, results: list[EvaluationResult], previous: dict[int, EvaluationResult], query: str
) -> Table:
    columns = list(FIXED)
    for key, (_group, label) in scoring.INDICATORS.items():
        columns.append(Column(f"input_{key}", format_lazy("{} · {}", label, gettext_lazy("input")), input_kind(key)))
        columns.append(Column(f"points_{key}", format_lazy("{} · {}", label, gettext_lazy("points")), "number"))
    table = Table("results", gettext_lazy("Results by institution"), columns, link="name")
    for result in results:
        before = previous.get(result.institution_id)
        row = {
            "institution": result.institution.code, "name": result.institution.name, "total": result.total,
            "grade": str(scoring.GRADES.get(result.grade, result.grade)),
            "previous_total": before and before.total,
            "previous_grade": before and str(scoring.GRADES.get(before.grade, before.grade)),
            "change": before and result.total - before.total,
            "url": f"{reverse('openness:institution', args=[result.institution.code])}?{query}",
        }  # fmt: skip
        for key in scoring.INDICATORS:
            value = result.inputs["indicators"].get(key)
            row[f"input_{key}"] = None if value is None else Decimal(value)
            row[f"points_{key}"] = Decimal(result.points[key]["points"])
        table.rows.append(row)
    return table


def indicator_heads() -> list[Any]:
    return [label for _group, label in scoring.INDICATORS.values()]


@dataclass(frozen=True)
class Explained:
    label: Any
    input: str
    points: str
    weight: str
    weights: str  # all weights together
    contribution: str
    missing: bool


def _with_unit(key: str, value: Any) -> str:
    shown = _display(key, value)
    if input_kind(key) == "hours":
        return _("%(hours)s hours a year") % {"hours": shown}
    if input_kind(key) == "number":
        return _("%(n)s flags per in-scope instrument") % {"n": shown}
    return shown


def explained(*, evaluation: EvaluationRound, result: EvaluationResult) -> list[Explained]:
    """Each indicator of one institution's result, for the sentence that says what it is."""
    specs = evaluation.config["indicators"]
    whole = sum((scoring.number(spec["weight"]) for spec in specs.values()), Fraction(0))
    out = []
    for key, (_group, label) in scoring.INDICATORS.items():
        value = result.inputs["indicators"].get(key)
        out.append(Explained(
            label=label, input=_with_unit(key, value), points=result.points[key]["points"],
            weight=str(specs[key]["weight"]), weights=f"{Decimal(whole.numerator) / whole.denominator:f}",
            contribution=result.points[key]["contribution"], missing=value is None,
        ))  # fmt: skip
    return out


def facts(result: EvaluationResult) -> dict[str, str]:
    f = result.inputs.get("facts", {})
    return {key: str(f.get(key, "—")) for key in (
        "instruments", "measured_instruments", "effective_hours", "external_hours", "booked_hours",
        "bookings_no_show", "unresolved_flags")}  # fmt: skip


@dataclass(frozen=True)
class OwnResult:
    """An institution admin's own result, to be read as sentences."""

    result: EvaluationResult
    grade: Any
    rows: list[Explained]
    facts: dict[str, str]


def own_results(*, evaluation: EvaluationRound, results: list[EvaluationResult]) -> list[OwnResult]:
    return [
        OwnResult(result=r, grade=scoring.GRADES.get(r.grade, r.grade), rows=explained(evaluation=evaluation, result=r),
                  facts=facts(r))
        for r in results
    ]  # fmt: skip
