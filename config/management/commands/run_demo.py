import signal
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from config import processes
from config.demo.catalog import PASSWORD
from config.demo.telemetry import credentials_file, outbox_dir


def _wait_for_port(port: int, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


class Command(BaseCommand):
    help = "Run every process of the system on the embedded defaults until Ctrl-C."

    def handle(self, *args, **options):
        port = settings.EMBEDDED_BROKER_PORT
        running: dict[str, subprocess.Popen] = {}
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            demo = processes.demo(credentials=str(credentials_file()), outbox_dir=str(outbox_dir()), broker_port=port)
            for name, command in demo.items():
                running[name] = subprocess.Popen(processes.local(command))
                self.stdout.write(f"started {name}: {' '.join(command)}")
                if name == "broker" and not _wait_for_port(port):
                    self.stderr.write(f"the embedded broker did not open port {port}")
                    return
            url = settings.SITE_URL
            self.stdout.write(self.style.SUCCESS(f"Instrument Commons is running on {url} (Ctrl-C stops it)."))
            self.stdout.write(f"Log in as one of the demo accounts above, e.g. nanowei / {PASSWORD}.")
            while True:
                for name, process in running.items():
                    if process.poll() is not None:
                        self.stderr.write(f"{name} stopped with status {process.returncode}; stopping the demo.")
                        sys.exit(1)
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            # The broker last: the others say goodbye to it first.
            for name in reversed(list(running)):
                if running[name].poll() is None:
                    running[name].terminate()
                    try:
                        running[name].wait(10)
                    except subprocess.TimeoutExpired:
                        running[name].kill()
