"""Each openness page's report: its figures, tables and charts, for the instruments the view
has already scoped (openness.scopes) and the period it has validated."""

import datetime as dt
from fractions import Fraction

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Region
from booking.models import Reservation
from booking.usage import USED, gaps, sessions_with_bookings
from instruments.models import Instrument
from openness import charts, reports
from openness.metrics import TICKS_PER_HOUR, ticks
from openness.periods import Period
from openness.reports import LEVELS, Report, totals_of
from openness.serializers import instrument_json, rounded
from openness.tables import INSTRUMENT, Table, columns
from openness.totals import Totals

CHILDREN_TITLES = {
    "province": _("Provinces"), "city": _("Cities"), "county": _("Counties and districts"),
    "institution": _("Institutions"),
}  # fmt: skip


def area_report(*, instruments: QuerySet[Instrument], period: Period, region: Region | None, sort: str) -> Report:
    """The dashboard of a region (or of the whole network, for platform admins)."""
    whole, by_month = reports.rows_by_period(instruments, period)
    totals = totals_of(whole)
    report = Report(reports.figures_of(totals), reports.national(totals, period))
    below = LEVELS[region.level if region else 0]
    children = reports.group(whole, below, period, sort)
    report.tables["children"] = reports.rollup_table("children", CHILDREN_TITLES[below], children)
    if below != "institution":
        institutions = reports.group(whole, "institution", period, sort)
        report.tables["institutions"] = reports.rollup_table("institutions", _("Institutions"), institutions)
    classes = reports.group(whole, "category", period, sort)
    report.tables["classes"] = reports.rollup_table("classes", _("By instrument class"), classes)
    bands = sorted(reports.group(whole, "value_band", period, sort), key=lambda r: int(r["code"]))
    report.tables["bands"] = reports.rollup_table("bands", _("By original value"), bands)
    nodes = reports.tree(whole, LEVELS[LEVELS.index(below) :], period)
    report.tables["treemap"] = reports.tree_table(nodes)
    report.tables["months"] = reports.months_table(by_month)
    report.tables["sharing"] = reports.sharing_table(whole)
    report.charts = {
        "trend": charts.trend(report.tables["months"]),
        "sharing": charts.histogram(report.tables["sharing"]),
        "ranking": charts.ranking(children, report.national["national_sharing"]),
        "treemap": charts.treemap(nodes, report.national),
    }
    return report


def institution_report(*, instruments: QuerySet[Instrument], period: Period) -> Report:
    whole, by_month = reports.rows_by_period(instruments, period)
    totals = totals_of(whole)
    report = Report(reports.figures_of(totals), reports.national(totals, period))
    report.tables["months"] = reports.months_table(by_month)
    report.tables["sharing"] = reports.sharing_table(whole)
    report.tables["instruments"] = reports.instrument_table(whole, period)
    report.charts = {
        "trend": charts.trend(report.tables["months"]),
        "sharing": charts.histogram(report.tables["sharing"]),
    }
    return report


def public_report(*, instruments: QuerySet[Instrument], period: Period) -> Report:
    """Only sums over the institution's in-scope instruments: nothing about who booked."""
    whole, by_month = reports.rows_by_period(instruments, period)
    totals = totals_of(whole)
    report = Report(reports.figures_of(totals), reports.national(totals, period))
    months = reports.months_table(by_month)
    public = ("month", "measured_instruments", "effective_hours", "external_hours", "sharing_rate", "utilization")
    report.tables["months"] = Table("months", months.title, columns(*public), months.rows)
    report.charts = {"trend": charts.trend(months)}
    return report


