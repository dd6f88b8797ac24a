"""Anomaly flags over REST: the list (filtered, exported as CSV), and the institution's
explanation and the regulator's closing. Rules and permissions live in openness.flags
and openness.services; this module validates the question and shapes the answer."""

import csv

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from accounts.models import Organization, Region
from accounts.permissions import regulated_region
from config.api import ModelSerializer, Serializer
from openness import api, services
from openness.flags import flags_visible, may_see_flags
from openness.models import Flag
from openness.scopes import OUTSIDE_REGION

NOT_ALLOWED = _("Anomaly flags are for regulators (their region) and institution admins (their institution).")
BAD_CHOICE = _("Choose '%(field)s' among: %(choices)s.")
CSV_COLUMNS = [
    "id", "instrument", "instrument_name", "institution", "region", "kind", "state", "period_from", "period_to",
    "fired", "numbers", "thresholds", "explanation", "closing_note", "detected_at", "updated_at",
]  # fmt: skip


class FlagReader(permissions.BasePermission):
    message = NOT_ALLOWED

    def has_permission(self, request, view) -> bool:
        return may_see_flags(user=request.user)


class FlagSerializer(ModelSerializer):
    instrument = serializers.CharField(source="instrument.code")
    instrument_name = serializers.CharField(source="instrument.name")
    institution = serializers.CharField(source="instrument.institution.code")
    region = serializers.CharField(source="instrument.region_id")
    kind_label = serializers.CharField(source="get_kind_display")
    state_label = serializers.CharField(source="get_state_display")
    period_from = serializers.DateTimeField(source="period_start")
    period_to = serializers.DateTimeField(source="period_end")
    explained_by = serializers.CharField(source="explained_by.username", allow_null=True, default=None)
    closed_by = serializers.CharField(source="closed_by.username", allow_null=True, default=None)
    evidence = serializers.JSONField(help_text="period, the rules that fired, their numbers and thresholds")

    class Meta:
        model = Flag
        fields = [
            "id", "instrument", "instrument_name", "institution", "region", "kind", "kind_label", "state",
            "state_label", "period_from", "period_to", "evidence", "detected_at", "updated_at", "explanation",
            "explained_by", "explained_at", "closing_note", "closed_by", "closed_at",
        ]  # fmt: skip
        read_only_fields = fields


class NoteSerializer(Serializer):
    note = serializers.CharField(allow_blank=True, max_length=4000)


FILTERS = [
    OpenApiParameter("kind", str, enum=list(Flag.Kind.values)),
    OpenApiParameter("state", str, enum=list(Flag.State.values)),
    OpenApiParameter("region", str, description="GB/T 2260 code: flags of instruments in it and below"),
    OpenApiParameter("institution", str, description="institution code"),
    OpenApiParameter("from", str, description="with 'to': flags whose period meets [from, to)"),
    OpenApiParameter("to", str),
]


class FlagViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Anomaly flags you may see: a regulator their region subtree, an institution admin
    their institution, a platform admin all (read only)."""

    permission_classes = [permissions.IsAuthenticated, FlagReader]
    serializer_class = FlagSerializer
    queryset = Flag.objects.none()
    filter_backends: list = []  # validated and applied in get_queryset

    def get_queryset(self) -> QuerySet[Flag]:
        flags = flags_visible(user=self.request.user).select_related("instrument__region", "explained_by", "closed_by")
        if self.action not in ("list", "export"):
            return flags
        return flags_filter(flags, self.request)

    @extend_schema(parameters=FILTERS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(parameters=FILTERS, responses={(200, "text/csv"): str})
    @action(detail=False, methods=["get"])
    def export(self, request):
        """The filtered flags as CSV (UTF-8 with a byte-order mark, for spreadsheet programs)."""
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="openness-flags.csv"'
        response.write("\ufeff")
        writer = csv.writer(response)
        writer.writerow(CSV_COLUMNS)
        for flag in self.get_queryset().iterator(chunk_size=500):
            writer.writerow([_cell(value) for value in _csv_row(flag)])
        return response

    @extend_schema(request=NoteSerializer, responses=FlagSerializer)
    @action(detail=True, methods=["post"])
    def explain(self, request, pk=None):
        """The institution's explanation (institution admins)."""
        note = _note(request)
        return Response(FlagSerializer(services.flag_explain(flag=self.get_object(), by=request.user, note=note)).data)

    @extend_schema(request=NoteSerializer, responses=FlagSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """The regulator's closing, with a note (regulators of the instrument's region)."""
        note = _note(request)
        return Response(FlagSerializer(services.flag_close(flag=self.get_object(), by=request.user, note=note)).data)


def _note(request) -> str:
    serializer = NoteSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data["note"]


def flags_filter(flags: QuerySet[Flag], request) -> QuerySet[Flag]:
    params = request.query_params
    for field, choices in (("kind", Flag.Kind.values), ("state", Flag.State.values)):
        if value := params.get(field):
            if value not in choices:
                raise ValidationError({field: [str(BAD_CHOICE % {"field": field, "choices": ", ".join(choices)})]})
            flags = flags.filter(**{field: value})
    region = api._lookup(params, "region", Region.objects, "code", api.UNKNOWN_REGION)
    if isinstance(region, Region):
        scope = regulated_region(request.user)
        if scope is not None and not scope.contains(region):
            raise PermissionDenied(str(OUTSIDE_REGION % {"scope": scope.name, "code": scope.code}))
        flags = flags.filter(instrument__region__code__startswith=region.prefix)
    institution = api._lookup(params, "institution", Organization.objects, "code", api.UNKNOWN_INSTITUTION)
    if institution is not None:
        flags = flags.filter(instrument__institution=institution)
    if params.get("from") or params.get("to"):
        start, end = api.period_parse(params)
        flags = flags.filter(period_start__lt=end, period_end__gt=start)
    return flags


def _csv_row(flag: Flag) -> list:
    evidence = flag.evidence
    pairs = lambda d: "; ".join(f"{k}={v}" for k, v in (d or {}).items())  # noqa: E731
    return [
        flag.pk, flag.instrument.code, flag.instrument.name, flag.instrument.institution.code,
        flag.instrument.region_id, flag.kind, flag.state, _local(flag.period_start), _local(flag.period_end),
        " ".join(evidence.get("fired", [])), pairs(evidence.get("numbers")), pairs(evidence.get("thresholds")),
        flag.explanation, flag.closing_note, _local(flag.detected_at), _local(flag.updated_at),
    ]  # fmt: skip


def _local(moment) -> str:
    return timezone.localtime(moment).isoformat()


def _cell(value) -> object:
    # A note beginning with = + - @ would run as a formula in a spreadsheet.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
