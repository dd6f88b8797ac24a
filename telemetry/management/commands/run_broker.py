from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from telemetry import broker_auth
from telemetry.broker.server import run
from telemetry.worker import SUBSCRIPTIONS

# The demo's ingest worker (config.processes.demo): its session exists from the start.
DEMO_INGEST_CLIENT = "ingest-demo"


class Command(BaseCommand):
    help = "Run the embedded MQTT broker (demo; loopback only) with the gateways' credentials."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=settings.EMBEDDED_BROKER_PORT)

    def handle(self, *args, port: int, **options):
        directory = Path(settings.BROKER_AUTH_DIR)
        broker_auth.write(directory)  # the files the broker reads, up to date before it starts
        self.stdout.write(f"embedded MQTT broker on 127.0.0.1:{port}")
        run(
            host="127.0.0.1",
            port=port,
            password_file=directory / "passwords",
            acl_file=directory / "acl",
            pid_file=Path(settings.BROKER_PID_FILE),
            state_file=directory / "state.json",
            keep=(DEMO_INGEST_CLIENT, broker_auth.ingest_credentials()[0], SUBSCRIPTIONS),
        )
