import logging
import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from config import metrics
from config.jobs import JOBS
from config.leases import holder_name
from config.worker import jobs_run_due

log = logging.getLogger("jobs")


class Command(BaseCommand):
    help = (
        "Run the periodic jobs (expiries, reminders, emails, backups) until stopped; --once runs the due ones once. "
        "Several workers may run: each job runs at most once per period among them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run every due job once and exit")

    def handle(self, *args, once: bool, **options):
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        holder = holder_name()
        if not once:
            metrics.serve_worker_metrics()
        log.info("jobs worker %s started", holder)
        while not stopping:
            try:
                jobs_run_due(jobs=JOBS, holder=holder)
            except Exception:  # the database away for a moment must not end the worker
                if once:
                    raise
                log.exception("the jobs worker could not reach its leases")
            if once:
                return
            # A worker lives for months: drop connections the database closed meanwhile.
            close_old_connections()
            time.sleep(1)
