import io
import logging
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from config import processes
from config.demo.telemetry import credentials_file, outbox_dir
from config.supervisor import Stopped, Supervisor, open_log, stop_signals, terminal_foreground


class Command(BaseCommand):
    help = (
        "Migrate, seed the demo if the database is empty, and run every process of the system on the "
        "embedded defaults until Ctrl-C."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000, help="port of the web server on 127.0.0.1")

    def handle(self, *args, port: int, **options):
        log_path = settings.DATA_DIR / "demo.log"
        with terminal_foreground(), stop_signals(), open_log(log_path) as log:
            supervisor = Supervisor(log)
            try:
                accounts = self._prepare()
                self._start(supervisor, port)
                self.stdout.write(accounts, ending="")
                self.stdout.write(f"Logs of its processes: {log_path}")
                if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
                    self.stdout.write(f"E-mails it sends: {settings.EMAIL_FILE_PATH}")
                url = f"http://127.0.0.1:{port}/"
                self.stdout.write(self.style.SUCCESS(f"Instrument Commons is running on {url} (Ctrl-C stops it)."))
                name, status = supervisor.watch()
                self.stderr.write(f"{name} stopped with status {status}; see {log_path}. Stopping the demo.")
                supervisor.stop()
                sys.exit(1)
            except Stopped:
                supervisor.stop()
                self.stdout.write("Instrument Commons has stopped.")

    def _prepare(self) -> str:
        """The database migrated and seeded; the demo accounts."""
        self.stdout.write("Preparing the database (the first time takes a minute or two)…")
        out = io.StringIO()
        logging.disable(logging.INFO)  # what the services log while seeding is no news here
        try:
            call_command("migrate", interactive=False, verbosity=0)
            call_command("seed_demo", stdout=out)
        finally:
            logging.disable(logging.NOTSET)
        return out.getvalue()

    def _start(self, supervisor: Supervisor, web_port: int) -> None:
        broker_port = settings.EMBEDDED_BROKER_PORT
        credentials, outboxes = str(credentials_file()), str(outbox_dir())
        demo = processes.demo(credentials=credentials, outbox_dir=outboxes, broker_port=broker_port, web_port=web_port)
        for name, command in demo.items():
            supervisor.start(name, processes.local(command))
            if name == "broker" and not supervisor.wait_for_port(broker_port):
                self._give_up(supervisor, f"The embedded broker did not open port {broker_port}")
        if not supervisor.wait_for_port(web_port):
            self._give_up(supervisor, f"The web server did not open port {web_port} (is another program using it?)")

    def _give_up(self, supervisor: Supervisor, reason: str) -> None:
        supervisor.stop()
        self.stderr.write(f"{reason}; see {settings.DATA_DIR / 'demo.log'}.")
        sys.exit(1)
