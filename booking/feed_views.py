from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from booking.feeds import feed_reservations, feed_token, feed_token_rotate, render_feed
from booking.models import FeedToken
from instruments.permissions import editable_instruments


def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The .ics file; the secret token in the URL is the only credential."""
    found = get_object_or_404(FeedToken.objects.select_related("user", "instrument__lab"), token=token)
    reservations = feed_reservations(found)
    if reservations is None:
        raise Http404
    response = HttpResponse(render_feed(found, reservations), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="bookings.ics"'
    return response


@login_required
def feeds(request: HttpRequest) -> HttpResponse:
    personal = feed_token(user=request.user)
    instruments = editable_instruments(request.user).order_by("code")
    tokens = {t.instrument_id: t for t in FeedToken.objects.filter(user=request.user, instrument__isnull=False)}
    rows = [{"instrument": i, "token": tokens.get(i.pk)} for i in instruments]
    base = request.build_absolute_uri("/")[:-1]
    return render(request, "booking/feeds.html", {"personal": personal, "rows": rows, "base": base})


@login_required
@require_POST
def feed_action(request: HttpRequest) -> HttpResponse:
    instrument_id = request.POST.get("instrument")
    instrument = get_object_or_404(editable_instruments(request.user), pk=instrument_id) if instrument_id else None
    token = feed_token(user=request.user, instrument=instrument)
    if request.POST.get("action") == "rotate":
        feed_token_rotate(token=token)
        messages.success(request, _("New address made; the old one no longer works."))
    return redirect(reverse("booking:feeds"))
