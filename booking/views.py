"""Booking pages: request a slot, follow it, decide on requests, notifications."""

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from booking import book_form, credit, my_bookings, selectors, services
from booking.extensions import my_bookings_panels, reservation_links
from booking.forms import ApproveForm, CancelForm, InboxFilterForm, ManagerCancelForm, RejectForm, ReservationForm
from booking.models import Notification
from booking.notifications import notification_groups, notification_mark_read
from booking.slots import offered_end
from booking.usage import gaps, sessions_with_bookings
from config.throttle import throttle_post
from instruments.models import Instrument
from instruments.permissions import managed_labs
from telemetry.selectors import can_watch_lab


@login_required
@throttle_post("booking")
def book(request: HttpRequest, code: str) -> HttpResponse:
    instrument = get_object_or_404(Instrument.objects.select_related("lab__institution", "policy"), code=code)
    initial = _initial(request, instrument)
    form = ReservationForm(request.POST or None, initial=initial)
    day, draft = book_form.draft_of(instrument, request.POST or request.GET, initial)
    if request.GET.get("partial"):  # the day's free times and the estimate, as the form is filled in
        return render(request, "booking/_book_side.html", book_form.side_context(request, instrument, day, draft))
    status = 200
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
            status = 409
        else:
            if reservation.status == reservation.Status.APPROVED:
                messages.success(request, _("Booked and approved."))
            else:
                messages.success(request, _("Request sent; the lab manager will decide on it."))
            return redirect("booking:reservation", pk=reservation.pk)
    context = {"instrument": instrument, "form": form, **book_form.side_context(request, instrument, day, draft)}
    return render(request, "booking/book.html", context, status=status)


def _initial(request: HttpRequest, instrument: Instrument) -> dict:
    """Prefill from a click on free time or a search result: ?start=ISO[&end=ISO]. The end
    proposed is never past the instrument's longest booking. Without them, today."""
    try:
        start = _aware(dt.datetime.fromisoformat(request.GET["start"]))
        end = _aware(dt.datetime.fromisoformat(request.GET["end"])) if request.GET.get("end") else None
    except (KeyError, ValueError):
        return {"day": timezone.localdate()}
    policy = getattr(instrument, "policy", None)
    if end is None or end <= start:
        end = None if policy is None else offered_end(policy, start)
    elif policy is not None:
        end = offered_end(policy, start, end)
    start = timezone.localtime(start)
    initial = {"day": start.date(), "start_time": start.time()}
    if end is not None and timezone.localtime(end).date() == start.date():
        initial["end_time"] = timezone.localtime(end).time()
    return initial


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


@login_required
def reservations(request: HttpRequest) -> HttpResponse:
    tab = request.GET.get("tab") if request.GET.get("tab") in (my_bookings.UPCOMING, my_bookings.PAST) else "upcoming"
    filters = my_bookings.MyBookingsFilter(request.GET or None, user=request.user, tab=tab)
    page = Paginator(my_bookings.my_bookings(request.user, tab=tab, **filters.filters()), my_bookings.PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "booking/reservations.html",
        {
            "tab": tab,
            "tabs": my_bookings.TABS,
            "counts": my_bookings.tab_counts(request.user),
            "filters": filters,
            "page": page.get_page(request.GET.get("page")),
            "query": query.urlencode(),
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
    if deciding:
        selectors.requester_history_attach([item], user=request.user)
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
            "reject_form": RejectForm(auto_id="reject-%s"),
            "cancel_form": CancelForm(),
            # The decision panel of the lab's managers (booking/_decision_panel.html).
            "approve_form": ApproveForm(auto_id="approve-%s"),
            "manager_cancel_form": ManagerCancelForm(auto_id="cancel-%s"),
        },
    )  # fmt: skip


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    if not managed_labs(request.user).exists():
        raise PermissionDenied(_("The inbox is for lab managers."))
    filters = InboxFilterForm(request.GET or None, instruments=selectors.inbox_instruments(request.user))
    pending, sample_orders = selectors.inbox_filtered(request.user, **filters.filters())
    pending = list(pending.order_by("start"))
    sample_orders = list(sample_orders.order_by("created_at", "pk"))
    # Each requester's credit and history beside their request, from one query each for the page.
    credit.credit_standings_attach([*pending, *sample_orders])
    selectors.requester_history_attach(pending, user=request.user)
    # The filters ride along: the live refresh reloads the rows with them, decisions come back to them.
    query = request.GET.copy()
    query.pop("partial", None)
    here = reverse("booking:inbox") + (f"?{query.urlencode()}" if query else "")
    template = "booking/_inbox_rows.html" if request.GET.get("partial") else "booking/inbox.html"
    return render(request, template, {
        "pending": pending, "sample_orders": sample_orders, "filters": filters, "here": here,
        "refresh": f"{here}{'&' if query else '?'}partial=1",
    })  # fmt: skip


