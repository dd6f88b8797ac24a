from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from accounts.models import Organization
from instruments.import_files import ImportFileError, read_table
from instruments.imports import import_instruments
from instruments.models import Lab

PROGRESS_FROM_ROWS = 200


class Command(BaseCommand):
    help = "Import instruments from a CSV or XLSX file with NRII column names (cname, innerId, worth in 万元, …)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--institution", required=True, help="code of the owning institution")
        parser.add_argument("--lab", help="code of the lab for rows without a labCode column")
        parser.add_argument("--skip-invalid", action="store_true", help="import the valid rows even if others are bad")

    def handle(self, *args, file: Path, institution: str, lab: str | None, skip_invalid: bool, **options):
        try:
            owner = Organization.objects.get(code=institution)
        except Organization.DoesNotExist:
            raise CommandError(f"No institution with code {institution!r}.") from None
        target = None
        if lab:
            try:
                target = owner.labs.get(code=lab)
            except Lab.DoesNotExist:
                raise CommandError(f"No lab {lab!r} at {owner.code}.") from None
        if not file.is_file():
            raise CommandError(f"{file}: no such file.")
        if file.stat().st_size > settings.IMPORT_MAX_BYTES:
            raise CommandError(f"{file}: larger than IMPORT_MAX_BYTES ({settings.IMPORT_MAX_BYTES} bytes).")
        try:
            table = read_table(file.read_bytes(), file.name)
        except ImportFileError as error:
            raise CommandError(f"{file}: {error}") from None

        show_bar = len(table.rows) >= PROGRESS_FROM_ROWS
        with tqdm(total=len(table.rows), disable=not show_bar, unit="row", file=self.stderr._out) as bar:
            report = import_instruments(
                institution=owner, table=table, lab=target, skip_invalid=skip_invalid, progress=bar.update
            )
        for line in report.lines(skip_invalid=skip_invalid):
            self.stdout.write(line)
        if report.problems and not report.applied:
            raise CommandError(f"{report.invalid_rows} rows have problems; nothing was imported.")
