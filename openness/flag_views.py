"""The flag list on the openness pages, and its two actions: the institution explains a
flag, the regulator closes it. Reads come from openness.flags, writes go through
openness.services, exactly as the REST API does."""

import datetime as dt
from collections import Counter
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, QuerySet, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from accounts.permissions import is_org_admin_of, regulated_region
from instruments.models import Instrument
from openness import services, tables
from openness.flags import flags_visible
from openness.models import Flag
from openness.periods import Period

SHOWN, FIRST = 100, 10  # all of them on asking (?flags=all), else the first ten
RATES = {"utilization", "coverage", "sharing_rate", "idle_coverage"}
EXPLAINED = gettext_lazy("Your explanation is recorded; the regulator will see it.")
CLOSED = gettext_lazy("The flag is closed.")
# What the numbers of a flag's evidence are called on the page; others show their key.
EVIDENCE_NAMES = {
    "effective_hours": gettext_lazy("effective hours"),
    "reference_hours": gettext_lazy("reference hours"),
    "utilization": gettext_lazy("utilization"),
    "coverage": gettext_lazy("telemetry coverage"),
    "external_hours": gettext_lazy("external hours"),
    "sharing_rate": gettext_lazy("sharing rate"),
    "booked_hours": gettext_lazy("booked hours"),
    "measured_in_bookings_hours": gettext_lazy("measured in bookings"),
    "no_show": gettext_lazy("no-shows"),
    "completed": pgettext_lazy("flag evidence", "completed"),
    "unverified": gettext_lazy("unverified"),
    "difference_hours": gettext_lazy("booked minus measured, hours"),
    "period_hours": gettext_lazy("hours in the period"),
    "reporting_hours": gettext_lazy("hours reported"),
    "unknown_hours": gettext_lazy("silent hours"),
    "has_gateway": gettext_lazy("gateway bound"),
    "original_value": gettext_lazy("original value (CNY)"),
    "idle_from": gettext_lazy("no running from"),
    "idle_to": gettext_lazy("to"),
    "idle_effective_hours": gettext_lazy("running hours then"),
    "idle_coverage": gettext_lazy("coverage then"),
    "share_mode": gettext_lazy("share mode"),
    "in_service_date": gettext_lazy("in service since"),
    "catalogued": gettext_lazy("catalogued"),
    "delay_days": gettext_lazy("days late"),
    "billed_charges": gettext_lazy("charges for use without measured running"),
    "billed_amount": gettext_lazy("billed for them (CNY, VAT included)"),
    "billed_vouchers": gettext_lazy("paid by vouchers (CNY)"),
    "billed_zero_use": gettext_lazy("gateway reported, instrument did not run"),
    "billed_unverified": gettext_lazy("no reporting gateway (declared)"),
    "billed_bookings": gettext_lazy("bookings (first ten)"),
}


def flags_panel(*, request: HttpRequest, instruments: QuerySet[Instrument], period: Period) -> dict:
    """The flags of these instruments whose period meets the page's, unresolved first."""
    user = request.user
    flags = (
        flags_visible(user=user)
        .filter(instrument__in=instruments, period_start__lt=period.end, period_end__gt=period.start)
        .annotate(resolved=Case(When(state=Flag.State.CLOSED, then=1), default=0, output_field=IntegerField()))
        .order_by("resolved", "-period_start", "instrument__code", "kind")
    )
    everything = request.GET.get("flags") == "all"
    shown = list(flags[: SHOWN if everything else FIRST])
    regulator = regulated_region(user) is not None
    for flag in shown:
        flag.numbers = evidence_numbers(flag)
        flag.last_day = timezone.localtime(flag.period_end - dt.timedelta(microseconds=1)).date()
        flag.may_explain = flag.state != Flag.State.CLOSED and is_org_admin_of(user, flag.instrument.institution)
        flag.may_close = flag.state != Flag.State.CLOSED and regulator
    by_kind = Counter(flags.filter(state__in=Flag.UNRESOLVED).values_list("kind", flat=True))
    query = request.GET.copy()
    query["flags"] = "all"
    return {
        "flags": shown,
        "flags_total": flags.count(),
        "flags_unresolved": sum(by_kind.values()),
        "flags_by_kind": [(label, by_kind[kind]) for kind, label in Flag.Kind.choices if by_kind[kind]],
        "flags_all": f"?{query.urlencode()}#flags",
        "flags_next": request.get_full_path(),
        "flags_export": f"{reverse('openness-flag-export')}?{period.query}",
    }


def evidence_numbers(flag: Flag) -> list[tuple[str, str]]:
    """A flag's evidence as the pages and the annual report show it: (label, value)."""
    return [(EVIDENCE_NAMES.get(k, k), _shown(k, v)) for k, v in flag.evidence.get("numbers", {}).items()]


def _shown(key: str, value) -> str:
    """An evidence number as the rest of the page shows it: rates as percentages."""
    if isinstance(value, bool):
        return tables.display("bool", value)
    if key in RATES and value not in (None, ""):
        return tables.display("rate", Decimal(value))
    return str(value)


@login_required
@require_POST
def flag_act(request: HttpRequest, pk: int) -> HttpResponse:
    flag = get_object_or_404(flags_visible(user=request.user), pk=pk)
    action, note = request.POST.get("action"), request.POST.get("note", "")
    try:
        if action == "explain":
            services.flag_explain(flag=flag, by=request.user, note=note)
            messages.success(request, EXPLAINED)
        elif action == "close":
            services.flag_close(flag=flag, by=request.user, note=note)
            messages.success(request, CLOSED)
        else:
            raise PermissionDenied(_("Choose to explain or to close the flag."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("openness:dashboard")
    return redirect(f"{back}#flag-{flag.pk}")
