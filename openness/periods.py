"""The period of an openness page: whole local days [from, to), as the REST API takes them,
so that a page, its exports and the API agree on what a URL's period means."""

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from booking.windows import BACKWARDS
from openness.api import MAX_DAYS, TOO_LONG

PERIOD_UNKNOWN = _("Showing this year so far instead.")


@dataclass(frozen=True)
class Period:
    first: dt.date  # the first day
    after: dt.date  # the day after the last one: not included

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first, dt.time(), timezone.get_current_timezone())

    @property
    def end(self) -> dt.datetime:
        return dt.datetime.combine(self.after, dt.time(), timezone.get_current_timezone())

    @property
    def last(self) -> dt.date:
        return self.after - dt.timedelta(days=1)

    @property
    def params(self) -> dict[str, str]:
        return {"from": self.first.isoformat(), "to": self.after.isoformat()}

    @property
    def query(self) -> str:
        return urlencode(self.params)

    @property
    def slug(self) -> str:
        return f"{self.first.isoformat()}_{self.last.isoformat()}"

    def months(self) -> list["Period"]:
        """The calendar months the period touches, each clipped to the period."""
        out, first = [], self.first
        while first < self.after:
            next_month = (first.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
            out.append(Period(first, min(next_month, self.after)))
            first = next_month
        return out


def this_year_so_far(today: dt.date | None = None) -> Period:
    today = today or timezone.localdate()
    return Period(dt.date(today.year, 1, 1), today + dt.timedelta(days=1))


def quick_picks(today: dt.date | None = None) -> list[tuple[str, Period]]:
    today = today or timezone.localdate()
    this_month = today.replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    return [
        (_("This year so far"), this_year_so_far(today)),
        (_("Last month"), Period(last_month, this_month)),
        (_("Last year"), Period(dt.date(today.year - 1, 1, 1), dt.date(today.year, 1, 1))),
    ]


class PeriodForm(forms.Form):
    """`from` and `to` are Python keywords, hence the fields added by name."""

    def __init__(self, data=None, **kwargs) -> None:
        super().__init__(data, **kwargs)
        date = {"widget": forms.DateInput(attrs={"type": "date"})}
        self.fields["from"] = forms.DateField(label=_("From"), **date)
        self.fields["to"] = forms.DateField(
            label=_("To (not included)"), help_text=_("The day after the last day."), **date
        )

    def clean(self) -> dict:
        cleaned = super().clean()
        first, after = cleaned.get("from"), cleaned.get("to")
        if first and after:
            if after <= first:
                self.add_error("to", BACKWARDS)
            elif (after - first).days > MAX_DAYS:
                self.add_error("to", TOO_LONG)
        return cleaned


def period_from_query(params) -> tuple[Period, PeriodForm]:
    """The period asked for, or this year so far when none (or a wrong one) is asked;
    the form carries the errors to show and the dates shown."""
    if not params.get("from") and not params.get("to"):
        period = this_year_so_far()
        return period, PeriodForm(initial=period.params)
    form = PeriodForm(params)
    if form.is_valid():
        return Period(form.cleaned_data["from"], form.cleaned_data["to"]), form
    return this_year_so_far(), form
