"""The catalog search (docs/search.md): a search entry per instrument and the full-text
index over the entries, an FTS5 table kept by triggers on SQLite, a generated tsvector
column with a GIN index (read through a view of the FTS5 table's shape) on PostgreSQL."""

import django.db.models.deletion
from django.db import migrations, models

import instruments.search.fields

COLUMNS = "names, details, body"
SQLITE = [
    f"CREATE VIRTUAL TABLE instruments_search USING fts5({COLUMNS}, content='instruments_searchentry', "
    "content_rowid='instrument_id', tokenize='ascii')",
    "CREATE TRIGGER instruments_searchentry_ai AFTER INSERT ON instruments_searchentry BEGIN "
    f"INSERT INTO instruments_search(rowid, {COLUMNS}) VALUES (new.instrument_id, new.names, new.details, new.body); "
    "END",
    "CREATE TRIGGER instruments_searchentry_ad AFTER DELETE ON instruments_searchentry BEGIN "
    f"INSERT INTO instruments_search(instruments_search, rowid, {COLUMNS}) "
    "VALUES ('delete', old.instrument_id, old.names, old.details, old.body); "
    "END",
    "CREATE TRIGGER instruments_searchentry_au AFTER UPDATE ON instruments_searchentry BEGIN "
    f"INSERT INTO instruments_search(instruments_search, rowid, {COLUMNS}) "
    "VALUES ('delete', old.instrument_id, old.names, old.details, old.body); "
    f"INSERT INTO instruments_search(rowid, {COLUMNS}) VALUES (new.instrument_id, new.names, new.details, new.body); "
    "END",
]
SQLITE_REVERSE = [
    "DROP TRIGGER instruments_searchentry_ai",
    "DROP TRIGGER instruments_searchentry_ad",
    "DROP TRIGGER instruments_searchentry_au",
    "DROP TABLE instruments_search",
]


def _vector(column: str, weight: str) -> str:
    # The words are made in Python (instruments/search/text.py) and come as plain runs of
    # letters, digits or Chinese characters, which the 'simple' configuration keeps as they are.
    return f"setweight(to_tsvector('simple'::regconfig, {column}), '{weight}')"


POSTGRES = [
    "ALTER TABLE instruments_searchentry ADD COLUMN document tsvector GENERATED ALWAYS AS "
    f"({_vector('names', 'A')} || {_vector('details', 'B')} || {_vector('body', 'C')}) STORED",
    "CREATE INDEX instruments_searchentry_document ON instruments_searchentry USING gin (document)",
    "CREATE VIEW instruments_search AS SELECT instrument_id AS rowid, document AS instruments_search "
    "FROM instruments_searchentry",
]
POSTGRES_REVERSE = [
    "DROP VIEW instruments_search",
    "DROP INDEX instruments_searchentry_document",
    "ALTER TABLE instruments_searchentry DROP COLUMN document",
]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        for statement in statements[schema_editor.connection.vendor]:
            schema_editor.execute(statement)

    return run


def index_instruments(apps, schema_editor):
    from instruments.search.index import entry_texts

    Instrument = apps.get_model("instruments", "Instrument")
    SearchEntry = apps.get_model("instruments", "SearchEntry")
    entries = [
        SearchEntry(instrument_id=i.pk, **entry_texts(i))
        for i in Instrument.objects.select_related("category").iterator(chunk_size=500)
    ]
    SearchEntry.objects.bulk_create(entries, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("instruments", "0004_categories_full")]

    operations = [
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                (
                    "instrument",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search_entry",
                        serialize=False,
                        to="instruments.instrument",
                    ),
                ),
                ("names", models.TextField(blank=True)),
                ("details", models.TextField(blank=True)),
                ("body", models.TextField(blank=True)),
            ],
        ),
        migrations.CreateModel(
            name="SearchIndex",
            fields=[
                (
                    "instrument",
                    models.OneToOneField(
                        db_column="rowid",
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="search_index",
                        serialize=False,
                        to="instruments.instrument",
                    ),
                ),
                ("document", instruments.search.fields.SearchDocumentField(db_column="instruments_search")),
            ],
            options={"db_table": "instruments_search", "managed": False},
        ),
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        ),
        migrations.RunPython(index_instruments, migrations.RunPython.noop),
    ]
