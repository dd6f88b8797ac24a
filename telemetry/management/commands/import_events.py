from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from telemetry.imports import events_import, file_lines

PROGRESS_FROM_BYTES = 1024 * 1024


class Command(BaseCommand):
    help = (
        "Import recorded telemetry: a JSON Lines file with one MQTT v1 events payload per line "
        '({"v":1,"gateway":…,"events":[…]}), of registered gateways, through the live ingest checks.'
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--skip-invalid", action="store_true", help="import the valid events even if others are bad"
        )

    def handle(self, *args, file: Path, skip_invalid: bool, **options):
        # No IMPORT_MAX_BYTES here: years of events are large, and the file is read a
        # line (one message, at most 256 KiB) at a time.
        if not file.is_file():
            raise CommandError(f"{file}: no such file.")
        size = file.stat().st_size
        with tqdm(total=size, disable=size < PROGRESS_FROM_BYTES, unit="B", unit_scale=True,
                  file=self.stderr._out) as bar:  # fmt: skip
            report = events_import(lines=file_lines(file), skip_invalid=skip_invalid, progress=bar.update)
        for line in report.lines():
            self.stdout.write(line)
        if not report.applied:
            raise CommandError(f"{report.rejected} rejected; nothing was imported.")
