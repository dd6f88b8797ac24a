import logging
import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from config.jobs import JOBS

log = logging.getLogger("jobs")


class Command(BaseCommand):
    help = "Run the periodic jobs (expiries, reminders, emails) until stopped; --once runs each once."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run every job once and exit")

    def handle(self, *args, once: bool, **options):
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        due = {job.name: 0.0 for job in JOBS}
        while not stopping:
            for job in JOBS:
                if time.monotonic() < due[job.name]:
                    continue
                try:
                    done = job.run()
                    if done:
                        log.info("%s: %s", job.name, done)
                except Exception:  # one failing job must not stop the others
                    log.exception("%s failed", job.name)
                due[job.name] = time.monotonic() + job.every
            if once:
                return
            # A worker lives for months: drop connections the database closed meanwhile.
            close_old_connections()
            time.sleep(1)
