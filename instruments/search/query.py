"""Reading a query and ranking the catalog by it.

A query is cut into units: each dictionary term found in it (扫描电镜, LC-MS …) is one
unit, met by the concept's tag; every other word is a unit met by any indexed word it
begins. Instruments meeting every unit are ranked by where
they met them (names first, then details, then body). If none meets them all, those
meeting any are ranked instead, so that a question typed as a sentence still finds
something. SQLite ranks with FTS5's bm25() as it reads the index; PostgreSQL ranks over
the index table before any instrument is joined (ranked.py).
"""

from dataclasses import dataclass

from django.db import connections
from django.db.models import QuerySet

from instruments.search.dictionary import dictionary
from instruments.search.ranked import entries, only_searched, ranked
from instruments.search.text import key, query_words

MAX_UNITS = 10


@dataclass(frozen=True)
class Word:
    text: str
    prefix: bool


Group = tuple[Word, ...]  # all of these words
Unit = tuple[Group, ...]  # any of these groups


def parse(text: str) -> list[Unit]:
    query_key = key(text)
    units: list[Unit] = []
    position = 0
    for start, end, concept in dictionary().spans(query_key):
        units += _free(query_key[position:start])
        # The tag alone: the term's own words would rank a passing mention of a rare
        # spelling (扫描电镜 in a sputter coater's services) above the instruments named so.
        units.append(((Word(concept.tag, prefix=False),),))
        position = end
    units += _free(query_key[position:])
    return units[:MAX_UNITS]


def _free(segment: str) -> list[Unit]:
    return [((Word(w, prefix=True),),) for w in query_words(segment)] if segment.strip() else []


def fts5(units: list[Unit], *, every: bool) -> str:
    def word(w: Word) -> str:
        return f'"{w.text}"' + ("*" if w.prefix else "")

    def unit(u: Unit) -> str:
        return "(" + " OR ".join("(" + " AND ".join(word(w) for w in group) + ")" for group in u) + ")"

    return (" AND " if every else " OR ").join(unit(u) for u in units)


def tsquery(units: list[Unit], *, every: bool) -> str:
    def word(w: Word) -> str:
        return f"'{w.text}'" + (":*" if w.prefix else "")

    def unit(u: Unit) -> str:
        return "(" + " | ".join("(" + " & ".join(word(w) for w in group) + ")" for group in u) + ")"

    return (" & " if every else " | ").join(unit(u) for u in units)


def search(queryset: QuerySet, text: str) -> QuerySet:
    """The instruments of `queryset` that match `text`, best first."""
    units = parse(text)
    if not units:
        return queryset
    postgres = connections[queryset.db].vendor == "postgresql"
    render = tsquery if postgres else fts5
    for every in (True, False):
        query = render(units, every=every)
        if not every or len(units) == 1 or _any(queryset, query):
            break
    return ranked(queryset, query)


def _any(queryset: QuerySet, query: str) -> bool:
    """Whether an instrument of `queryset` matches; asked of the index alone if it can be."""
    matching = entries(queryset.db, query)
    if only_searched(queryset.query, set()):
        return matching.exists()
    return queryset.filter(pk__in=matching.values("instrument_id")).exists()
