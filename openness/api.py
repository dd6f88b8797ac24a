"""Openness over REST: per instrument, and rolled up by region, institution or lab.

The query is validated here, field by field, and turned into plain values; the figures
come from openness.selectors, which every other door (pages, exports) will call too.
"""

import datetime as dt

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions
from rest_framework.exceptions import ValidationError

from accounts.models import Organization, Region
from billing.selectors import money_by_instrument
from booking.windows import BACKWARDS, moment
from instruments.models import Category, Instrument
from openness import scopes, selectors
from openness.flags import unresolved_kinds
from openness.serializers import InstrumentFiguresSerializer, RollupSerializer, instrument_json, rollup_json

MAX_DAYS = 3 * 366  # three years, leap days included
MISSING = _("Give '%(field)s' as a date, e.g. 2026-01-01 (the period is [from, to): 'to' is not included).")
TOO_LONG = _("Ask for at most three years at a time; split a longer audit into several periods.")
UNKNOWN_REGION = _("No region has the code «%(value)s»; use a six-digit GB/T 2260 code such as 320500.")
UNKNOWN_INSTITUTION = _("No institution has the code «%(value)s».")
UNKNOWN_CATEGORY = _("No category has the code «%(value)s»; use a six-digit code such as 010100.")
BAD_LEVEL = _("Choose the level among: %(levels)s.")

PERIOD_PARAMETERS = [
    OpenApiParameter("from", str, required=True, description="first day (local midnight), or an ISO 8601 time"),
    OpenApiParameter("to", str, required=True, description="the day after the last one: the period is [from, to)"),
]
FILTER_PARAMETERS = [
    OpenApiParameter("region", str, description="GB/T 2260 code: the region and everything inside it"),
    OpenApiParameter("institution", str, description="institution code"),
    OpenApiParameter("category", str, description="six-digit category code: the class and its subclasses"),
]


class OpennessReader(permissions.BasePermission):
    message = scopes.NOT_ALLOWED

    def has_permission(self, request, view) -> bool:
        return scopes.scope_for(user=request.user) is not None


def period_parse(params) -> tuple[dt.datetime, dt.datetime]:
    errors: dict[str, list[str]] = {}
    moments: dict[str, dt.datetime] = {}
    for field in ("from", "to"):
        if not params.get(field):
            errors[field] = [str(MISSING % {"field": field})]
            continue
        try:
            moments[field] = moment(params[field], field)
        except DjangoValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    start, end = moments["from"], moments["to"]
    if end <= start:
        raise ValidationError({"to": [str(BACKWARDS)]})
    if end - start > dt.timedelta(days=MAX_DAYS):
        raise ValidationError({"to": [str(TOO_LONG)]})
    return start, end


def _lookup(params, field: str, queryset, key: str, message) -> object | None:
    value = params.get(field)
    if not value:
        return None
    found = queryset.filter(**{key: value}).first()
    if found is None:
        raise ValidationError({field: [str(message % {"value": value[:40]})]})
    return found


def instruments_asked(request) -> tuple[QuerySet[Instrument], dt.datetime, dt.datetime]:
    """The scoped, filtered instruments and the period of the request."""
    params = request.query_params
    start, end = period_parse(params)
    region = _lookup(params, "region", Region.objects, "code", UNKNOWN_REGION)
    institution = _lookup(params, "institution", Organization.objects, "code", UNKNOWN_INSTITUTION)
    category = _lookup(params, "category", Category.objects, "code", UNKNOWN_CATEGORY)
    scope = scopes.scope_for(user=request.user)
    assert scope is not None  # OpennessReader let the request in
    instruments = scopes.instruments_in_scope(scope=scope, region=region, institution=institution, category=category)
    return instruments, start, end


class InstrumentFiguresView(generics.GenericAPIView):
    """Openness figures of each instrument you may audit, over [from, to)."""

    permission_classes = [permissions.IsAuthenticated, OpennessReader]
    serializer_class = InstrumentFiguresSerializer
    queryset = Instrument.objects.none()
    filter_backends: list = []  # the filters are validated and applied below

    @extend_schema(parameters=[*PERIOD_PARAMETERS, *FILTER_PARAMETERS])
    def get(self, request):
        instruments, start, end = instruments_asked(request)
        # Figures only for the page asked for: a province has thousands of instruments.
        page = self.paginate_queryset(instruments.values_list("pk", flat=True))
        rows = selectors.instrument_rows(
            instruments=Instrument.objects.filter(pk__in=list(page)).order_by("code"), start=start, end=end
        )
        pks = [row.info["pk"] for row in rows]
        flags = unresolved_kinds(instruments=pks, start=start, end=end)
        money = money_by_instrument(instruments=pks, start=start, end=end)
        data = InstrumentFiguresSerializer(
            [instrument_json(row, flags=flags.get(pk), money=money.get(pk)) for pk, row in zip(pks, rows, strict=True)],
            many=True,
        ).data
        return self.get_paginated_response(data)


class RollupView(generics.GenericAPIView):
    """Openness figures summed per province, city, county, institution or lab, over the
    in-scope instruments you may audit; rates are recomputed from the sums."""

    permission_classes = [permissions.IsAuthenticated, OpennessReader]
    serializer_class = RollupSerializer
    queryset = Instrument.objects.none()
    filter_backends: list = []

    @extend_schema(
        parameters=[
            *PERIOD_PARAMETERS, *FILTER_PARAMETERS,
            OpenApiParameter("level", str, enum=list(selectors.LEVELS), description="default: province"),
        ]
    )  # fmt: skip
    def get(self, request):
        level = request.query_params.get("level") or "province"
        if level not in selectors.LEVELS:
            raise ValidationError({"level": [str(BAD_LEVEL % {"levels": ", ".join(selectors.LEVELS)})]})
        instruments, start, end = instruments_asked(request)
        rows = selectors.rollup_rows(instruments=instruments, start=start, end=end, level=level)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(RollupSerializer([rollup_json(row) for row in page], many=True).data)