NOT_APPROVED = _lazy("Not approved: %(request)s — %(reason)s")


@login_required
@require_POST
def inbox_approve(request: HttpRequest) -> HttpResponse:
    """Approve the chosen requests, each through the service; say which were refused and why."""
    if not managed_labs(request.user).exists():
        raise PermissionDenied(_("The inbox is for lab managers."))
    ids = {int(pk) for pk in request.POST.getlist("ids") if pk.isdigit()}
    chosen = list(selectors.inbox(request.user).filter(pk__in=ids).order_by("start"))
    refused = services.reservations_approve(reservations=chosen, by=request.user)
    approved = len(chosen) - len(refused)
    if not ids:
        messages.error(request, _("Choose the requests to approve."))
    if approved:
        messages.success(request, ngettext("Approved %(count)d request.", "Approved %(count)d requests.",
                                           approved) % {"count": approved})  # fmt: skip
    for item, reason in refused:
        messages.error(
            request, _("Not approved: %(request)s — %(reason)s") % {"request": _label(item), "reason": reason}
        )
    gone = len(ids) - len(chosen)
    if gone:
        messages.error(request, ngettext(
            "%(count)d request no longer waits for you (decided, cancelled or expired meanwhile).",
            "%(count)d requests no longer wait for you (decided, cancelled or expired meanwhile).", gone,
        ) % {"count": gone})  # fmt: skip
    return _back(request, reverse("booking:inbox"))


def _label(item) -> str:
    start, end = timezone.localtime(item.start), timezone.localtime(item.end)
    return f"{item.instrument.name} {start:%Y-%m-%d %H:%M}–{end:%H:%M} · {item.requester.display_name}"


def _back(request: HttpRequest, default: str) -> HttpResponse:
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return redirect(next_url)
    return redirect(default)


# What a decision asks for: an approval may carry a note, a rejection needs a reason, and
# so does a cancellation by anyone but the requester (the lab tells them why).
DECISION_FORMS = {"approve": ApproveForm, "reject": RejectForm, "cancel": ManagerCancelForm}


@login_required
@require_POST
def decide(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Approve, reject or cancel. The decision panel first shows what will happen
    (step=review) and acts on the confirmation; the inbox's quick approval acts at once."""
    item = get_object_or_404(selectors.reservations_visible_to(request.user), pk=pk)
    if action not in DECISION_FORMS:
        raise Http404
    form_class = CancelForm if action == "cancel" and item.requester_id == request.user.pk else DECISION_FORMS[action]
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(reverse("booking:reservation", args=[pk]) + "#decide")
    text = form.cleaned_data.get("note") or form.cleaned_data.get("reason", "")
    if request.POST.get("step") == "review":
        own_cancel = action == "cancel" and item.requester_id == request.user.pk
        if not (own_cancel or selectors.can_decide(request.user, item)):
            raise PermissionDenied(services.DECIDE_DENIED)
        return render(request, "booking/decide_confirm.html", {
            "reservation": item, "action": action, "text": text, "field": next(iter(form.fields)),
            "next": request.POST.get("next", ""),
        })  # fmt: skip
    try:
        if action == "approve":
            services.reservation_approve(reservation=item, by=request.user, note=text)
            messages.success(request, _("Approved."))
        elif action == "reject":
            services.reservation_reject(reservation=item, by=request.user, reason=text)
            messages.success(request, _("Rejected; the requester sees your reason."))
        else:
            services.reservation_cancel(reservation=item, by=request.user, reason=text)
            messages.success(request, _("Cancelled."))
    except services.BookingInvalid as invalid:
        messages.error(request, " ".join(p.message for p in invalid.problems))
    except services.TransitionNotAllowed as refused:
        messages.error(request, refused.message)
    return _back(request, reverse("booking:reservation", args=[pk]))


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    """Notices grouped by kind; all, or one kind, marked read at once."""
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        if not kind or kind in Notification.Kind.values:
            notification_mark_read(user=request.user, kind=kind or None)
        return redirect("booking:notifications")
    groups = notification_groups(request.user)
    context = {"groups": groups, "unread": sum(g.unread for g in groups)}
    return render(request, "booking/notifications.html", context)


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
