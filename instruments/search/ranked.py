"""Search results ranked over the index before any instrument is read.

A broad query (电镜: 7,000 of 50,000 instruments) would otherwise have every match joined
to its instrument, lab, institution, class and region, then ranked, before the first page
could be cut. Here the matches are ranked and sorted over the search entries alone, in a
common table expression that PostgreSQL inlines as a subquery keeping its order, so the
instruments are joined in rank order and a page of 12 reads 12 of them. Filters on the
instruments still apply to every match, before the page is cut.

The count of a search that nothing else narrows is the number of matching entries, found
through the index in the entry table alone, without reading an instrument; with other
filters the matching instruments they keep are counted, without ranking. Both are exact.
SQLite takes the same path: its planner flattens the subquery, and FTS5 ranks with bm25()
as it reads the index, before the joins.
"""

from django.db import connections
from django.db.models import F, QuerySet
from django_cte import CTE, with_cte
from django_cte.jitmixin import JITMixin, jit_mixin

from instruments.models import SearchIndex
from instruments.search.fields import SearchRank

NAME = "search_ranked"


def entries(db: str, query: str) -> QuerySet[SearchIndex]:
    """The search entries matching a query, in the index's own syntax."""
    return SearchIndex.objects.using(db).filter(document__matches=query)


def only_searched(query, searched: set[str]) -> bool:
    """Whether a queryset's query holds nothing that could drop or repeat a row beyond the
    tables in `searched`: no filter, join, grouping, DISTINCT, slice or set operation."""
    return (
        not query.where
        and not query.distinct
        and not query.is_sliced
        and not query.combinator
        and query.group_by is None
        and not query.extra_tables
        and set(query.alias_map) <= {query.get_meta().db_table, *searched}
    )


def ranked(queryset: QuerySet, query: str) -> QuerySet:
    """The instruments of `queryset` matching `query` (an FTS5 expression or a tsquery),
    best first."""
    name = f"{NAME}{len(getattr(queryset.query, '_with_ctes', ()))}"  # one per search applied
    matching = entries(queryset.db, query)
    ranking = CTE(
        matching.annotate(search_rank=SearchRank(F("document"), query))
        .values("instrument_id", "search_rank")
        .order_by("-search_rank", "instrument_id"),
        name=name,
    )
    results = with_cte(ranking, select=ranking.join(queryset, pk=ranking.col.instrument_id))
    results = results.annotate(search_rank=ranking.col.search_rank).order_by("-search_rank", "pk")
    jit_mixin(results.query, CountedFromIndex)
    results.query.search_counts = (name, matching)
    return results


class CountedFromIndex(JITMixin):
    """A query joined to a search, counted without ranking: from the index alone when
    nothing else narrows it, else over the instruments its filters keep."""

    _jit_mixin_prefix = "CountedFromIndex"
    search_counts: tuple[str, QuerySet] | None = None

    def get_count(self, using):
        plain = not (self.distinct or self.is_sliced or self.combinator or self.group_by is not None)
        if self.search_counts is None or not plain:
            return super().get_count(using)
        name, matching = self.search_counts
        if only_searched(self, {name}):
            return matching.using(using).count()
        # The matches unranked; on SQLite read once (MATERIALIZED), where otherwise it may
        # run the full-text query again for each instrument a selective filter keeps.
        unranked = CTE(matching.values("instrument_id"), name=name, materialized=connections[using].vendor == "sqlite")
        counted = self.clone()
        counted._with_ctes = tuple(unranked if cte.name == name else cte for cte in self._with_ctes)
        return super(CountedFromIndex, counted).get_count(using)
