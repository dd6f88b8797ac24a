from pathlib import Path

from django.core.management.base import BaseCommand

from telemetry import broker_auth


class Command(BaseCommand):
    help = "Write the MQTT broker's password and ACL files from the gateways and signal the broker to reload them."

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, help="where to write passwords and acl (default BROKER_AUTH_DIR)")
        parser.add_argument("--pid-file", type=Path, help="the broker's pid file, to send it SIGHUP")

    def handle(self, *args, dir: Path | None, pid_file: Path | None, **options):
        changed = broker_auth.write(dir, pid_file)
        self.stdout.write("written; broker told to reload" if changed else "unchanged")
