"""The GIN index of the catalog search on PostgreSQL takes each write at once
(fastupdate off): with PostgreSQL's default, writes wait in a pending list that every
search scans until a vacuum merges it, which made searches after an import several times
slower. Writes are rare next to searches; nothing changes on SQLite."""

from django.db import migrations


def _alter(fastupdate: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER INDEX instruments_searchentry_document SET (fastupdate = {fastupdate})")
            # Merge what is waiting now, rather than at the next vacuum.
            schema_editor.execute("SELECT gin_clean_pending_list('instruments_searchentry_document')")

    return run


class Migration(migrations.Migration):
    dependencies = [("instruments", "0006_model_names")]

    operations = [migrations.RunPython(_alter("off"), _alter("on"))]
