"""On PostgreSQL, the database itself forbids two holding reservations of one
instrument to overlap: an exclusion constraint over (instrument, [start, blocked_until)).

SQLite has no such constraint; there the booking service checks inside an IMMEDIATE
transaction, which serializes writers (see booking.services.reservation_create).
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

CONSTRAINT = """
ALTER TABLE booking_reservation ADD CONSTRAINT reservation_no_overlap
EXCLUDE USING gist (instrument_id WITH =, tstzrange(start, blocked_until, '[)') WITH &&)
WHERE (status IN ('pending', 'approved'))
"""


def add(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CONSTRAINT)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE booking_reservation DROP CONSTRAINT reservation_no_overlap")


class Migration(migrations.Migration):
    dependencies = [("booking", "0001_initial")]
    operations = [BtreeGistExtension(), migrations.RunPython(add, remove)]
