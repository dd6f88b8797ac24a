"""Credit marks pages: your own marks; an organization admin's organization's, with a form
to lift one; every mark for platform admins."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from booking import credit
from booking.models import CreditMark


@login_required
def credit_marks(request: HttpRequest) -> HttpResponse:
    marks = credit.credit_marks_visible_to(request.user)
    kind = request.GET.get("kind", "")
    if kind in CreditMark.Kind.values:
        marks = marks.filter(kind=kind)
    page = Paginator(marks, 50).get_page(request.GET.get("page"))
    rows = [(mark, credit.can_lift(request.user, mark)) for mark in page]
    return render(
        request,
        "booking/credit_marks.html",
        {"page": page, "rows": rows, "kinds": CreditMark.Kind.choices, "kind": kind},
    )


@login_required
@require_POST
def credit_mark_lift(request: HttpRequest, pk: int) -> HttpResponse:
    mark = get_object_or_404(credit.credit_marks_visible_to(request.user), pk=pk)
    try:
        credit.credit_mark_lift(mark=mark, by=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The mark is lifted; it no longer counts."))
    return redirect("booking:credit-marks")
