"""Rate cards: the versions of an instrument's prices and a form for a new one (its lab's
managers), a link to them on the instrument page, and the prices in force on that page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import rates
from billing.forms import RateCardForm
from billing.models import RateCard
from billing.permissions import can_set_rates
from instruments.extensions import Link
from instruments.models import Instrument

COPIED = ("valid_from", "created_by", "created_at", "instrument", "id")


def _initial(current: RateCard | None) -> dict:
    """A new card starts from today's terms: a change of price is usually a change of one or two."""
    if current is None:
        return {"valid_from": timezone.localdate()}
    terms = {name: getattr(current, name) for name in RateCardForm.Meta.fields if name not in COPIED}
    return {**terms, "valid_from": timezone.localdate()}


def _add_errors(form: RateCardForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


@login_required
def rate_cards(request: HttpRequest, code: str) -> HttpResponse:
    instrument = get_object_or_404(Instrument.objects.select_related("lab__institution"), code=code)
    if not can_set_rates(request.user, instrument):
        raise PermissionDenied(rates.RATES_DENIED)
    cards, current = rates.rate_cards_of(instrument)
    form = RateCardForm(request.POST or None, initial=_initial(current))
    if request.method == "POST" and form.is_valid():
        try:
            card = rates.rate_card_create(by=request.user, instrument=instrument, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Rate card in force from %(day)s added.") % {"day": card.valid_from})
            return redirect("billing:rates", code=instrument.code)
    return render(
        request,
        "billing/rate_cards.html",
        {"instrument": instrument, "cards": cards, "current": current, "form": form, "today": timezone.localdate()},
    )


def rate_card_links(request: HttpRequest, instrument: Instrument) -> list[Link]:
    if can_set_rates(request.user, instrument):
        return [(_("Rates"), reverse("billing:rates", args=[instrument.code]), "")]
    return []


def rates_panel(request: HttpRequest, instrument: Instrument) -> str:
    """The prices in force, for every visitor of the instrument page."""
    current, upcoming = rates.public_rates(instrument)
    if current is None and upcoming is None:
        return ""
    return render_to_string(
        "billing/_rates_panel.html", {"current": current, "upcoming": upcoming, "instrument": instrument}, request
    )
