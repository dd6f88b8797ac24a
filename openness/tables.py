"""The tables of the openness pages, as plain data: a page shows them, and the same objects
are written as CSV or XLSX (config.exports), so a download holds exactly the numbers on the page.

Cells hold the figures as the REST API gives them (hours rounded to 2 places, rates 0–1 to
4 places, as Decimal); how a cell looks is decided where it is written.
"""

from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.tables import Column, Table


def columns(*keys: str) -> list[Column]:
    return [COLUMNS[key] for key in keys]


COLUMNS = {
    column.key: column
    for column in [
        Column("code", _("Code")),
        Column("name", _("Name")),
        Column("level", _("Level")),
        Column("city", _("City")),
        Column("county", _("County")),
        Column("institution", _("Institution")),
        Column("lab", _("Lab")),
        Column("category", _("Category")),
        Column("type", _("Type")),
        Column("month", _("Month")),
        Column("bin", _("Sharing rate")),
        Column("in_scope", _("In scope"), "bool"),
        Column("measured", _("Measured"), "bool"),
        Column("instruments", _("In-scope instruments"), "int"),
        Column("measured_instruments", _("Measured instruments"), "int"),
        Column("instrument_coverage", _("Share measured"), "rate"),
        Column("effective_hours", _("Effective hours"), "hours"),
        Column("external_hours", _("External hours"), "hours"),
        Column("sharing_rate", _("Sharing rate"), "rate"),
        Column("reference_hours", _("Reference hours"), "hours"),
        Column("utilization", _("Utilization"), "rate"),
        Column("effective_per_instrument", _("Effective hours per measured instrument"), "hours"),
        Column("national_effective", _("National average effective hours (pro-rated)"), "hours"),
        Column("external_per_instrument", _("External hours per measured instrument"), "hours"),
        Column("national_external", _("National average external hours (pro-rated)"), "hours"),
        Column("booked_hours", _("Booked hours (declared)"), "hours"),
        Column("measured_in_bookings_hours", _("Measured use in bookings"), "hours"),
        Column("unbooked_hours", _("Unbooked use"), "hours"),
        Column("overrun_hours", _("Overrun"), "hours"),
        Column("unknown_hours", _("Gateway silent (unknown)"), "hours"),
        Column("coverage", _("Telemetry coverage"), "rate"),
        Column("bookings_completed", _("Completed bookings"), "int"),
        Column("bookings_no_show", _("No-shows"), "int"),
        Column("bookings_unverified", _("Unverified bookings"), "int"),
        Column("external_organizations", _("Outside organizations served"), "int"),
        Column("start", _("Start"), "datetime"),
        Column("end", _("End"), "datetime"),
        Column("hours", _("Hours"), "hours"),
        Column("booking", _("Booking")),
        Column("organization", _("Organization")),
        Column("external", _("External user"), "bool"),
        Column("status", _("Status")),
        Column("outcome", _("Outcome")),
        Column("measured_hours", _("Measured hours"), "hours"),
        Column("overrun_minutes", _("Overrun (minutes)"), "int"),
    ]
}

# The figures every roll-up table shows, after its own label columns.
ROLLUP = (
    "instruments", "measured_instruments", "effective_hours", "external_hours", "sharing_rate", "utilization",
    "booked_hours", "unknown_hours", "coverage", "bookings_completed", "bookings_no_show", "external_organizations",
)  # fmt: skip
INSTRUMENT = (
    "code", "name", "lab", "category", "type", "in_scope", "measured", "effective_hours", "external_hours",
    "sharing_rate", "utilization", "booked_hours", "measured_in_bookings_hours", "unbooked_hours", "overrun_hours",
    "unknown_hours", "coverage", "bookings_completed", "bookings_no_show", "bookings_unverified",
    "external_organizations",
)  # fmt: skip

PAGE_ROWS = 300  # a page shows at most this many rows of a table; its download has all


