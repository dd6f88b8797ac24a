"""Small helpers shared by tests."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Variables a test's subprocess must not inherit from the shell that runs the tests.
SCRUBBED = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "DATABASE_URL", "REDIS_URL", "MQTT_URL",
            "DJANGO_SETTINGS_MODULE", "DATA_DIR", "MEDIA_ROOT"}  # fmt: skip


def manage(*args: str, **environ: str) -> subprocess.CompletedProcess:
    """Run manage.py in a fresh process with exactly the given settings variables."""
    clean = {k: v for k, v in os.environ.items() if k not in SCRUBBED}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **environ}, capture_output=True, text=True
    )
