import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from config import processes
from config.demo.catalog import PASSWORD


class Command(BaseCommand):
    help = "Run every process of the system on the embedded defaults until Ctrl-C."

    def handle(self, *args, **options):
        running: dict[str, subprocess.Popen] = {}
        for name, command in processes.demo().items():
            running[name] = subprocess.Popen(processes.local(command))
            self.stdout.write(f"started {name}: {' '.join(command)}")
        self.stdout.write(
            self.style.SUCCESS(f"Instrument Commons is running on {settings.SITE_URL} (Ctrl-C stops it).")
        )
        self.stdout.write(f"Log in as one of the demo accounts above, e.g. nanowei / {PASSWORD}.")
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            while True:
                for name, process in running.items():
                    if process.poll() is not None:
                        self.stderr.write(f"{name} stopped with status {process.returncode}; stopping the demo.")
                        sys.exit(1)
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for process in running.values():
                if process.poll() is None:
                    process.terminate()
            for process in running.values():
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