def display(kind: str, value: Any) -> str:
    """A cell as a page shows it (rates as percentages, times local)."""
    if value is None or value == "":
        return "—"
    if kind == "hours":
        return f"{value:,.2f}"
    if kind == "rate":
        return f"{value * 100:,.2f}%"  # the rate's 4 places exactly: no second rounding
    if kind == "int":
        return f"{value:,}"
    if kind == "number":  # a Decimal, shown with the places it was stored with
        return f"{value:,}"
    if kind == "signed":  # a change: its sign always shown
        return f"{value:+,}"
    if kind == "datetime":
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if kind == "bool":
        return str(_("yes") if value else _("no"))
    return str(value)


def shown(table: Table) -> list[list[tuple[str, str, str]]]:
    """(text, link, CSS classes) of each cell of the rows a page shows."""
    out = []
    for row in table.rows[:PAGE_ROWS]:
        out.append([
            (display(column.kind, value), row.get("url", "") if column.key == table.link else "",
             f"{column.kind} col-{column.key}")
            for column, value in table.cells(row)
        ])  # fmt: skip
    return out


@dataclass(frozen=True)
class Card:
    label: Any
    value: str
    note: str = ""


def area_cards(figures: dict, national: dict) -> list[Card]:
    """The headline figures of a roll-up, with the national averages beside them."""
    f, n = figures, national
    hours = lambda v: display("hours", v)  # noqa: E731
    per = _("%(here)s h per measured instrument; national average (%(year)s) for this period %(there)s h")
    return [
        Card(_("In-scope instruments"), display("int", f["instruments"]),
             _("%(n)s measured by telemetry (%(share)s)") % {
                 "n": display("int", f["measured_instruments"]), "share": display("rate", f["instrument_coverage"])}),
        Card(_("Telemetry coverage"), display("rate", f["coverage"]), _("share of the time gateways were reporting")),
        Card(_("Effective hours"), hours(f["effective_hours"]),
             per % {"here": hours(n["effective_per_instrument"]), "there": hours(n["national_effective"]),
                    "year": n["year"]}),
        Card(_("External hours"), hours(f["external_hours"]),
             per % {"here": hours(n["external_per_instrument"]), "there": hours(n["national_external"]),
                    "year": n["year"]}),
        Card(_("Sharing rate"), display("rate", f["sharing_rate"]),
             _("external ÷ effective hours; national average (%(year)s) %(rate)s") % {
                 "rate": display("rate", n["national_sharing"]), "year": n["year"]}),
        Card(_("Utilization"), display("rate", f["utilization"]), _("effective ÷ reference hours (定额机时)")),
        Card(_("Booked hours (declared)"), hours(f["booked_hours"]), _("as booked, not as measured")),
        Card(_("Completed bookings"), display("int", f["bookings_completed"]),
             _("%(n)s no-shows") % {"n": display("int", f["bookings_no_show"])}),
    ]  # fmt: skip


def instrument_cards(figures: dict, national: dict) -> list[Card]:
    f = figures
    hours = lambda v: display("hours", v)  # noqa: E731
    return [
        Card(_("Effective hours"), hours(f["effective_hours"]),
             _("national average %(there)s h") % {"there": hours(national["national_effective"])}),
        Card(_("External hours"), hours(f["external_hours"]),
             _("national average %(there)s h") % {"there": hours(national["national_external"])}),
        Card(_("Sharing rate"), display("rate", f["sharing_rate"]), _("external ÷ effective hours")),
        Card(_("Utilization"), display("rate", f["utilization"]),
             _("of %(h)s reference hours") % {"h": hours(f["reference_hours"])}),
        Card(_("Booked hours (declared)"), hours(f["booked_hours"]),
             _("measured use in bookings %(h)s h") % {"h": hours(f["measured_in_bookings_hours"])}),
        Card(_("Unbooked use"), hours(f["unbooked_hours"]),
             _("of which overrun %(h)s h") % {"h": hours(f["overrun_hours"])}),
        Card(_("Telemetry coverage"), display("rate", f["coverage"]),
             _("gateway silent %(h)s h") % {"h": hours(f["unknown_hours"])}),
        Card(_("Completed bookings"), display("int", f["bookings_completed"]),
             _("%(n)s no-shows · %(u)s unverified") % {
                 "n": display("int", f["bookings_no_show"]), "u": display("int", f["bookings_unverified"])}),
    ]  # fmt: skip
