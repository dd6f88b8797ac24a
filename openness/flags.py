"""Anomaly flags: the rules, and who may read which flags.

Each rule looks at the figures openness.selectors computed for one instrument and period
(never a figure of its own) plus catalogue facts, and returns a Finding only together
with the numbers that made it fire. Thresholds come from settings (OPENNESS_FLAG_*).

Billed without measured use reads billing's charges (billing.selectors): use charged on
bookings inside which the instrument measured no running time, or had no reporting gateway.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Organization
from accounts.permissions import AnyUser, is_org_admin_of, is_platform_admin, regulated_region
from billing.selectors import Unmeasured
from instruments.models import Instrument
from openness.metrics import TICKS_PER_HOUR, ratio
from openness.models import Flag
from openness.selectors import InstrumentRow
from openness.serializers import hours, rate, rounded

Kind = Flag.Kind


@dataclass(frozen=True)
class Thresholds:
    min_coverage: Fraction
    idle_utilization: Fraction
    idle_days: int
    sharing_rate: Fraction
    declared_ratio: Fraction
    declared_min_hours: Fraction
    late_registration_days: int
    registration_from: dt.date
    no_shows: int
    billed_unmeasured: int

    @classmethod
    def current(cls) -> "Thresholds":
        s = settings
        return cls(
            min_coverage=Fraction(s.OPENNESS_FLAG_MIN_COVERAGE),
            idle_utilization=Fraction(s.OPENNESS_FLAG_IDLE_UTILIZATION),
            idle_days=s.OPENNESS_FLAG_IDLE_DAYS,
            sharing_rate=Fraction(s.OPENNESS_FLAG_SHARING_RATE),
            declared_ratio=Fraction(s.OPENNESS_FLAG_DECLARED_RATIO),
            declared_min_hours=Fraction(s.OPENNESS_FLAG_DECLARED_MIN_HOURS),
            late_registration_days=s.OPENNESS_FLAG_LATE_REGISTRATION_DAYS,
            registration_from=s.OPENNESS_FLAG_REGISTRATION_FROM,
            no_shows=s.OPENNESS_FLAG_NO_SHOWS,
            billed_unmeasured=s.OPENNESS_FLAG_BILLED_UNMEASURED,
        )


@dataclass(frozen=True)
class Facts:
    """Catalogue facts of an instrument, as they stand when the rules run."""

    share_mode: str
    status: str
    in_service_date: dt.date | None
    created_at: dt.datetime


@dataclass
class Finding:
    kind: str
    fired: list[str]
    numbers: dict[str, Any]
    thresholds: dict[str, Any]
    period: dict[str, str] = field(default_factory=dict)

    def evidence(self) -> dict[str, Any]:
        return {"period": self.period, "fired": self.fired, "numbers": self.numbers, "thresholds": self.thresholds}


@dataclass(frozen=True)
class Window:
    """The instrument's figures over the last `idle_days` days up to the period's end."""

    row: InstrumentRow
    start: dt.datetime
    end: dt.datetime


FACT_FIELDS = ("pk", "share_mode", "status", "in_service_date", "created_at")


def facts_load(*, instruments: list[int]) -> dict[int, Facts]:
    rows = Instrument.objects.filter(pk__in=instruments).values_list(*FACT_FIELDS)
    return {pk: Facts(*rest) for pk, *rest in rows}


def _text(value: Fraction | Decimal | int) -> str:
    return str(rounded(Fraction(value), 4).normalize())


def _coverage(row: InstrumentRow) -> Fraction:
    return Fraction(row.figures.known, row.figures.period)


def _reliable(row: InstrumentRow, t: Thresholds) -> bool:
    """Rules on measured hours speak only when the gateway reported enough of the period:
    otherwise silence would pass for idleness (the gateway rule covers that case)."""
    return row.figures.measured and _coverage(row) >= t.min_coverage


def rule_idle(row: InstrumentRow, window: Window | None, t: Thresholds) -> Finding | None:
    """Running far below reference hours in the period, or not at all in the last
    `idle_days` days up to the period's end while the gateway was reporting."""
    fired, numbers = [], {}
    f = row.figures
    if _reliable(row, t):
        utilization = ratio(f.effective, row.reference * TICKS_PER_HOUR)
        numbers.update(
            effective_hours=str(hours(f.effective)), reference_hours=str(rounded(row.reference, 2)),
            utilization=str(rate(utilization)), coverage=str(rate(_coverage(row))),
        )  # fmt: skip
        if utilization is not None and utilization < t.idle_utilization:
            fired.append("utilization")
    if window is not None and _reliable(window.row, t) and window.row.figures.effective == 0:
        fired.append("no_running")
        numbers.update(
            idle_from=timezone.localtime(window.start).isoformat(), idle_to=timezone.localtime(window.end).isoformat(),
            idle_effective_hours=str(hours(0)), idle_coverage=str(rate(_coverage(window.row))),
        )  # fmt: skip
    if not fired:
        return None
    thresholds = {"utilization_below": _text(t.idle_utilization), "idle_days": t.idle_days,
                  "min_coverage": _text(t.min_coverage)}  # fmt: skip
    return Finding(Kind.IDLE, fired, numbers, thresholds)


