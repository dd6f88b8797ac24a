"""Backups of the database and the uploaded files, and their restore.

A backup is two files in BACKUP_DIR with one timestamp: the database (`pg_dump
--format=custom` on PostgreSQL, a copy through SQLite's backup API otherwise) and a tar of
MEDIA_ROOT. Each is written under a `.partial` name and renamed when complete, and the
media tar is renamed last, so a backup whose tar exists is whole.
"""

import datetime as dt
import glob
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils import timezone

STAMP = "%Y%m%dT%H%M%SZ"
NAME = re.compile(r"^commons-(?P<stamp>\d{8}T\d{6}Z)(?P<kind>\.dump|\.sqlite3|-media\.tar)(\.partial)?$")
NOT_EMPTY = "The configured database has tables already; restore into a new, empty database."


class BackupError(RuntimeError):
    pass


@dataclass(frozen=True)
class Backup:
    database: Path
    media: Path


def backup_make(*, now: dt.datetime, alias: str = "default") -> Backup:
    """Back up the database, then the media (files a row names existed before it), and
    drop the backups beyond BACKUP_KEEP."""
    directory = Path(settings.BACKUP_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    stamp = now.astimezone(dt.UTC).strftime(STAMP)
    db = connections[alias].settings_dict
    backup = Backup(directory / f"commons-{stamp}{_extension(db)}", directory / f"commons-{stamp}-media.tar")
    if backup.database.exists() or backup.media.exists():
        raise BackupError(f"a backup named {backup.database.name} exists already")
    _write(backup.database, lambda path: _database_dump(db, path))
    _write(backup.media, lambda path: _media_tar(Path(settings.MEDIA_ROOT), path))
    backups_prune(keep=settings.BACKUP_KEEP)
    return backup


def backup_daily() -> int:
    """The jobs worker's daily backup; its lease lets one worker make it."""
    backup_make(now=timezone.now())
    return 1


def backup_restore(*, database: Path, replace: bool = False, alias: str = "default") -> Backup:
    """Restore a backup (named by its database file) into the configured database, which
    must have no tables unless `replace`, and MEDIA_ROOT."""
    db = connections[alias].settings_dict
    if not database.exists() and not database.is_absolute():
        database = Path(settings.BACKUP_DIR) / database
    match = NAME.match(database.name)
    if not database.is_file() or match is None or match["kind"] == "-media.tar":
        raise BackupError(f"{database} is not a database backup (commons-<time>.dump or .sqlite3)")
    if match["kind"] != _extension(db):
        raise BackupError(f"{database.name} is a backup of another kind of database than the one configured")
    backup = Backup(database, database.with_name(f"commons-{match['stamp']}-media.tar"))
    if not backup.media.is_file():
        raise BackupError(f"{backup.media.name} is missing next to {database.name}")
    if not replace and connections[alias].introspection.table_names():
        raise BackupError(NOT_EMPTY)
    connections[alias].close()
    _database_load(db, database)
    media = Path(settings.MEDIA_ROOT)
    media.mkdir(parents=True, exist_ok=True)
    with tarfile.open(backup.media) as tar:
        tar.extractall(media, filter="data")
    return backup


def backups_list() -> list[Backup]:
    """The whole backups in BACKUP_DIR, oldest first."""
    directory = Path(settings.BACKUP_DIR)
    whole = []
    for media in sorted(directory.glob("commons-*-media.tar")):
        stamp = NAME.match(media.name)["stamp"]
        for extension in (".dump", ".sqlite3"):
            if (database := directory / f"commons-{stamp}{extension}").is_file():
                whole.append(Backup(database, media))
    return whole


def backups_prune(*, keep: int) -> list[Path]:
    """Delete all but the newest `keep` whole backups, and what older runs left half done."""
    whole = backups_list()
    if len(whole) <= keep:
        return []
    oldest_kept = NAME.match(whole[-keep].media.name)["stamp"]
    deleted = []
    for path in sorted(Path(settings.BACKUP_DIR).iterdir()):
        match = NAME.match(path.name)
        if match and match["stamp"] < oldest_kept:
            path.unlink()
            deleted.append(path)
    return deleted


def _extension(db: dict) -> str:
    return ".sqlite3" if db["ENGINE"].endswith("sqlite3") else ".dump"


def _write(path: Path, write) -> None:
    partial = path.with_name(path.name + ".partial")
    try:
        write(partial)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.rename(path)


def _database_dump(db: dict, path: Path) -> None:
    if _extension(db) == ".sqlite3":
        _sqlite_copy(str(db["NAME"]), str(path))
    else:
        _postgres("pg_dump", db, ["--format=custom", f"--file={path}"])


def _database_load(db: dict, path: Path) -> None:
    if _extension(db) == ".sqlite3":
        _sqlite_copy(str(path), str(db["NAME"]))
    else:
        # One transaction: a restore that fails half-way leaves the database as it was.
        options = ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error"]
        _postgres("pg_restore", db, [*options, str(path)])


def _sqlite_copy(source: str, target: str) -> None:
    """SQLite's backup API copies a consistent snapshot while others write (WAL included)."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def _media_tar(media: Path, path: Path) -> None:
    with tarfile.open(path, "w") as tar:
        if media.is_dir():
            for child in sorted(media.iterdir()):
                tar.add(child, arcname=child.name)


def _postgres(program: str, db: dict, arguments: list[str]) -> None:
    env = {**os.environ, "PGDATABASE": db["NAME"], "PGUSER": db.get("USER") or "", "PGHOST": db.get("HOST") or "",
           "PGPORT": str(db.get("PORT") or ""), "PGPASSWORD": db.get("PASSWORD") or ""}  # fmt: skip
    if sslmode := db.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = sslmode
    env = {name: value for name, value in env.items() if value or not name.startswith("PG")}
    if program == "pg_restore":
        arguments = [f"--dbname={db['NAME']}", *arguments]
    result = subprocess.run([_binary(program), *arguments], env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{program} failed: {result.stderr.strip()}")


def _binary(program: str) -> str:
    """On the PATH, or the newest version Debian's postgresql packages installed."""
    installed = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{program}"), key=_version)
    found = shutil.which(program) or (installed[-1] if installed else None)
    if found is None:
        raise BackupError(f"{program} not found: install the PostgreSQL client programs (postgresql-client)")
    return found


def _version(path: str) -> list[int]:
    return [int(part) for part in Path(path).parts[-3].split(".") if part.isdigit()]
