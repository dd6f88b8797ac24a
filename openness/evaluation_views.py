"""Evaluation rounds as pages, so that a regulator never needs the API: the list of rounds
and a new round; a round with its weights (editable while not published), Compute and
Publish, and its results with their downloads.

Who sees what is exactly what the REST API shows (openness.evaluation's reads); every
write goes through openness.services, which refuses what a role may not do (403) and
what a published round may no longer do (a message).
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.permissions import is_platform_admin, regulated_region, regulates
from config import exports
from openness import evaluation as ev
from openness import evaluation_tables as et
from openness import scopes, scoring, services
from openness.api_evaluation import NOT_ALLOWED
from openness.evaluation_forms import ConfigForm, RoundForm
from openness.models import EvaluationRound
from openness.periods import Period, quick_picks

CREATED = gettext_lazy("The round is created as a draft with the default weights. Check them, then compute.")
SAVED = gettext_lazy("Weights saved.")
SAVED_CLEARED = gettext_lazy("Weights saved. The results computed with the old weights were cleared: compute again.")
COMPUTED = gettext_lazy("Computed: %(n)s institutions scored. Check the results, then publish.")
PUBLISHED = gettext_lazy("Published. The round is frozen; institution admins now see their results.")


def _may_read(request: HttpRequest) -> None:
    # The REST API's rule (RoundReader): regulators, platform admins, institution admins.
    if scopes.scope_for(user=request.user) is None:
        raise PermissionDenied(NOT_ALLOWED)


def _visible(request: HttpRequest, pk: int) -> EvaluationRound:
    _may_read(request)
    return get_object_or_404(ev.rounds_visible(user=request.user).select_related("previous"), pk=pk)


def _back(evaluation: EvaluationRound) -> HttpResponse:
    return redirect("openness:round", pk=evaluation.pk)


def _refused(request: HttpRequest, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


@login_required
def rounds(request: HttpRequest) -> HttpResponse:
    _may_read(request)
    region = regulated_region(request.user)
    form = None
    if region is not None:
        last_year = quick_picks()[2][1]
        form = RoundForm(request.POST if request.method == "POST" else None, region=region, initial=last_year.params)
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(services.ROUND_DENIED)
        if form.is_valid():
            data = form.cleaned_data
            period = Period(data["from"], data["to"])
            try:
                evaluation = services.round_create(
                    by=request.user, name=data["name"], start=period.start, end=period.end, region=data["region"]
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, CREATED)
                return _back(evaluation)
    listing = [(r, et.period_text(r)) for r in ev.rounds_visible(user=request.user)]
    context = {"rounds": listing, "form": form, "regulator": region is not None, "note": scoring.DEFAULTS_NOTE}
    return render(request, "openness/rounds/list.html", context)


@login_required
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _visible(request, pk))


def _detail(request: HttpRequest, evaluation: EvaluationRound, form: ConfigForm | None = None) -> HttpResponse:
    user = request.user
    results = list(ev.results_visible(evaluation=evaluation, user=user))
    start, end = timezone.localtime(evaluation.period_start), timezone.localtime(evaluation.period_end)
    query = urlencode({"from": start.date().isoformat(), "to": end.date().isoformat()})
    table = et.results_table(
        evaluation=evaluation, results=results, previous=ev.differences(evaluation=evaluation), query=query
    )
    download = request.GET.get("download")
    if download:
        return _download(request, evaluation, table, download)
    may_run = regulates(user, evaluation.region)
    editable = may_run and evaluation.state != EvaluationRound.State.PUBLISHED
    own_only = not (is_platform_admin(user) or regulated_region(user) is not None)
    previous = evaluation.previous
    context = {
        "evaluation": evaluation, "period_text": et.period_text(evaluation), "title": evaluation.name,
        "is_default": evaluation.config == scoring.DEFAULT_CONFIG, "config_groups": et.config_groups(evaluation.config),
        "grade_rows": et.grade_rows(evaluation.config), "pass_cut": evaluation.config["grades"]["pass"],
        "poor_label": scoring.GRADES["poor"],
        "may_run": may_run, "editable": editable,
        "form": form or (ConfigForm(evaluation=evaluation) if editable else None),
        "table": table, "indicator_heads": et.indicator_heads(), "fixed_columns": et.FIXED, "own_only": own_only,
        "own": et.own_results(evaluation=evaluation, results=results) if own_only else [],
        "previous": previous if previous and ev.rounds_visible(user=user).filter(pk=previous.pk).exists() else None,
        "published": evaluation.state == EvaluationRound.State.PUBLISHED,
        "computed": evaluation.state == EvaluationRound.State.COMPUTED,
    }  # fmt: skip
    return render(request, "openness/rounds/detail.html", context)


def _download(request: HttpRequest, evaluation: EvaluationRound, table, download: str) -> HttpResponse:
    key, _dot, fmt = download.rpartition(".")
    if key != table.key or fmt not in exports.FORMATS:
        raise Http404(_("No table «%(name)s» on this page.") % {"name": download[:40]})
    about = [
        (_("Title"), f"{evaluation.name} · {table.title}"),
        (_("Region"), f"{evaluation.region.name} ({evaluation.region.code})"),
        (_("Period"), et.period_text(evaluation)),
        (_("State"), evaluation.get_state_display()),
        (_("Page"), request.build_absolute_uri(request.path)),
        (_("Weights"), str(scoring.DEFAULTS_NOTE)),
        (_("Units"), _("Points 0–100; rates as fractions (0–1); hours a year for external hours.")),
    ]
    return exports.table_response(table, fmt, f"evaluation-{evaluation.pk}-results", about)


@login_required
@require_POST
def round_weights(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = _visible(request, pk)
    form = ConfigForm(request.POST, evaluation=evaluation)
    if form.is_valid():
        had_results = evaluation.results.exists()
        try:
            services.round_update(
                evaluation=evaluation, by=request.user, name=form.cleaned_data["name"], config=form.config()
            )
        except ValidationError as error:
            if "state" in error.message_dict:  # published meanwhile: nothing to correct in the form
                _refused(request, error)
                return _back(evaluation)
            form.service_errors(error)
        else:
            messages.success(request, SAVED_CLEARED if had_results else SAVED)
            return _back(evaluation)
    messages.error(request, _("The weights were not saved: correct the fields marked below."))
    return _detail(request, evaluation, form)


@login_required
@require_POST
def round_compute(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = _visible(request, pk)
    try:
        evaluation = services.round_compute(evaluation=evaluation, by=request.user)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, COMPUTED % {"n": evaluation.results.count()})
    return _back(evaluation)


@login_required
def round_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """A confirmation page first: publishing cannot be undone."""
    evaluation = _visible(request, pk)
    if request.method == "POST":
        try:
            services.round_publish(evaluation=evaluation, by=request.user)
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, PUBLISHED)
        return _back(evaluation)
    if not regulates(request.user, evaluation.region):
        raise PermissionDenied(services.ROUND_DENIED)
    if evaluation.state != EvaluationRound.State.COMPUTED:
        published = evaluation.state == EvaluationRound.State.PUBLISHED
        messages.error(request, services.ROUND_PUBLISHED if published else services.ROUND_NOT_COMPUTED)
        return _back(evaluation)
    context = {
        "evaluation": evaluation, "title": evaluation.name, "period_text": et.period_text(evaluation),
        "institutions": evaluation.results.count(), "is_default": evaluation.config == scoring.DEFAULT_CONFIG,
        "back": reverse("openness:round", args=[evaluation.pk]),
    }  # fmt: skip
    return render(request, "openness/rounds/publish.html", context)