def rule_low_sharing(row: InstrumentRow, t: Thresholds) -> Finding | None:
    f = row.figures
    sharing = ratio(f.external, f.effective)
    if not _reliable(row, t) or sharing is None or sharing >= t.sharing_rate:
        return None
    numbers = {"external_hours": str(hours(f.external)), "effective_hours": str(hours(f.effective)),
               "sharing_rate": str(rate(sharing)), "coverage": str(rate(_coverage(row)))}  # fmt: skip
    return Finding(Kind.LOW_SHARING, ["sharing_rate"], numbers, {"sharing_rate_below": _text(t.sharing_rate)})


def rule_declared_over_measured(row: InstrumentRow, t: Thresholds) -> Finding | None:
    """Booked (declared) hours exceed the running time measured inside those bookings by
    at least `declared_min_hours` and at least `declared_ratio` times."""
    f = row.figures
    if not _reliable(row, t):
        return None
    gap = Fraction(f.booked - f.in_bookings, TICKS_PER_HOUR)
    if gap < t.declared_min_hours or f.booked < t.declared_ratio * f.in_bookings:
        return None
    numbers = {
        "booked_hours": str(hours(f.booked)),
        "measured_in_bookings_hours": str(hours(f.in_bookings)),
        "difference_hours": str(hours(f.booked - f.in_bookings)),
        "coverage": str(rate(_coverage(row))),
    }
    thresholds = {"difference_at_least_hours": _text(t.declared_min_hours), "ratio_at_least": _text(t.declared_ratio)}
    return Finding(Kind.DECLARED_OVER_MEASURED, ["declared_over_measured"], numbers, thresholds)


def rule_gateway(row: InstrumentRow, t: Thresholds) -> Finding | None:
    coverage = _coverage(row)
    if coverage >= t.min_coverage:
        return None
    fired = "silent" if row.has_gateway or row.figures.known else "missing"
    numbers = {"has_gateway": row.has_gateway, "reporting_hours": str(hours(row.figures.known)),
               "unknown_hours": str(hours(row.figures.unknown)), "period_hours": str(hours(row.figures.period)),
               "coverage": str(rate(coverage))}  # fmt: skip
    return Finding(Kind.GATEWAY, [fired], numbers, {"coverage_below": _text(t.min_coverage)})


def rule_late_registration(facts: Facts, start: dt.datetime, end: dt.datetime, t: Thresholds) -> Finding | None:
    """Judged once, in the period in which the instrument was catalogued."""
    if facts.in_service_date is None or not start <= facts.created_at < end:
        return None
    catalogued = timezone.localdate(facts.created_at)
    delay = (catalogued - facts.in_service_date).days
    if catalogued < t.registration_from or delay <= t.late_registration_days:
        return None
    numbers = {"in_service_date": facts.in_service_date.isoformat(), "catalogued": catalogued.isoformat(),
               "delay_days": delay}  # fmt: skip
    return Finding(Kind.LATE_REGISTRATION, ["late"], numbers, {"delay_above_days": t.late_registration_days})


