"""A backup restores into a new database and media directory as it was: on PostgreSQL
(pg_dump, pg_restore) and on SQLite."""

import datetime as dt
import sqlite3
import uuid
from pathlib import Path

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection

from booking.models import SampleOrder
from config.backups import NOT_EMPTY, backup_make, backups_list, backups_prune
from config.jobs import JOBS
from config.worker import jobs_run_due
from tests import factories as f
from tests.helpers import TEST_SETTINGS, database_url, manage

KEY_TABLES = [
    "accounts_organization",
    "accounts_user",
    "instruments_lab",
    "instruments_instrument",
    "booking_reservation",
    "booking_sampleorder",
]
T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


def table_rows(url: str, table: str) -> list[tuple]:
    """The table's rows read without Django, the same way from either database."""
    query = f"SELECT * FROM {table} ORDER BY id"
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            return db.execute(query).fetchall()
    with psycopg.connect(url) as db:
        return db.execute(query).fetchall()


@pytest.fixture
def new_database(tmp_path):
    """The URL of a new, empty database beside the test database."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"restored_{uuid.uuid4().hex[:8]}"
    server = database_url({**connection.settings_dict, "NAME": "postgres"})
    with psycopg.connect(server, autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"')
    yield database_url({**connection.settings_dict, "NAME": name})
    with psycopg.connect(server, autocommit=True) as db:
        db.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_backup_restores_into_a_new_database_as_it_was(settings, tmp_path, new_database):
    instruments = f.InstrumentFactory.create_batch(3)
    f.ReservationFactory.create_batch(2, instrument=instruments[0])
    order = f.SampleOrderFactory(instrument=instruments[1], status="completed")
    order.results.save("xrd.csv", ContentFile("2θ,counts\n10.0,1523\n".encode()))

    backup = backup_make(now=T0)

    assert backup.database.name == f"commons-20260302T080000Z{'.dump' if connection.vendor != 'sqlite' else '.sqlite3'}"
    media = tmp_path / "restored-media"
    environ = {**TEST_SETTINGS, "DATABASE_URL": new_database, "MEDIA_ROOT": str(media), "DATA_DIR": str(tmp_path)}
    restored = manage("restore", str(backup.database), **environ)
    assert restored.returncode == 0, restored.stderr
    original = database_url(connection.settings_dict)
    for table in KEY_TABLES:
        rows = table_rows(original, table)
        assert rows, table
        assert table_rows(new_database, table) == rows, table
    assert (media / SampleOrder.objects.get().results.name).read_bytes() == "2θ,counts\n10.0,1523\n".encode()
    assert manage("migrate", "--check", **environ).returncode == 0  # the schema is whole: nothing left to apply
    again = manage("restore", str(backup.database), **environ)
    assert again.returncode != 0
    assert NOT_EMPTY in again.stderr


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_daily_backup_is_made_once_among_workers(settings):
    daily = [job for job in JOBS if job.name == "back up the database and media"]
    assert jobs_run_due(jobs=daily, holder="first", clock=lambda: T0) == [daily[0].name]
    assert jobs_run_due(jobs=daily, holder="second", clock=lambda: T0 + dt.timedelta(hours=23)) == []
    assert len(backups_list()) == 1


@pytest.mark.django_db
def test_the_backup_command_names_its_files(settings, capsys):
    call_command("backup")
    (backup,) = backups_list()
    assert f"database: {backup.database}\nmedia: {backup.media}" in capsys.readouterr().out


def test_only_the_newest_whole_backups_are_kept(settings, tmp_path):
    settings.BACKUP_DIR = tmp_path
    names = [
        "commons-20260301T020000Z.dump", "commons-20260301T020000Z-media.tar",
        "commons-20260302T020000Z.dump.partial",  # a run that died half-way
        "commons-20260303T020000Z.dump", "commons-20260303T020000Z-media.tar",
        "commons-20260304T020000Z.dump", "commons-20260304T020000Z-media.tar",
        "commons-20260305T020000Z.dump",  # its media tar is being written
        "notes.txt",
    ]  # fmt: skip
    for name in names:
        (tmp_path / name).write_text("x")
    deleted = backups_prune(keep=2)
    assert sorted(path.name for path in deleted) == sorted(names[:3])
    assert [backup.database.name for backup in backups_list()] == [names[3], names[5]]
    assert sorted(path.name for path in Path(tmp_path).iterdir()) == sorted(names[3:])
