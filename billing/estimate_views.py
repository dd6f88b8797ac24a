"""The cost estimate on the booking form (added through booking.extensions)."""

from django.http import HttpRequest
from django.template.loader import render_to_string

from billing.estimates import booking_estimate
from billing.models import CustomerClass
from billing.pricing import LINE_LABELS
from booking.extensions import Draft


def estimate_panel(request: HttpRequest, draft: Draft) -> str:
    customer = request.user.organization if request.user.is_authenticated else None
    if customer is None:
        return ""
    estimate = None
    if draft.start and draft.end:
        estimate = booking_estimate(
            instrument=draft.instrument, customer=customer, start=draft.start, end=draft.end,
            service_way=draft.service_way,
        )  # fmt: skip
    lines = [(str(LINE_LABELS.get(line.basis, line.basis)), line) for line in estimate.lines] if estimate else []
    context = {
        "estimate": estimate, "lines": lines, "draft": draft,
        "customer_class": CustomerClass(estimate.customer_class).label if estimate else "",
    }  # fmt: skip
    return render_to_string("billing/_booking_estimate.html", context, request)
