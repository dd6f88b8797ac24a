from rest_framework import serializers

from accounts.models import Organization, Region
from config.api import ModelSerializer, TextKeyRelatedField
from instruments.models import Category, Instrument, InstrumentPhoto, Lab
from instruments.services import EDITABLE_FIELDS


class RegionSerializer(ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name_zh", "name_en", "level"]


class CategorySerializer(ModelSerializer):
    class Meta:
        model = Category
        fields = ["code", "name_zh", "name_en"]


class InstitutionSerializer(ModelSerializer):
    class Meta:
        model = Organization
        fields = ["code", "name_zh", "name_en", "kind"]


class LabSerializer(ModelSerializer):
    class Meta:
        model = Lab
        fields = ["id", "code", "name_zh", "name_en"]


class PhotoSerializer(ModelSerializer):
    class Meta:
        model = InstrumentPhoto
        fields = ["id", "image", "thumbnail", "width", "height", "caption"]


class InstrumentListSerializer(ModelSerializer):
    category = CategorySerializer()
    institution = InstitutionSerializer()
    lab = LabSerializer()
    region = RegionSerializer()
    in_scope = serializers.BooleanField(read_only=True)
    thumbnail = serializers.SerializerMethodField()
    # Set by billing through instruments.extensions.register_api_figures.
    rating_average = serializers.SerializerMethodField(
        help_text="customers' average rating, 1–5 (service, condition, timeliness); null without ratings"
    )
    rating_count = serializers.SerializerMethodField(help_text="number of ratings")

    class Meta:
        model = Instrument
        fields = [
            "id", "code", "name_zh", "name_en", "inner_id", "category", "institution", "lab", "region",
            "model", "manufacturer", "original_value", "in_scope", "status", "share_mode", "thumbnail",
            "rating_average", "rating_count",
        ]  # fmt: skip

    def get_rating_average(self, instrument: Instrument) -> float | None:
        return getattr(instrument, "rating_average", None)

    def get_rating_count(self, instrument: Instrument) -> int:
        return getattr(instrument, "rating_count", 0)

    def get_thumbnail(self, instrument: Instrument) -> str | None:
        photos = list(instrument.photos.all())
        if not photos:
            return None
        url = photos[0].thumbnail.url
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class InstrumentDetailSerializer(InstrumentListSerializer):
    photos = PhotoSerializer(many=True)

    class Meta(InstrumentListSerializer.Meta):
        fields = [*InstrumentListSerializer.Meta.fields, *(
            "type", "country", "in_service_date", "funds", "technical", "function", "subject",
            "service_content", "requirement", "fee", "service_url", "address", "contact", "phone", "email",
            "photos", "created_at", "updated_at",
        )]  # fmt: skip


class InstrumentWriteSerializer(ModelSerializer):
    """Input for creating and editing; the service checks who may write where."""

    lab = serializers.PrimaryKeyRelatedField(queryset=Lab.objects.select_related("institution"))
    category = TextKeyRelatedField(queryset=Category.objects.all())
    region = TextKeyRelatedField(queryset=Region.objects.all(), required=False)

    class Meta:
        model = Instrument
        fields = ["lab", *EDITABLE_FIELDS]
        # Uniqueness is the service's to check: it knows the institution from the lab.
        validators: list = []
