"""The printable annual report of an institution: its page's figures for one calendar year
(openness.dashboards, so the report and the page agree; nothing is computed here), the flags
of the year as the page lists them, and how the figures are measured, as a PDF."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from config.pdf import html_to_pdf
from instruments.models import Instrument
from openness import dashboards, tables
from openness.flag_views import evidence_numbers
from openness.flags import flags_visible
from openness.models import Flag
from openness.periods import Period, this_year_so_far
from openness.tables import Table

TEMPLATE = "openness/annual_report.html"
FIRST_YEAR = 2000
NO_SUCH_YEAR = _("There is no annual report for that year yet.")
# A4 portrait holds about ten figure columns; the page and its downloads have them all.
MONTH_KEYS = ("month", "measured_instruments", "effective_hours", "external_hours", "sharing_rate", "utilization",
              "effective_per_instrument", "national_effective", "booked_hours", "coverage")  # fmt: skip
INSTRUMENT_KEYS = ("code", "name", "in_scope", "measured", "effective_hours", "external_hours", "sharing_rate",
                   "utilization", "booked_hours")  # fmt: skip


@dataclass(frozen=True)
class Printed:
    """A table of the page cut to the columns that fit on paper, each cell as the page shows it."""

    key: str
    title: Any
    columns: list[tables.Column]
    rows: list[list[tuple[str, str]]]  # (text, CSS classes)


def year_period(year: int, today: dt.date | None = None) -> Period | None:
    """The calendar year; the current one so far, as the pages show it; None for a future year."""
    today = today or timezone.localdate()
    if not FIRST_YEAR <= year <= today.year:
        return None
    if year == today.year:
        return this_year_so_far(today)
    return Period(dt.date(year, 1, 1), dt.date(year + 1, 1, 1))


def printed(table: Table, keys: tuple[str, ...]) -> Printed:
    chosen = [column for column in table.columns if column.key in keys]
    rows = [
        [(tables.display(c.kind, row.get(c.key)), f"{c.kind} col-{c.key}") for c in chosen]
        for row in table.rows  # every row: paper has no download link
    ]
    return Printed(table.key, table.title, chosen, rows)


def year_flags(*, user, instruments: QuerySet[Instrument], period: Period) -> list[Flag]:
    """The flags the user may see whose period meets the year, by instrument."""
    flags = list(
        flags_visible(user=user)
        .filter(instrument__in=instruments, period_start__lt=period.end, period_end__gt=period.start)
        .order_by("instrument__code", "period_start", "kind")
    )
    for flag in flags:
        flag.numbers = evidence_numbers(flag)
        flag.last_day = timezone.localdate(flag.period_end - dt.timedelta(microseconds=1))
    return flags


def annual_report_context(
    *, user, institution: Organization, instruments: QuerySet[Instrument], year: int, period: Period
) -> dict:
    report = dashboards.institution_report(instruments=instruments, period=period)
    return {
        "institution": institution, "year": year, "period": period, "report": report,
        "whole_year": period.after == dt.date(year + 1, 1, 1),
        "cards": tables.area_cards(report.figures, report.national),
        "months": printed(report.tables["months"], MONTH_KEYS),
        "instruments": printed(report.tables["instruments"], INSTRUMENT_KEYS),
        "flags": year_flags(user=user, instruments=instruments, period=period),
        "threshold_cny": f"{settings.OPENNESS_THRESHOLD_CNY:,.0f}",
        "reference_general": f"{settings.OPENNESS_REFERENCE_HOURS_GENERAL:,}",
        "reference_special": f"{settings.OPENNESS_REFERENCE_HOURS_SPECIAL:,}",
        "min_coverage": f"{(settings.OPENNESS_FLAG_MIN_COVERAGE * 100).normalize():f}%",
        "site_name": settings.SITE_NAME, "generated": timezone.localtime(),
    }  # fmt: skip


def annual_report_pdf(*, request: HttpRequest, **context: Any) -> bytes:
    """The report in the language of the request."""
    html = render_to_string(TEMPLATE, annual_report_context(user=request.user, **context), request=request)
    return html_to_pdf(html)


def filename(institution: Organization, year: int) -> str:
    return f"openness-{institution.code}-{year}-{get_language()}.pdf"
