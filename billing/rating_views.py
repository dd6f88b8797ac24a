"""Rating pages: rate a completed booking or sample order, reply as the lab, and the panels
billing adds to instrument pages and to "My bookings" (through the extension hooks of
instruments and booking, which import nothing of billing)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from billing import ratings
from billing.models import Rating
from booking.models import Reservation, SampleOrder
from instruments.models import Instrument
from instruments.permissions import can_manage_lab

SCORES = [(n, str(n)) for n in range(5, 0, -1)]


class RatingForm(forms.Form):
    service = forms.TypedChoiceField(label=gettext_lazy("Service"), choices=SCORES, coerce=int,
                                     widget=forms.RadioSelect)  # fmt: skip
    condition = forms.TypedChoiceField(label=gettext_lazy("Instrument condition"), choices=SCORES, coerce=int,
                                       widget=forms.RadioSelect)  # fmt: skip
    timeliness = forms.TypedChoiceField(label=gettext_lazy("Timeliness"), choices=SCORES, coerce=int,
                                        widget=forms.RadioSelect)  # fmt: skip
    comment = forms.CharField(label=gettext_lazy("Comment"), widget=forms.Textarea(attrs={"rows": 3}),
                              max_length=ratings.MAX_TEXT, required=False)  # fmt: skip


@login_required
def rate(request: HttpRequest, kind: str, pk: str) -> HttpResponse:
    """Rate one's own completed booking (kind "booking") or sample order ("order")."""
    model = Reservation if kind == "booking" else SampleOrder
    # Someone else's booking is not found: its existence is none of the visitor's business.
    subject = get_object_or_404(model.objects.select_related("instrument"), pk=pk, requester=request.user)
    form = RatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ratings.rating_create(by=request.user, **{"reservation" if kind == "booking" else "sample_order": subject},
                                  **form.cleaned_data)  # fmt: skip
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("Thank you; your rating is published on the instrument's page."))
            return redirect("instruments:detail", subject.instrument.code)
    return render(request, "billing/rate.html", {"form": form, "subject": subject, "kind": kind})


def _show_errors(form: forms.Form, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
@require_POST
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    rating = get_object_or_404(ratings.ratings_visible(), pk=pk)
    try:
        ratings.rating_reply(rating=rating, by=request.user, text=request.POST.get("text", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your reply is published under the rating."))
    return redirect(reverse("instruments:detail", args=[rating.instrument.code]) + "#ratings")


def ratings_panel(request: HttpRequest, instrument: Instrument) -> str:
    """The instrument page's averages and latest ratings with the lab's replies."""
    summary = ratings.instrument_rating_summary(instrument)
    if not summary.count:
        return ""
    latest: list[Rating] = ratings.instrument_ratings_latest(instrument)
    context = {"summary": summary, "latest": latest, "can_reply": can_manage_lab(request.user, instrument.lab)}
    return render_to_string("billing/_ratings_panel.html", context, request)


def rate_links(request: HttpRequest, subject: Reservation | SampleOrder) -> list[tuple[str, str]]:
    """A "Rate" link on the requester's own completed booking or sample order, until rated."""
    if not ratings.can_rate(request.user, subject):
        return []
    kind = "booking" if isinstance(subject, Reservation) else "order"
    return [(_("Rate"), reverse("ratings:rate", args=[kind, subject.pk]))]


def to_rate_panel(request: HttpRequest) -> str:
    """On "My bookings": the latest completed bookings and orders the requester has not rated."""
    items = ratings.unrated(request.user)
    if not items:
        return ""
    rows = [
        (item, reverse("ratings:rate", args=["booking" if isinstance(item, Reservation) else "order", item.pk]))
        for item in items
    ]
    return render_to_string("billing/_to_rate_panel.html", {"rows": rows}, request)