def instrument_report(*, instrument: Instrument, period: Period) -> Report:
    whole, by_month = reports.rows_by_period(Instrument.objects.filter(pk=instrument.pk), period)
    (row,) = whole
    totals = Totals()
    totals.add(row.figures, row.reference)
    report = Report(instrument_json(row), reports.national(totals, period))
    months = [
        {"month": month.first.strftime("%Y-%m"), **instrument_json(month_row)} for month, (month_row,) in by_month
    ]
    keys = [k for k in INSTRUMENT if k not in ("code", "name", "lab", "category", "type", "in_scope")]
    report.tables["months"] = Table("months", _("By month"), columns("month", *keys), months)
    report.tables["use"] = use_table(instrument, period)
    report.tables["bookings"] = bookings_table(instrument, period)
    report.tables["gaps"] = gaps_table(instrument, period)
    national = [reports.national(totals, month)["national_effective"] for month, _rows in by_month]
    report.charts = {"trend": charts.instrument_trend(report.tables["months"], national)}
    return report


def _hours(start: dt.datetime, end: dt.datetime) -> object:
    return rounded(Fraction(ticks(end) - ticks(start), TICKS_PER_HOUR), 2)


def use_table(instrument: Instrument, period: Period) -> Table:
    """Running time piece by piece, clipped to the period, with the booking it fell in:
    the pieces add up to the effective hours."""
    rows = []
    for use in sessions_with_bookings(instrument, period.start, period.end):
        for piece in use.pieces:
            start, end = max(piece.start, period.start), min(piece.end, period.end)
            if end <= start:
                continue
            booking = piece.reservation
            rows.append({
                "start": start, "end": end, "hours": _hours(start, end),
                "booking": f"#{booking.pk} · {booking.organization.name}" if booking else str(_("unbooked")),
                "external": None if booking is None else booking.organization_id != instrument.institution_id,
                "url": reverse("booking:reservation", args=[booking.pk]) if booking else "",
            })  # fmt: skip
    keys = ("start", "end", "hours", "booking", "external")
    return Table("use", _("Measured use"), columns(*keys), rows, link="booking",
                 note=_("Running time reported by the gateway, cut at the edges of bookings."))  # fmt: skip


OUTCOMES = {
    "approved": _("Approved, not settled yet"),
    "no_show": _("No-show"),
    "completed_measured": _("Completed, measured"),
    "completed_unverified": _("Completed, unverified"),
}


def bookings_table(instrument: Instrument, period: Period) -> Table:
    bookings = (
        Reservation.objects.filter(instrument=instrument, status__in=USED, start__lt=period.end, end__gt=period.start)
        .select_related("organization")
        .order_by("start", "pk")
    )
    rows = []
    for booking in bookings:
        outcome = booking.status
        if outcome == Reservation.Status.COMPLETED:
            outcome = "completed_measured" if booking.usage_verified else "completed_unverified"
        measured = booking.measured_minutes
        rows.append({
            "booking": f"#{booking.pk}", "start": booking.start, "end": booking.end,
            "hours": _hours(booking.start, booking.end), "organization": booking.organization.name,
            "external": booking.organization_id != instrument.institution_id, "outcome": str(OUTCOMES[outcome]),
            "measured_hours": None if measured is None else rounded(Fraction(measured) / 60, 2),
            "overrun_minutes": None if booking.overrun_minutes is None else round(booking.overrun_minutes),
            "url": reverse("booking:reservation", args=[booking.pk]),
        })  # fmt: skip
    keys = ("booking", "start", "end", "hours", "organization", "external", "outcome", "measured_hours",
            "overrun_minutes")  # fmt: skip
    return Table("bookings", _("Bookings"), columns(*keys), rows, link="booking",
                 note=_("Hours: booked (declared). Measured hours: running time inside the booking. "
                        "Unverified: settled without a reporting gateway."))  # fmt: skip


def gaps_table(instrument: Instrument, period: Period) -> Table:
    rows = []
    for gap in gaps(instrument, period.start, period.end):
        start, end = max(gap.start, period.start), min(gap.end, period.end)
        rows.append({"start": start, "end": end, "hours": _hours(start, end)})
    return Table("gaps", _("Gateway silent"), columns("start", "end", "hours"), rows,
                 note=_("Unknown time: never counted as use."))  # fmt: skip
