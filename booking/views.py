"""Booking pages: request a slot, follow it, decide on requests, notifications."""

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from booking import credit, selectors, services
from booking.extensions import my_bookings_panels, reservation_links
from booking.forms import CancelForm, RejectForm, ReservationForm
from booking.models import Notification
from booking.notifications import notification_mark_read
from booking.usage import gaps, sessions_with_bookings
from instruments.models import Instrument
from instruments.permissions import managed_labs
from telemetry.selectors import can_watch_lab


@login_required
def book(request: HttpRequest, code: str) -> HttpResponse:
    instrument = get_object_or_404(Instrument.objects.select_related("lab__institution", "policy"), code=code)
    form = ReservationForm(request.POST or None, initial=_initial(request))
    if request.method == "POST" and form.is_valid():
        start, end = form.period()
        try:
            reservation = services.reservation_create(
                instrument=instrument, requester=request.user, start=start, end=end,
                purpose=form.cleaned_data["purpose"], sample_description=form.cleaned_data["sample_description"],
                service_way=form.cleaned_data["service_way"], cost_centre=form.cleaned_data["cost_centre"],
            )  # fmt: skip
        except services.BookingInvalid as invalid:
            for field, errors in invalid.by_field().items():
                target = {"start": "start_time", "end": "end_time"}.get(field)
                form.add_error(target, errors)
        except services.BookingConflict as conflict:
            form.add_error(None, conflict.message)
            return render(request, "booking/book.html", {"instrument": instrument, "form": form}, status=409)
        else:
            if reservation.status == reservation.Status.APPROVED:
                messages.success(request, _("Booked and approved."))
            else:
                messages.success(request, _("Request sent; the lab manager will decide on it."))
            return redirect("booking:reservation", pk=reservation.pk)
    return render(request, "booking/book.html", {"instrument": instrument, "form": form})


def _initial(request: HttpRequest) -> dict:
    """Prefill from a calendar click: ?start=ISO&end=ISO."""
    initial = {}
    try:
        start = dt.datetime.fromisoformat(request.GET["start"])
        end = dt.datetime.fromisoformat(request.GET["end"])
    except (KeyError, ValueError):
        return initial
    start, end = timezone.localtime(start), timezone.localtime(end)
    return {"day": start.date(), "start_time": start.time(), "end_time": end.time()}


@login_required
def reservations(request: HttpRequest) -> HttpResponse:
    mine = selectors.my_reservations(request.user).order_by("-start")
    upcoming = [r for r in mine if r.end >= timezone.now()]
    past = [r for r in mine if r.end < timezone.now()][:50]
    return render(
        request,
        "booking/reservations.html",
        {
            "upcoming": upcoming,
            "past": past,
            "is_manager": managed_labs(request.user).exists(),
            "sample_orders": selectors.my_sample_orders(request.user).filter(requester=request.user)[:10],
            "standing": credit.credit_standing(user=request.user),
            "credit_window_days": settings.CREDIT_WINDOW_DAYS,
            "panels": my_bookings_panels(request),
        },
    )


@login_required
def reservation(request: HttpRequest, pk: int) -> HttpResponse:
    visible = selectors.reservations_visible_to(request.user).prefetch_related("history__by")
    item = get_object_or_404(visible, pk=pk)
    deciding = selectors.can_decide(request.user, item)
    return render(
        request,
        "booking/reservation.html",
        {
            "reservation": item,
            "can_decide": deciding,
            # The requester's record, for the managers deciding (booking.credit).
            "requester_record": credit.credit_standing(user=item.requester) if deciding else None,
            "requester_marks": credit.credit_marks_recent(item.requester) if deciding else [],
            "extra_links": reservation_links(request, item),
            "can_cancel": item.is_holding and (item.requester_id == request.user.pk or
                                               selectors.can_decide(request.user, item)),
            "reject_form": RejectForm(),
            "cancel_form": CancelForm(),
        },
    )  # fmt: skip


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    if not managed_labs(request.user).exists():
        raise PermissionDenied(_("The inbox is for lab managers."))
    pending = selectors.inbox(request.user).order_by("start")
    sample_orders = selectors.sample_order_inbox(request.user).order_by("created_at", "pk")
    # Each requester's credit beside their request, from one query for the whole page.
    credit.credit_standings_attach([*pending, *sample_orders])
    template = "booking/_inbox_rows.html" if request.GET.get("partial") else "booking/inbox.html"
    return render(request, template, {"pending": pending, "sample_orders": sample_orders, "reject_form": RejectForm()})


@login_required
@require_POST
def decide(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    item = get_object_or_404(selectors.reservations_visible_to(request.user), pk=pk)
    try:
        if action == "approve":
            services.reservation_approve(reservation=item, by=request.user)
            messages.success(request, _("Approved."))
        elif action == "reject":
            services.reservation_reject(reservation=item, by=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, _("Rejected; the requester sees your reason."))
        elif action == "cancel":
            services.reservation_cancel(reservation=item, by=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, _("Cancelled."))
        else:
            raise Http404
    except services.BookingInvalid as invalid:
        messages.error(request, " ".join(p.message for p in invalid.problems))
    except services.TransitionNotAllowed as refused:
        messages.error(request, refused.message)
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return redirect(next_url)
    return redirect("booking:reservation", pk=pk)


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    items = Notification.objects.filter(user=request.user).select_related("reservation__instrument")[:100]
    if request.method == "POST":
        notification_mark_read(user=request.user)
        return redirect("booking:notifications")
    return render(request, "booking/notifications.html", {"items": items})


@login_required
def usage(request: HttpRequest, code: str) -> HttpResponse:
    """Measured use of an instrument: sessions with their bookings, unbooked use, silence."""
    instrument = get_object_or_404(Instrument.objects.select_related("lab__institution__region"), code=code)
    if not can_watch_lab(request.user, instrument.lab):
        raise PermissionDenied(_("Only the lab's managers and the regulators of its region see its measured use."))
    end = timezone.now()
    days = request.GET.get("days", "7")
    start = end - dt.timedelta(days=min(int(days), 62) if days.isdigit() and int(days) > 0 else 7)
    uses = sessions_with_bookings(instrument, start, end)
    return render(request, "booking/usage.html", {
        "instrument": instrument, "uses": uses, "gaps": gaps(instrument, start, end), "start": start, "end": end,
        "booked": sum(p.minutes for u in uses for p in u.pieces if p.reservation) / 60,
        "unbooked": sum(u.unbooked_minutes for u in uses) / 60,
    })  # fmt: skip
