"""My bookings: upcoming and past tabs, filtered by status and instrument, a page at a time.

Upcoming holds what still holds the instrument (pending or approved, not over yet), the
soonest first; everything else, rejected, cancelled and expired requests among them, is
under past, the latest first.
"""

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.permissions import AnyUser
from booking import selectors
from booking.models import Reservation
from instruments.models import Instrument

UPCOMING, PAST = "upcoming", "past"
TABS = ((UPCOMING, _("Upcoming")), (PAST, _("Past and closed")))
PAGE_SIZE = 20


def _upcoming() -> Q:
    return Q(status__in=Reservation.HOLDING, end__gt=timezone.now())


def my_bookings(user: AnyUser, *, tab: str, status: str = "", instrument: Instrument | None = None) -> QuerySet:
    mine = selectors.my_reservations(user).select_related("instrument__lab__institution")
    if tab == UPCOMING:
        mine = mine.filter(_upcoming()).order_by("start", "pk")
    else:
        mine = mine.exclude(_upcoming()).order_by("-start", "-pk")
    if status:
        mine = mine.filter(status=status)
    if instrument is not None:
        mine = mine.filter(instrument=instrument)
    return mine


def tab_counts(user: AnyUser) -> dict[str, int]:
    mine = selectors.my_reservations(user)
    upcoming = mine.filter(_upcoming()).count()
    return {UPCOMING: upcoming, PAST: mine.count() - upcoming}


class MyBookingsFilter(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    instrument = forms.ModelChoiceField(
        label=_("Instrument"), queryset=Instrument.objects.none(), required=False, to_field_name="code",
        empty_label=_("All instruments"),
    )  # fmt: skip

    def __init__(self, *args, user: AnyUser, tab: str, **kwargs):
        super().__init__(*args, **kwargs)
        statuses = Reservation.HOLDING if tab == UPCOMING else Reservation.Status.values
        self.fields["status"].choices = [("", _("All statuses"))] + [
            (value, label) for value, label in Reservation.Status.choices if value in statuses
        ]
        booked = selectors.my_reservations(user).values("instrument_id")
        self.fields["instrument"].queryset = Instrument.objects.filter(pk__in=booked).order_by("code")

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {"status": self.cleaned_data["status"], "instrument": self.cleaned_data["instrument"]}
