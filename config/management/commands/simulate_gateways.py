import logging
import signal
import threading
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from config.demo.live import plans_refresh, scheduled_agents
from config.supervisor import STOP_SIGNALS

log = logging.getLogger("config.demo.live")
REFRESH_SECONDS = 60  # a booking approved in the demo is used within a minute


class Command(BaseCommand):
    help = (
        "Run the demo's simulated gateways: their instruments run during their approved bookings "
        "(and a little unbooked use), until stopped."
    )

    def add_arguments(self, parser):
        parser.add_argument("--credentials", type=Path, required=True, help="the demo's gateway credentials (JSON)")
        parser.add_argument("--broker", default="mqtt://127.0.0.1:1883")
        parser.add_argument("--outbox-dir", type=Path, required=True, help="the agents' outboxes (seq continues)")
        parser.add_argument("--heartbeat", type=float, default=60, help="seconds between repeats of a state")

    def handle(self, *args, credentials: Path, broker: str, outbox_dir: Path, heartbeat: float, **options):
        stopping = threading.Event()
        for sig in STOP_SIGNALS:
            signal.signal(sig, lambda *_: stopping.set())
        agents = scheduled_agents(credentials=credentials, broker=broker, outbox_dir=outbox_dir,
                                  heartbeat_seconds=heartbeat)  # fmt: skip
        plans_refresh(agents)  # before the first sample: no instrument starts on a guess
        for agent in agents:
            agent.start()
        log.info("%d simulated gateways following the approved bookings", len(agents))
        try:
            while not stopping.wait(REFRESH_SECONDS):
                try:
                    plans_refresh(agents)
                except Exception:  # the database away for a moment: keep the plans there are
                    log.exception("could not read the bookings")
                close_old_connections()
        finally:
            for agent in agents:
                agent.stop(timeout=2)
