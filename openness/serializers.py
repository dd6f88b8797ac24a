"""The JSON of openness figures. Figures are exact (ticks and fractions) until here; each
is rounded once, half up: hours to 2 places, rates (0–1) to 4, as decimal strings like
every amount of the API."""

import math
from decimal import Decimal
from fractions import Fraction

from django.utils.translation import get_language
from rest_framework import serializers

from billing.selectors import Money
from config.api import Serializer
from openness.metrics import TICKS_PER_HOUR, ratio
from openness.selectors import InstrumentRow, RollupRow
from openness.totals import Totals

HOURS = {"max_digits": 14, "decimal_places": 2, "allow_null": True}
RATE = {"max_digits": 10, "decimal_places": 4, "allow_null": True}


def rounded(value: Fraction | int | None, places: int) -> Decimal | None:
    if value is None:
        return None
    return Decimal(math.floor(Fraction(value) * 10**places + Fraction(1, 2))).scaleb(-places)


def hours(ticks: int | None) -> Decimal | None:
    return None if ticks is None else rounded(Fraction(ticks, TICKS_PER_HOUR), 2)


def rate(value: Fraction | None) -> Decimal | None:
    return rounded(value, 4)


class FiguresSerializer(Serializer):
    """What instrument rows and roll-up rows share. Measured figures are null when
    nothing was measured; declared ones (booked) are never null."""

    effective_hours = serializers.DecimalField(**HOURS, help_text="running time measured by telemetry (有效工作机时)")
    external_hours = serializers.DecimalField(**HOURS, help_text="measured use by outside organizations (对外服务机时)")
    sharing_rate = serializers.DecimalField(**RATE, help_text="external ÷ effective hours; null when no running time")
    reference_hours = serializers.DecimalField(**HOURS, help_text="定额机时 pro-rated to the period")
    utilization = serializers.DecimalField(**RATE, help_text="effective ÷ reference hours")
    booked_hours = serializers.DecimalField(**HOURS, help_text="declared: approved, completed and no-show bookings")
    booked_external_hours = serializers.DecimalField(**HOURS)
    measured_in_bookings_hours = serializers.DecimalField(**HOURS)
    unbooked_hours = serializers.DecimalField(**HOURS, help_text="running time outside every booking (with overrun)")
    overrun_hours = serializers.DecimalField(**HOURS, help_text="running past a booking's end, part of unbooked")
    unknown_hours = serializers.DecimalField(**HOURS, help_text="reporting gaps: the gateway was silent")
    reporting_hours = serializers.DecimalField(**HOURS, help_text="time the gateway was reporting")
    coverage = serializers.DecimalField(**RATE, help_text="reporting time ÷ the period")
    bookings_completed = serializers.IntegerField()
    bookings_no_show = serializers.IntegerField()
    bookings_unverified = serializers.IntegerField()
    external_organizations = serializers.IntegerField(allow_null=True)


class InstrumentFiguresSerializer(FiguresSerializer):
    code = serializers.CharField()
    name = serializers.CharField()
    institution = serializers.CharField()
    lab = serializers.CharField()
    region = serializers.CharField()
    category = serializers.CharField()
    type = serializers.CharField()
    in_scope = serializers.BooleanField()
    measured = serializers.BooleanField(help_text="false: no gateway reported in the period; hours are declared only")
    has_gateway = serializers.BooleanField(help_text="a gateway is bound to the instrument now")
    flags = serializers.ListField(
        child=serializers.CharField(), help_text="kinds of the instrument's unresolved anomaly flags in the period"
    )
    revenue = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="CNY charged (net of VAT) for bookings that started in the period"
    )
    voucher_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="CNY of those charges paid by innovation vouchers"
    )


class RollupSerializer(FiguresSerializer):
    level = serializers.CharField()
    code = serializers.CharField()
    name = serializers.CharField()
    institution = serializers.CharField(allow_null=True)
    instruments = serializers.IntegerField(help_text="in-scope instruments")
    measured_instruments = serializers.IntegerField()
    instrument_coverage = serializers.DecimalField(**RATE, help_text="measured ÷ in-scope instruments")


def instrument_json(row: InstrumentRow, *, flags: list[str] | None = None, money: Money | None = None) -> dict:
    f, info = row.figures, row.info
    money = money or Money()
    orgs = f.external_organizations
    return {
        "code": info["code"], "name": _pick(info["name_zh"], info["name_en"]),
        "institution": info["institution__code"], "lab": info["lab__code"], "region": info["region_id"],
        "category": info["category_id"], "type": info["type"], "in_scope": row.in_scope, "measured": f.measured,
        "has_gateway": row.has_gateway,
        "effective_hours": hours(f.effective), "external_hours": hours(f.external),
        "sharing_rate": rate(ratio(f.external, f.effective)),
        "reference_hours": rounded(row.reference, 2),
        "utilization": rate(ratio(f.effective, row.reference * TICKS_PER_HOUR)),
        "booked_hours": hours(f.booked), "booked_external_hours": hours(f.booked_external),
        "measured_in_bookings_hours": hours(f.in_bookings), "unbooked_hours": hours(f.unbooked),
        "overrun_hours": hours(f.overrun), "unknown_hours": hours(f.unknown), "reporting_hours": hours(f.known),
        "coverage": rate(ratio(f.known, f.period)),
        "bookings_completed": f.completed, "bookings_no_show": f.no_show, "bookings_unverified": f.unverified,
        "external_organizations": None if orgs is None else len(orgs),
        "flags": flags or [], "revenue": money.revenue, "voucher_amount": money.vouchers,
    }  # fmt: skip


def rollup_json(row: RollupRow) -> dict:
    t: Totals = row.totals
    measured = t.measured_instruments > 0
    return {
        "level": row.level, "code": row.code, "name": row.name, "institution": row.institution,
        "instruments": t.instruments, "measured_instruments": t.measured_instruments,
        "instrument_coverage": rate(t.instrument_coverage),
        "effective_hours": hours(t.effective) if measured else None,
        "external_hours": hours(t.external) if measured else None,
        "sharing_rate": rate(t.sharing_rate), "reference_hours": rounded(t.reference, 2) if measured else None,
        "utilization": rate(t.utilization),
        "booked_hours": hours(t.booked), "booked_external_hours": hours(t.booked_external),
        "measured_in_bookings_hours": hours(t.in_bookings) if measured else None,
        "unbooked_hours": hours(t.unbooked) if measured else None,
        "overrun_hours": hours(t.overrun) if measured else None,
        "unknown_hours": hours(t.unknown), "reporting_hours": hours(t.known), "coverage": rate(t.coverage),
        "bookings_completed": t.completed, "bookings_no_show": t.no_show, "bookings_unverified": t.unverified,
        "external_organizations": len(t.organizations) if measured else None,
    }  # fmt: skip


def _pick(zh: str, en: str) -> str:
    return en if (get_language() or "").startswith("en") and en else zh
