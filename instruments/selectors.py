from django.db.models import Prefetch, Q, QuerySet

from accounts.models import Organization, Region
from instruments.models import Category, Instrument, InstrumentPhoto
from instruments.search.query import search


def instrument_catalog() -> QuerySet[Instrument]:
    """Every listed instrument, with what catalog pages and the API show of it. The
    instrument's own institution (the API's) comes in a query of its own: a second join to
    the organizations costs PostgreSQL 4-7 ms more planning on every search page."""
    return Instrument.objects.select_related("lab__institution", "category", "region").prefetch_related(
        "institution", Prefetch("photos", queryset=InstrumentPhoto.objects.order_by("position", "id"))
    )


def instrument_search(queryset: QuerySet[Instrument], text: str) -> QuerySet[Instrument]:
    """Instruments matching `text` by their words, synonyms and abbreviations, best first
    (instruments/search/, docs/search.md). The catalog pages and the API both use it."""
    return search(queryset, text)


def in_category(queryset: QuerySet[Instrument], category: Category) -> QuerySet[Instrument]:
    return queryset.filter(category__code__startswith=category.prefix)


def in_region(queryset: QuerySet[Instrument], region: Region) -> QuerySet[Instrument]:
    return queryset.filter(region__code__startswith=region.prefix)


def institutions_with_instruments() -> QuerySet[Organization]:
    return Organization.objects.filter(instruments__isnull=False).distinct().order_by("code")


def categories_in_use() -> QuerySet[Category]:
    """Top classes plus the classes instruments are filed under, for filter menus."""
    return Category.objects.filter(Q(code__endswith="0000") | Q(instruments__isnull=False)).distinct()
