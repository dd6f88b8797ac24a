"""REST for credit marks: `/api/v1/credit-marks/` lists the marks you may see (your own; an
organization admin's organization's; all for platform admins); `…/{id}/lift/` lifts one."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from booking import credit
from booking.models import CreditMark
from config.api import ModelSerializer, Serializer


class MarkCountsSerializer(Serializer):
    no_show = serializers.IntegerField()
    late_cancel = serializers.IntegerField()
    overdue = serializers.IntegerField()
    total = serializers.IntegerField()


class CreditRecordSerializer(Serializer):
    """A person's credit now (booking.credit.Standing)."""

    state = serializers.ChoiceField(choices=list(credit.STATES))
    ends = serializers.DateTimeField(
        allow_null=True, help_text="when the state ends unless another mark comes; null when good"
    )
    marks = MarkCountsSerializer(help_text="the person's marks in the window, by kind")
    organization_marks = MarkCountsSerializer(help_text="their organization's marks in the window, by kind")


class CreditMarkSerializer(ModelSerializer):
    user = serializers.CharField(source="user.username", default=None, read_only=True)
    organization = serializers.CharField(source="organization.code", read_only=True)
    lifted_by = serializers.CharField(source="lifted_by.username", default=None, read_only=True)
    can_lift = serializers.SerializerMethodField()

    class Meta:
        model = CreditMark
        fields = [
            "id", "kind", "user", "organization", "reservation", "reference", "at", "lifted_at", "lifted_by",
            "lift_reason", "can_lift",
        ]  # fmt: skip
        read_only_fields = fields

    def get_can_lift(self, mark: CreditMark) -> bool:
        request = self.context.get("request")
        return bool(request and mark.lifted_at is None and credit.can_lift(request.user, mark))


class LiftSerializer(Serializer):
    reason = serializers.CharField(
        max_length=2000, error_messages={"required": credit.LIFT_REASON_REQUIRED, "blank": credit.LIFT_REASON_REQUIRED}
    )


class CreditMarkViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = CreditMarkSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_fields = ["kind"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return CreditMark.objects.none()
        return credit.credit_marks_visible_to(self.request.user)

    @extend_schema(request=LiftSerializer, responses=CreditMarkSerializer)
    @action(detail=True, methods=["post"])
    def lift(self, request, pk=None):
        body = LiftSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        mark = credit.credit_mark_lift(mark=self.get_object(), by=request.user, reason=body.validated_data["reason"])
        fresh = self.get_queryset().get(pk=mark.pk)
        return Response(CreditMarkSerializer(fresh, context=self.get_serializer_context()).data)
