"""The shape of every onboarding command: a file argument, --skip-invalid, a progress bar
for long files, the report on stdout, and an error status when nothing was imported."""

from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from accounts.imports import ImportFileError, ImportReport

PROGRESS_FROM_ROWS = 200  # as import_instruments: a short file is done before a bar helps


class ImportCommand(BaseCommand):
    unit = "row"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--skip-invalid", action="store_true", help="import the valid lines even if others are bad")

    def handle(self, *args, file: Path, skip_invalid: bool, **options):
        data = read_file(file)
        try:
            rows = self.rows(data)
        except ImportFileError as error:
            raise CommandError(f"{file}: {error}") from None
        show_bar = len(rows) >= PROGRESS_FROM_ROWS
        with tqdm(total=len(rows), disable=not show_bar, unit=self.unit, file=self.stderr._out) as bar:
            report = self.run(rows=rows, skip_invalid=skip_invalid, progress=bar.update)
        for line in report.lines():
            self.stdout.write(line)
        if not report.applied:
            raise CommandError(f"{report.rejected} rejected; nothing was imported.")

    def rows(self, data: bytes) -> list:
        raise NotImplementedError

    def run(self, *, rows: list, skip_invalid: bool, progress: Callable[[int], None]) -> ImportReport:
        raise NotImplementedError


def read_file(file: Path) -> bytes:
    if not file.is_file():
        raise CommandError(f"{file}: no such file.")
    if file.stat().st_size > settings.IMPORT_MAX_BYTES:
        raise CommandError(f"{file}: larger than IMPORT_MAX_BYTES ({settings.IMPORT_MAX_BYTES} bytes).")
    return file.read_bytes()
