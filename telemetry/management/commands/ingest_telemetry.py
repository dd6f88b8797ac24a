import os
import socket

from django.conf import settings
from django.core.management.base import BaseCommand

from config import metrics
from telemetry.broker_auth import ingest_credentials
from telemetry.worker import run_forever


class Command(BaseCommand):
    help = "Take telemetry from the MQTT broker into the database (acknowledging after each commit)."

    def add_arguments(self, parser):
        default_id = os.environ.get("INGEST_CLIENT_ID") or f"ingest-{socket.gethostname()}"
        parser.add_argument("--client-id", default=default_id, help="stable per worker, so that its session survives")
        parser.add_argument("--batch-size", type=int, default=200, help="messages per transaction, at most")

    def handle(self, *args, client_id: str, batch_size: int, **options):
        url = settings.MQTT_URL or f"mqtt://127.0.0.1:{settings.EMBEDDED_BROKER_PORT}"
        user, password = ingest_credentials()
        self.stdout.write(f"ingest worker {client_id} on {url.split('@')[-1]}")
        metrics.serve_worker_metrics()
        run_forever(url=url, client_id=client_id, username=user, password=password,
                    ca_file=settings.MQTT_CA_FILE or None, batch_size=batch_size)  # fmt: skip
