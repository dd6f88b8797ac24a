from django.db.models import Prefetch, Q, QuerySet

from accounts.models import Organization, Region
from instruments.models import Category, Instrument, InstrumentPhoto

SEARCH_FIELDS = (
    "name_zh", "name_en", "inner_id", "code", "model", "manufacturer", "function", "technical",
    "service_content", "subject",
)  # fmt: skip


def instrument_catalog() -> QuerySet[Instrument]:
    """Every listed instrument, with what catalog pages and the API show of it."""
    return Instrument.objects.select_related("lab__institution", "institution", "category", "region").prefetch_related(
        Prefetch("photos", queryset=InstrumentPhoto.objects.order_by("position", "id"))
    )


def instrument_search(queryset: QuerySet[Instrument], text: str) -> QuerySet[Instrument]:
    """Instruments whose every word of `text` appears in one of the searched fields."""
    for word in text.split()[:10]:
        match = Q()
        for field in SEARCH_FIELDS:
            match |= Q(**{f"{field}__icontains": word})
        queryset = queryset.filter(match)
    return queryset


def in_category(queryset: QuerySet[Instrument], category: Category) -> QuerySet[Instrument]:
    return queryset.filter(category__code__startswith=category.prefix)


def in_region(queryset: QuerySet[Instrument], region: Region) -> QuerySet[Instrument]:
    return queryset.filter(region__code__startswith=region.prefix)


def institutions_with_instruments() -> QuerySet[Organization]:
    return Organization.objects.filter(instruments__isnull=False).distinct().order_by("code")


def categories_in_use() -> QuerySet[Category]:
    """Top classes plus the classes instruments are filed under, for filter menus."""
    return Category.objects.filter(Q(code__endswith="0000") | Q(instruments__isnull=False)).distinct()