def rule_not_shared(row: InstrumentRow, facts: Facts) -> Finding | None:
    if facts.share_mode != Instrument.ShareMode.NONE:
        return None
    numbers = {"share_mode": facts.share_mode, "original_value": str(row.info["original_value"])}
    thresholds = {"in_scope_from_cny": str(settings.OPENNESS_THRESHOLD_CNY)}
    return Finding(Kind.NOT_SHARED, ["not_shared"], numbers, thresholds)


def rule_no_shows(row: InstrumentRow, t: Thresholds) -> Finding | None:
    f = row.figures
    if f.no_show < t.no_shows:
        return None
    numbers = {"no_show": f.no_show, "completed": f.completed, "unverified": f.unverified}
    return Finding(Kind.NO_SHOWS, ["no_shows"], numbers, {"no_shows_at_least": t.no_shows})


def rule_billed_unmeasured(billed: Unmeasured | None, t: Thresholds) -> Finding | None:
    """Use charged on bookings in the period without running time measured inside them:
    the instrument's gateway reported and it did not run, or no gateway reported at all."""
    if billed is None or billed.charges < t.billed_unmeasured:
        return None
    fired = [name for name, count in (("zero_use", billed.zero_use), ("unverified", billed.unverified)) if count]
    numbers = {
        "billed_charges": billed.charges, "billed_amount": str(billed.amount), "billed_vouchers": str(billed.vouchers),
        "billed_zero_use": billed.zero_use, "billed_unverified": billed.unverified,
        "billed_bookings": ", ".join(str(pk) for pk in billed.bookings),
    }  # fmt: skip
    return Finding(Kind.BILLED_UNMEASURED, fired, numbers, {"charges_at_least": t.billed_unmeasured})


def findings_for(
    *, row: InstrumentRow, window: Window | None, facts: Facts, start: dt.datetime, end: dt.datetime,
    t: Thresholds, billed: Unmeasured | None = None,
) -> list[Finding]:  # fmt: skip
    """Every rule that fires for one in-scope instrument in [start, end)."""
    if facts.status == Instrument.Status.RETIRED:
        return []
    found = [
        rule_idle(row, window, t), rule_low_sharing(row, t), rule_declared_over_measured(row, t),
        rule_gateway(row, t), rule_late_registration(facts, start, end, t), rule_not_shared(row, facts),
        rule_no_shows(row, t), rule_billed_unmeasured(billed, t),
    ]  # fmt: skip
    period = {"from": timezone.localtime(start).isoformat(), "to": timezone.localtime(end).isoformat()}
    for finding in (f for f in found if f is not None):
        finding.period = period
    return [f for f in found if f is not None]


# Reads


def _own_institution(user: AnyUser) -> Organization | None:
    organization = getattr(user, "organization", None)
    if organization is not None and organization.can_own_instruments and is_org_admin_of(user, organization):
        return organization
    return None


def may_see_flags(*, user: AnyUser) -> bool:
    return is_platform_admin(user) or regulated_region(user) is not None or _own_institution(user) is not None


def flags_visible(*, user: AnyUser) -> QuerySet[Flag]:
    """Regulators see their region subtree, institution admins their institution, platform
    admins everything (read only); nobody else sees any flag."""
    flags = Flag.objects.select_related("instrument", "instrument__institution")
    if is_platform_admin(user):
        return flags.all()
    if (region := regulated_region(user)) is not None:
        return flags.filter(instrument__region__code__startswith=region.prefix)
    if (organization := _own_institution(user)) is not None:
        return flags.filter(instrument__institution=organization)
    return flags.none()


def unresolved_kinds(*, instruments: list[int], start: dt.datetime, end: dt.datetime) -> dict[int, list[str]]:
    """The kinds of each instrument's flags that are not closed and whose period meets
    [start, end), sorted: the `flags` field of the openness instruments endpoint."""
    kinds: dict[int, set[str]] = {}
    for pk, kind in Flag.objects.filter(
        instrument_id__in=instruments, state__in=Flag.UNRESOLVED, period_start__lt=end, period_end__gt=start
    ).values_list("instrument_id", "kind"):
        kinds.setdefault(pk, set()).add(kind)
    return {pk: sorted(found) for pk, found in kinds.items()}
