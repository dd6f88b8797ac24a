"""Evaluation inputs and results: what each institution of a region is scored on, taken
from the per-instrument figures of openness.selectors and catalogue facts, and the
results of a round as stored.

Inputs are rounded (rates to 4 places, hours to 2) before they are scored, so that the
stored inputs of a published round reproduce its stored points exactly.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Region
from accounts.permissions import AnyUser, is_org_admin_of, is_platform_admin, regulated_region
from instruments.models import Instrument
from openness import scoring, selectors
from openness.metrics import TICKS_PER_HOUR, ratio, reference_hours
from openness.models import EvaluationResult, EvaluationRound, Flag
from openness.serializers import rounded
from openness.totals import Totals

HOURS_INPUTS = {"external_hours"}


@dataclass
class Tally:
    """An institution's in-scope instruments, summed the way roll-ups sum them, plus the
    counts the evaluation needs beyond Totals."""

    totals: Totals = field(default_factory=Totals)
    open_catalogue: int = 0
    serving: int = 0
    measured_booked: int = 0  # booked ticks of measured instruments, beside their measured use
    unresolved_flags: int = 0


def instruments_evaluated(*, region: Region) -> QuerySet[Instrument]:
    """In-scope instruments of the region; retired ones have no openness duty left."""
    return (
        Instrument.objects.filter(
            region__code__startswith=region.prefix, original_value__gte=settings.OPENNESS_THRESHOLD_CNY
        )
        .exclude(status=Instrument.Status.RETIRED)
        .order_by("code")
    )


def tallies_compute(*, region: Region, start: dt.datetime, end: dt.datetime) -> dict[int, Tally]:
    instruments = instruments_evaluated(region=region)
    share_modes = dict(instruments.values_list("pk", "share_mode"))
    tallies: dict[int, Tally] = defaultdict(Tally)
    for row in selectors.instrument_rows(instruments=instruments, start=start, end=end):
        tally, f = tallies[row.info["institution_id"]], row.figures
        tally.totals.add(f, row.reference)
        tally.open_catalogue += share_modes[row.info["pk"]] == Instrument.ShareMode.EXTERNAL
        tally.serving += bool(f.external_organizations)
        tally.measured_booked += f.booked if f.measured else 0
    flags = Flag.objects.filter(
        instrument__in=instruments, state__in=Flag.UNRESOLVED, period_start__lt=end, period_end__gt=start
    ).values_list("instrument__institution_id", flat=True)
    for institution in flags:
        tallies[institution].unresolved_flags += 1
    return dict(tallies)


def inputs_from(tally: Tally, *, years: Fraction) -> dict[str, Decimal | None]:
    t, n = tally.totals, tally.totals.instruments
    bookings = t.completed + t.no_show + t.unverified
    external_a_year = (
        Fraction(t.external, TICKS_PER_HOUR) / t.measured_instruments / years if t.measured_instruments else None
    )
    exact = {
        "open_catalogue": ratio(tally.open_catalogue, n),
        "telemetry_coverage": t.coverage,
        "unresolved_flags": ratio(tally.unresolved_flags, n),
        "utilization": t.utilization,
        "measured_share_of_booked": ratio(t.in_bookings, tally.measured_booked),
        "no_show_rate": ratio(t.no_show, bookings),
        "sharing_rate": t.sharing_rate,
        "external_hours": external_a_year,
        "serving_share": ratio(tally.serving, n),
    }
    return {key: rounded(value, 2 if key in HOURS_INPUTS else 4) for key, value in exact.items()}


def facts_from(tally: Tally) -> dict[str, Any]:
    """The counts behind the inputs, kept with them for the reader."""
    t = tally.totals
    return {
        "instruments": t.instruments, "measured_instruments": t.measured_instruments,
        "effective_hours": str(rounded(Fraction(t.effective, TICKS_PER_HOUR), 2)),
        "external_hours": str(rounded(Fraction(t.external, TICKS_PER_HOUR), 2)),
        "booked_hours": str(rounded(Fraction(t.booked, TICKS_PER_HOUR), 2)),
        "bookings_no_show": t.no_show, "unresolved_flags": tally.unresolved_flags,
    }  # fmt: skip


def results_compute(*, evaluation: EvaluationRound) -> list[EvaluationResult]:
    """Unsaved results of each institution with in-scope instruments in the round's region."""
    start, end, config = evaluation.period_start, evaluation.period_end, evaluation.config
    years = reference_hours(start=start, end=end, annual_hours=1, tz=timezone.get_current_timezone())
    results = []
    for institution, tally in tallies_compute(region=evaluation.region, start=start, end=end).items():
        inputs = inputs_from(tally, years=years)
        scored = scoring.score(config=config, inputs={k: None if v is None else Fraction(v) for k, v in inputs.items()})
        total = rounded(scored.total, 2)
        assert total is not None
        results.append(
            EvaluationResult(
                round=evaluation, institution_id=institution, total=total,
                grade=scoring.grade(config=config, total=total),
                inputs={"indicators": {k: None if v is None else str(v) for k, v in inputs.items()},
                        "facts": facts_from(tally)},
                points={k: {"points": str(rounded(p, 2)), "contribution": str(rounded(scored.contributions[k], 2))}
                        for k, p in scored.points.items()},
            )
        )  # fmt: skip
    return results


def previous_round(*, evaluation: EvaluationRound) -> EvaluationRound | None:
    """The latest published round of the same region before this one's period."""
    return (
        EvaluationRound.objects.filter(
            region=evaluation.region, state=EvaluationRound.State.PUBLISHED, period_start__lt=evaluation.period_start
        )
        .exclude(pk=evaluation.pk)
        .order_by("-period_end", "-published_at")
        .first()
    )


# Reads


def rounds_visible(*, user: AnyUser) -> QuerySet[EvaluationRound]:
    """Regulators see the rounds of their subtree, platform admins all of them, an
    institution admin the published rounds that evaluated their institution."""
    rounds = EvaluationRound.objects.select_related("region")
    if is_platform_admin(user):
        return rounds.all()
    if (region := regulated_region(user)) is not None:
        return rounds.filter(region__code__startswith=region.prefix)
    organization = getattr(user, "organization", None)
    if organization is not None and is_org_admin_of(user, organization):
        return rounds.filter(state=EvaluationRound.State.PUBLISHED, results__institution=organization).distinct()
    return rounds.none()


def results_visible(*, evaluation: EvaluationRound, user: AnyUser) -> QuerySet[EvaluationResult]:
    results = evaluation.results.select_related("institution")
    if is_platform_admin(user) or regulated_region(user) is not None:
        return results.all()
    return results.filter(institution_id=getattr(user, "organization_id", None))


def differences(*, evaluation: EvaluationRound) -> dict[int, EvaluationResult]:
    """The previous published round's result of each institution, by institution id."""
    if evaluation.previous_id is None:
        return {}
    return {r.institution_id: r for r in EvaluationResult.objects.filter(round_id=evaluation.previous_id)}
