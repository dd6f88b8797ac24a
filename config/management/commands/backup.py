from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from config.backups import BackupError, backup_make


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump on PostgreSQL, SQLite's backup API otherwise) and MEDIA_ROOT "
        "into BACKUP_DIR, keeping the newest BACKUP_KEEP backups."
    )

    def handle(self, *args, **options):
        try:
            backup = backup_make(now=timezone.now())
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"database: {backup.database}\nmedia: {backup.media}")
