"""The catalog filters, shared by the HTML catalog and the REST API."""

import django_filters
from django import forms
from django.conf import settings
from django.db.models import Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.fields import RegionChoiceField
from accounts.models import Organization, Region
from instruments import selectors
from instruments.models import Category, Instrument

ANY = _("Any")


class RegionFilter(django_filters.ModelChoiceFilter):
    field_class = RegionChoiceField


class CatalogOrdering(django_filters.OrderingFilter):
    """Sorting by name follows the names the reader sees: English ones where there are."""

    def get_ordering_value(self, param: str):
        if param.lstrip("-") != "name" or not (get_language() or "").startswith("en"):
            return super().get_ordering_value(param)
        shown = Coalesce(NullIf("name_en", Value("")), "name_zh")
        return shown.desc() if param.startswith("-") else shown.asc()


class InstrumentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Keyword"), method="filter_q", max_length=100)
    category = django_filters.ModelChoiceFilter(
        label=_("Category"), queryset=selectors.categories_in_use(), method="filter_category", empty_label=ANY
    )
    region = django_filters.ModelChoiceFilter(
        label=_("Region"), queryset=Region.objects.all(), method="filter_region", empty_label=ANY
    )
    institution = django_filters.ModelChoiceFilter(
        label=_("Institution"),
        queryset=Organization.objects.filter(kind__in=Organization.OWNER_KINDS),
        to_field_name="code",
        field_name="institution",
        empty_label=ANY,
    )
    value_min = django_filters.NumberFilter(label=_("Value from (CNY)"), field_name="original_value", lookup_expr="gte")
    value_max = django_filters.NumberFilter(
        label=_("Value up to (CNY)"), field_name="original_value", lookup_expr="lte"
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Instrument.Status.choices, empty_label=ANY)
    share_mode = django_filters.ChoiceFilter(
        label=_("Share mode"), choices=Instrument.ShareMode.choices, empty_label=ANY
    )
    in_scope = django_filters.BooleanFilter(
        label=_("Openness required"),
        method="filter_in_scope",
        widget=forms.Select(choices=[("", ANY), ("true", _("Yes")), ("false", _("No"))]),
    )
    ordering = CatalogOrdering(
        label=_("Sort by"),
        fields=(("code", "code"), ("original_value", "value"), ("created_at", "registered"), ("name_zh", "name")),
        # Every choice named here, lazily: django-filter would build "… (descending)" once,
        # in the language of the first request, and in English whatever that was.
        field_labels={
            "code": _("Code, ascending"),
            "-code": _("Code, descending"),
            "original_value": _("Value, lowest first"),
            "-value": _("Value, highest first"),
            "created_at": _("Registered, oldest first"),
            "-registered": _("Registered, newest first"),
            "name_zh": _("Name, ascending"),
            "-name": _("Name, descending"),
        },
        empty_label=_("Default order"),
    )

    class Meta:
        model = Instrument
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        return selectors.instrument_search(queryset, value)

    def filter_category(self, queryset, name, value: Category):
        return selectors.in_category(queryset, value)

    def filter_region(self, queryset, name, value: Region):
        return selectors.in_region(queryset, value)

    def filter_in_scope(self, queryset, name, value: bool):
        threshold = settings.OPENNESS_THRESHOLD_CNY
        return (
            queryset.filter(original_value__gte=threshold) if value else queryset.filter(original_value__lt=threshold)
        )
