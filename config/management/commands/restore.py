from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from config.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into the configured database, which must be empty "
        "(a new database, not migrated), and into MEDIA_ROOT. FILE is the backup's database file, "
        "commons-<time>.dump or .sqlite3, as a path or a name in BACKUP_DIR; its -media.tar must lie beside it."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="the backup's database file")
        parser.add_argument(
            "--replace", action="store_true", help="restore even though the database has tables (they are replaced)"
        )

    def handle(self, *args, file: Path, replace: bool, **options):
        try:
            backup = backup_restore(database=file, replace=replace)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"restored {backup.database.name} and {backup.media.name}")
