"""Each instrument's search entry: the words of its record in three columns, names
(ranked first), details (model, maker, class, codes, subject) and body (functions,
specifications, services), each with the concept tags found in it."""

from collections.abc import Iterable

from django.db import connection, transaction

from instruments.models import Instrument, SearchEntry
from instruments.search.dictionary import dictionary
from instruments.search.text import index_words

BATCH = 500


def _column(text: str, *, abbreviations: bool = True) -> str:
    return " ".join(index_words(text) + dictionary().tags(text, abbreviations=abbreviations))


def entry_texts(instrument) -> dict[str, str]:
    """The columns of an instrument's entry. Takes any object with the instrument's fields,
    so that migrations can pass their historical models."""
    i, category = instrument, instrument.category
    return {
        "names": _column(f"{i.name_zh} {i.name_en}"),
        "details": _column(
            " ".join([i.model, i.manufacturer, category.name_zh, category.name_en, i.code, i.inner_id, i.subject])
        ),
        # Abbreviations are not looked for in running text, where "MS" may be milliseconds.
        "body": _column(f"{i.function}\n{i.technical}\n{i.service_content}", abbreviations=False),
    }


def search_entry_save(instrument: Instrument) -> None:
    SearchEntry.objects.update_or_create(instrument_id=instrument.pk, defaults=entry_texts(instrument))


def search_reindex(instruments: Iterable[Instrument] | None = None) -> int:
    """Rewrite the entries of these instruments (all by default), e.g. after the dictionary
    changed. Returns how many were written."""
    if instruments is None:
        instruments = Instrument.objects.select_related("category").order_by("pk").iterator(chunk_size=BATCH)
    written = 0
    batch: list[Instrument] = []
    for instrument in instruments:
        batch.append(instrument)
        if len(batch) == BATCH:
            written += _write(batch)
            batch = []
    return written + (_write(batch) if batch else 0)


def _write(batch: list[Instrument]) -> int:
    entries = [SearchEntry(instrument_id=i.pk, **entry_texts(i)) for i in batch]
    # Delete and insert in one transaction, so that a search never sees the entries missing.
    with transaction.atomic():
        SearchEntry.objects.filter(instrument_id__in=[i.pk for i in batch]).delete()
        SearchEntry.objects.bulk_create(entries)
    return len(entries)


def search_index_tidy() -> None:
    """After rewriting many entries, on PostgreSQL: clear the rows the rewrite left behind
    (it deletes and inserts every entry, so searches would read twice the pages) and
    refresh the planner's statistics, with VACUUM ANALYZE. Autovacuum does the same in its
    own time. Needs autocommit (not inside a transaction); does nothing on SQLite."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {SearchEntry._meta.db_table}")
