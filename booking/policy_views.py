"""Lab managers set an instrument's booking rules, opening hours and closures."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from schedule.models import Event

from booking import policies, schedules, selectors
from booking.forms import ClosureForm, OpeningWindowForm, PolicyForm, RulesTextForm, person_label
from booking.models import BookingPolicy
from booking.plain_rules import rules_in_words
from instruments.models import Instrument
from instruments.permissions import can_edit_instrument
from instruments.services import instrument_update


def _instrument(request: HttpRequest, code: str) -> Instrument:
    instrument = get_object_or_404(Instrument.objects.select_related("lab__institution"), code=code)
    if not can_edit_instrument(request.user, instrument):
        raise PermissionDenied(policies.POLICY_DENIED)
    return instrument


@login_required
def policy(request: HttpRequest, code: str) -> HttpResponse:
    instrument = _instrument(request, code)
    current = BookingPolicy.objects.filter(instrument=instrument).first()
    if current is None:
        if request.method == "POST" and "open" in request.POST:
            policies.policy_create(instrument=instrument, by=request.user)
            messages.success(request, _("The instrument is open for booking on weekdays 9:00–17:00; adjust below."))
            return redirect("booking:policy", code=code)
        return render(request, "booking/policy.html", {"instrument": instrument, "policy": None})

    if request.method == "POST" and "save_text" in request.POST:
        return _text_save(request, instrument, current)
    form = PolicyForm(request.POST or None, instance=current, search_url=_search_url(instrument))
    if request.method == "POST" and "save" in request.POST and form.is_valid():
        try:
            policies.policy_update(policy=current, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Booking rules saved."))
            return redirect("booking:policy", code=code)
    return render(request, "booking/policy.html", _context(instrument, current, form=form))


def _search_url(instrument: Instrument) -> str:
    return reverse("booking:policy-search", args=[instrument.code])


def _text_save(request: HttpRequest, instrument: Instrument, current: BookingPolicy) -> HttpResponse:
    """The lab's own conditions, in its words, beside the enforced rules (the NRII `requirement`)."""
    form = RulesTextForm(request.POST)
    if form.is_valid():
        try:
            instrument_update(instrument=instrument, by=request.user, requirement=form.cleaned_data["requirement"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Conditions saved."))
            return redirect("booking:policy", code=instrument.code)
    return render(request, "booking/policy.html", _context(instrument, current, text_form=form), status=400)


# Words by which free text speaks of what the rules enforce: notice, length, cancellation,
# approval ("提前 3 个工作日", "2 hours", "cancel"). Such text may contradict the rules.
ENFORCED_TOPICS = re.compile(
    r"\d+\s*个?\s*(工作日|天|日|小时|分钟|周)|提前|取消|审核|审批"
    r"|\d+\s*(working |business )?(days?|hours?|minutes?|weeks?)\b|notice|in advance|ahead|cancel|approv",
    re.IGNORECASE,
)


def _context(instrument, current, **forms) -> dict:
    events = schedules.events_by_calendar([current.opening_hours_id, current.closures_id])
    windows = [
        {"event": e, "days": [schedules.WEEKDAYS[d][1] for d in schedules.opening_window_days(e)],
         "opens": timezone.localtime(e.start).time(),
         "closes": schedules.closing_label(timezone.localtime(e.end).time())}
        for e in events.get(current.opening_hours_id, [])
    ]  # fmt: skip
    context = {
        "instrument": instrument, "policy": current, "windows": windows,
        "closures": events.get(current.closures_id, []),
        "form": PolicyForm(instance=current, search_url=_search_url(instrument)), "window_form": OpeningWindowForm(),
        "closure_form": ClosureForm(), "enforced": rules_in_words(current),
        "text_form": RulesTextForm(initial={"requirement": instrument.requirement}),
        "text_overlaps": bool(ENFORCED_TOPICS.search(instrument.requirement)),
    }  # fmt: skip
    context.update(forms)
    return context


@login_required
@require_POST
def window_add(request: HttpRequest, code: str) -> HttpResponse:
    return _add(request, code, OpeningWindowForm, policies.opening_window_add, "window_form", _("Opening hours added."))


@login_required
@require_POST
def closure_add(request: HttpRequest, code: str) -> HttpResponse:
    return _add(request, code, ClosureForm, policies.closure_add, "closure_form", _("Closure added."))


def _add(request: HttpRequest, code: str, form_class, service, form_name: str, done: str) -> HttpResponse:
    """Add an opening window or a closure through `service`; errors show on the form."""
    instrument = _instrument(request, code)
    current = get_object_or_404(BookingPolicy, instrument=instrument)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            service(policy=current, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.error_dict.items():
                form.add_error(field, errors)
    if form.errors:
        return render(request, "booking/policy.html", _context(instrument, current, **{form_name: form}), status=400)
    messages.success(request, done)
    return redirect("booking:policy", code=code)


@login_required
@require_POST
def event_remove(request: HttpRequest, code: str, event_id: int) -> HttpResponse:
    instrument = _instrument(request, code)
    current = get_object_or_404(BookingPolicy, instrument=instrument)
    get_object_or_404(Event, pk=event_id, calendar_id__in=(current.opening_hours_id, current.closures_id))
    policies.schedule_event_remove(policy=current, by=request.user, event_id=event_id)
    messages.success(request, _("Removed."))
    return redirect("booking:policy", code=code)


@login_required
def search(request: HttpRequest, code: str) -> JsonResponse:
    """People (?kind=users) or organizations (?kind=organizations) matching ?q=, for the
    rules page's pickers: at most a few, and only those this manager may name."""
    instrument = _instrument(request, code)
    text = request.GET.get("q", "").strip()[:100]
    if len(text) < 2:
        return JsonResponse({"results": []})
    if request.GET.get("kind") == "organizations":
        found = [{"id": o.pk, "label": str(o)} for o in selectors.policy_organizations_search(text)]
    else:
        people = selectors.policy_users_search(request.user, instrument, text)
        found = [{"id": u.pk, "label": person_label(u)} for u in people]
    return JsonResponse({"results": found})
