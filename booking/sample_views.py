"""Sample order pages: order testing, follow the order, decide and record results, confirm,
and download the results (only through a view that checks who asks)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from booking import sample_files, samples, selectors
from booking.forms import CancelForm, RejectForm, SampleCompleteForm, SampleOrderForm
from booking.models import SampleOrder
from booking.services import TransitionNotAllowed
from instruments.models import Instrument
from instruments.permissions import managed_labs

SERVICE_FIELDS = {"samples", "description", "cost_centre"}


@login_required
def order_create(request: HttpRequest, code: str) -> HttpResponse:
    instrument = get_object_or_404(Instrument.objects.select_related("lab__institution", "policy"), code=code)
    form = SampleOrderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            order = samples.sample_order_create(requester=request.user, instrument=instrument, **form.cleaned_data)
        except ValidationError as invalid:
            _add_errors(form, invalid, SERVICE_FIELDS)
        else:
            messages.success(request, _("Order sent; the lab will accept it or tell you why not."))
            return redirect("booking:sample-order", pk=order.pk)
    if form.is_bound:  # the service's problems are on the form already
        return render(request, "booking/sample_order_form.html", {"instrument": instrument, "form": form}, status=400)
    # Say before the customer writes anything when they cannot order here.
    problems = samples.who_may_order(requester=request.user, instrument=instrument)
    context = {"instrument": instrument, "form": form, "problems": problems}
    return render(request, "booking/sample_order_form.html", context)


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    orders = selectors.my_sample_orders(user).order_by("-created_at", "-pk")
    mine = orders.filter(requester=user)
    labs = orders.filter(instrument__lab__in=managed_labs(user)).exclude(requester=user)
    others = orders.exclude(Q(requester=user) | Q(instrument__lab__in=managed_labs(user)))
    return render(
        request,
        "booking/sample_orders.html",
        {"mine": mine[:200], "labs": labs[:200], "organization": others[:200], "is_manager": labs.exists()},
    )


@login_required
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _visible(request, pk))


@login_required
@require_POST
def order_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    order = _visible(request, pk)
    user, reason = request.user, request.POST.get("reason", "")
    try:
        if action == "accept":
            samples.sample_order_accept(order=order, by=user)
            messages.success(request, _("Accepted; record the results when the tests are done."))
        elif action == "reject":
            samples.sample_order_reject(order=order, by=user, reason=reason)
            messages.success(request, _("Rejected; the customer sees your reason."))
        elif action == "cancel":
            samples.sample_order_cancel(order=order, by=user, reason=reason)
            messages.success(request, _("Cancelled."))
        elif action == "complete":
            samples.sample_order_complete(
                order=order, by=user, results_file=request.FILES.get("results"), note=request.POST.get("note", "")
            )
            messages.success(request, _("Completed; the customer can download the results and confirm them."))
        elif action == "confirm":
            samples.sample_order_confirm(order=order, by=user)
            messages.success(request, _("Results confirmed. Thank you."))
        else:
            raise Http404
    except ValidationError as invalid:
        # Only rejecting and completing take input; show the problems on their form.
        name, form = ("reject_form", RejectForm(request.POST)) if action == "reject" else (
            "complete_form", SampleCompleteForm(request.POST, request.FILES))  # fmt: skip
        _add_errors(form, invalid, set(form.fields), replace=True)
        return _detail(request, order, status=400, **{name: form})
    except TransitionNotAllowed as refused:
        messages.error(request, refused.message)
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return redirect(next_url)
    return redirect("booking:sample-order", pk=pk)


@login_required
@require_GET
def results_download(request: HttpRequest, pk: int) -> FileResponse:
    order = _visible(request, pk)
    if not selectors.can_download_results(request.user, order):
        raise PermissionDenied(samples.DOWNLOAD_DENIED)
    return results_response(order)


def results_response(order: SampleOrder) -> FileResponse:
    """The results file as an attachment (never shown inline: it is not ours to trust)."""
    if not order.results:
        raise Http404(_("No results were recorded for this order."))
    try:
        handle = order.results.open("rb")
    except FileNotFoundError:
        raise Http404(_("No results were recorded for this order.")) from None
    return FileResponse(
        handle, as_attachment=True, filename=sample_files.display_name(order.results.name),
        content_type=sample_files.content_type(order.results.name),
    )  # fmt: skip


def _visible(request: HttpRequest, pk: int) -> SampleOrder:
    return get_object_or_404(selectors.sample_orders_visible_to(request.user), pk=pk)


def _detail(request: HttpRequest, order: SampleOrder, *, status: int = 200, **forms) -> HttpResponse:
    user = request.user
    can_decide = selectors.can_decide_sample_order(user, order)
    holding = order.status in (SampleOrder.Status.PENDING, SampleOrder.Status.ACCEPTED)
    context = {
        "order": order,
        "can_decide": can_decide,
        "can_cancel": holding and (can_decide or order.requester_id == user.pk),
        "can_confirm": order.status == SampleOrder.Status.COMPLETED
        and order.confirmed_at is None
        and selectors.can_confirm_sample_order(user, order),
        "can_download": bool(order.results) and selectors.can_download_results(user, order),
        "reject_form": forms.get("reject_form") or RejectForm(),
        "complete_form": forms.get("complete_form") or SampleCompleteForm(),
        "cancel_form": CancelForm(),
    }
    return render(request, "booking/sample_order.html", context, status=status)


def _add_errors(form, invalid: ValidationError, fields: set[str], *, replace: bool = False) -> None:
    """Put the service's errors on the form's fields, the others above the form. With
    `replace`, the service's words stand instead of the form's own for the same field."""
    if not hasattr(invalid, "error_dict"):
        form.add_error(None, invalid.messages)
        return
    for field, errors in invalid.message_dict.items():
        if field in fields and replace:
            form.errors[field] = form.error_class(errors)
        else:
            form.add_error(field if field in fields else None, errors)
