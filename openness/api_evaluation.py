"""Evaluation rounds over REST: a regulator creates a round of their region, edits its
weights while it is a draft, computes and publishes it; results are read from what was
stored, with the change since the previous published round."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.permissions import is_platform_admin, regulated_region
from config.api import ModelSerializer, Serializer
from openness import api, scoring, services
from openness import evaluation as ev
from openness.models import EvaluationResult, EvaluationRound

NOT_ALLOWED = _("Evaluation rounds are for regulators; institution admins see their published results.")


class RoundReader(permissions.BasePermission):
    message = NOT_ALLOWED

    def has_permission(self, request, view) -> bool:
        user = request.user
        if is_platform_admin(user) or regulated_region(user) is not None:
            return True
        organization = getattr(user, "organization", None)
        return bool(organization and organization.can_own_instruments and user.role == user.Role.ORG_ADMIN)


def indicators_described() -> dict:
    return {
        key: {"group": group, "group_label": str(scoring.GROUPS[group]), "label": str(label)}
        for key, (group, label) in scoring.INDICATORS.items()
    }


class RoundSerializer(ModelSerializer):
    region_name = serializers.CharField(source="region.name", read_only=True)
    period_from = serializers.DateTimeField(source="period_start", read_only=True)
    period_to = serializers.DateTimeField(source="period_end", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    config_is_default = serializers.SerializerMethodField()
    note = serializers.SerializerMethodField()
    indicators = serializers.SerializerMethodField()
    grades = serializers.SerializerMethodField()

    class Meta:
        model = EvaluationRound
        fields = [
            "id", "name", "region", "region_name", "period_from", "period_to", "state", "state_label", "config",
            "config_is_default", "note", "indicators", "grades", "previous", "created_at", "computed_at",
            "published_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_config_is_default(self, obj: EvaluationRound) -> bool:
        return obj.config == scoring.DEFAULT_CONFIG

    def get_note(self, obj: EvaluationRound) -> str:
        return str(scoring.DEFAULTS_NOTE)

    def get_indicators(self, obj: EvaluationRound) -> dict:
        return indicators_described()

    def get_grades(self, obj: EvaluationRound) -> dict:
        return {key: str(label) for key, label in scoring.GRADES.items()}


# 'from' is a Python keyword, hence the metaclass call; the period is read as in the
# openness figures: a date (local midnight) or an ISO time, [from, to).
RoundCreateSerializer = type(Serializer)(
    "RoundCreateSerializer",
    (Serializer,),
    {
        "__module__": __name__,
        "name": serializers.CharField(max_length=200),
        "from": serializers.CharField(help_text="first day, e.g. 2026-01-01"),
        "to": serializers.CharField(help_text="the day after the last one: the period is [from, to)"),
    },
)


class RoundUpdateSerializer(Serializer):
    name = serializers.CharField(max_length=200, required=False)
    config = serializers.JSONField(required=False, help_text="indicators {key: {weight, curve}} and grades")


class ResultSerializer(ModelSerializer):
    institution = serializers.CharField(source="institution.code")
    institution_name = serializers.CharField(source="institution.name")
    grade_label = serializers.SerializerMethodField()
    previous_total = serializers.SerializerMethodField()
    previous_grade = serializers.SerializerMethodField()
    change = serializers.SerializerMethodField(help_text="total minus the previous published round's total")

    class Meta:
        model = EvaluationResult
        fields = ["institution", "institution_name", "total", "grade", "grade_label", "inputs", "points",
                  "previous_total", "previous_grade", "change"]  # fmt: skip

    def _previous(self, obj: EvaluationResult) -> EvaluationResult | None:
        return self.context["previous"].get(obj.institution_id)

    def get_grade_label(self, obj: EvaluationResult) -> str:
        return str(scoring.GRADES.get(obj.grade, obj.grade))

    def get_previous_total(self, obj: EvaluationResult) -> str | None:
        previous = self._previous(obj)
        return None if previous is None else str(previous.total)

    def get_previous_grade(self, obj: EvaluationResult) -> str | None:
        previous = self._previous(obj)
        return None if previous is None else previous.grade

    def get_change(self, obj: EvaluationResult) -> str | None:
        previous = self._previous(obj)
        return None if previous is None else str(obj.total - previous.total)


class RoundViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Evaluation rounds. The default weights are ours: the official ones are not public."""

    permission_classes = [permissions.IsAuthenticated, RoundReader]
    serializer_class = RoundSerializer
    queryset = EvaluationRound.objects.none()
    filter_backends: list = []

    def get_queryset(self):
        return ev.rounds_visible(user=self.request.user)

    @extend_schema(request=RoundCreateSerializer, responses=RoundSerializer)
    def create(self, request):
        """A draft round of your whole region over [from, to), with a copy of the default weights."""
        data = RoundCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        start, end = api.period_parse(data.validated_data)
        evaluation = services.round_create(by=request.user, name=data.validated_data["name"], start=start, end=end)
        return Response(RoundSerializer(evaluation).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RoundUpdateSerializer, responses=RoundSerializer)
    def partial_update(self, request, pk=None):
        """Rename, or change weights, curves and cut-offs, until published."""
        data = RoundUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        evaluation = services.round_update(evaluation=self.get_object(), by=request.user, **data.validated_data)
        return Response(RoundSerializer(evaluation).data)

    @extend_schema(request=None, responses=RoundSerializer)
    @action(detail=True, methods=["post"])
    def compute(self, request, pk=None):
        evaluation = services.round_compute(evaluation=self.get_object(), by=request.user)
        return Response(RoundSerializer(evaluation).data)

    @extend_schema(request=None, responses=RoundSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        evaluation = services.round_publish(evaluation=self.get_object(), by=request.user)
        return Response(RoundSerializer(evaluation).data)

    @extend_schema(responses=ResultSerializer(many=True))
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        """Stored results, best first, each with the change since the previous published round."""
        evaluation = self.get_object()
        page = self.paginate_queryset(ev.results_visible(evaluation=evaluation, user=request.user))
        context = {"previous": ev.differences(evaluation=evaluation)}
        return self.get_paginated_response(ResultSerializer(page, many=True, context=context).data)

    @extend_schema(responses=dict)
    @action(detail=False, methods=["get"])
    def defaults(self, request):
        """The default config every new round starts from, labelled as defaults."""
        return Response({"config": scoring.DEFAULT_CONFIG, "note": str(scoring.DEFAULTS_NOTE),
                         "indicators": indicators_described()})  # fmt: skip
