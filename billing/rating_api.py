"""REST for ratings: `/api/v1/ratings/` is public to read (`?instrument=` filters; no
customer names), a requester rates a completed booking or sample order, and the lab's
managers reply (`…/{id}/reply/`)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from billing import ratings
from billing.models import Rating
from booking.models import Reservation, SampleOrder
from config.api import ModelSerializer, Serializer

SCORE_ERRORS = {key: ratings.SCORE_RANGE for key in ("invalid", "min_value", "max_value", "max_string_length")}


class RatingSerializer(ModelSerializer):
    instrument = serializers.IntegerField(source="instrument_id", read_only=True)
    instrument_code = serializers.CharField(source="instrument.code", read_only=True)
    average = serializers.FloatField(read_only=True)
    replied_by = serializers.SerializerMethodField(help_text="the lab that replied; null before a reply")

    class Meta:
        model = Rating
        fields = [
            "id", "instrument", "instrument_code", "reservation", "sample_order", "service", "condition",
            "timeliness", "average", "comment", "created_at", "reply", "replied_by", "replied_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_replied_by(self, rating: Rating) -> str | None:
        return rating.instrument.lab.name if rating.replied_at else None


def _score() -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=5, error_messages=SCORE_ERRORS)


class RatingCreateSerializer(Serializer):
    reservation = serializers.PrimaryKeyRelatedField(
        queryset=Reservation.objects.select_related("instrument"), required=False, allow_null=True
    )
    sample_order = serializers.PrimaryKeyRelatedField(
        queryset=SampleOrder.objects.select_related("instrument"), required=False, allow_null=True
    )
    service = _score()
    condition = _score()
    timeliness = _score()
    comment = serializers.CharField(max_length=ratings.MAX_TEXT, required=False, allow_blank=True, default="")

    def validate(self, data: dict) -> dict:
        if (data.get("reservation") is None) == (data.get("sample_order") is None):
            raise serializers.ValidationError(ratings.ONE_SUBJECT)
        return data


class ReplySerializer(Serializer):
    text = serializers.CharField(
        max_length=ratings.MAX_TEXT,
        error_messages={"required": ratings.REPLY_REQUIRED, "blank": ratings.REPLY_REQUIRED},
    )


class PublicReadPermission(permissions.BasePermission):
    """Ratings are public to read; rating and replying need an account (the service checks whose)."""

    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or bool(request.user and request.user.is_authenticated)


class RatingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = RatingSerializer
    permission_classes = [PublicReadPermission]
    filterset_fields = ["instrument"]

    def get_queryset(self):
        return ratings.ratings_visible()

    @extend_schema(request=RatingCreateSerializer, responses={201: RatingSerializer})
    def create(self, request):
        body = RatingCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rating = ratings.rating_create(by=request.user, **body.validated_data)
        return Response(self._out(rating), status=status.HTTP_201_CREATED)

    @extend_schema(request=ReplySerializer, responses=RatingSerializer)
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        body = ReplySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rating = ratings.rating_reply(rating=self.get_object(), by=request.user, text=body.validated_data["text"])
        return Response(self._out(rating))

    def _out(self, rating: Rating) -> dict:
        return RatingSerializer(self.get_queryset().get(pk=rating.pk), context=self.get_serializer_context()).data
