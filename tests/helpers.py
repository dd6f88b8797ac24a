"""Small helpers shared by tests."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What the tests and the servers they start set beyond the defaults: DEBUG stays off, as in
# production, but they serve plain http on this machine, with static files uncollected.
TEST_SETTINGS = {
    "SECRET_KEY": "tests-only-" + "q8Vd3kLw" * 6,
    "SECURE_SSL_REDIRECT": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
    "SECURE_HSTS_SECONDS": "0",
    "STATIC_COLLECTED": "0",
    "LOG_FORMAT": "text",  # lines for people; production logs JSON (tests/config/test_json_logs.py)
    # Tests that are not about throttling are never throttled (tests/accounts/test_throttling.py).
    "THROTTLE_LOGIN": "100000/min",
    "THROTTLE_TOKEN": "100000/min",
    "THROTTLE_SIGNUP": "100000/min",
    "THROTTLE_PASSWORD_RESET": "100000/min",
    "THROTTLE_BOOKING": "100000/min",
}
# Variables a test's subprocess must not inherit from the shell that runs the tests, nor
# from the tests' own settings.
SCRUBBED = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "DATABASE_URL", "REDIS_URL", "MQTT_URL",
            "DJANGO_SETTINGS_MODULE", "DATA_DIR", "MEDIA_ROOT", *TEST_SETTINGS}  # fmt: skip


def manage(*args: str, **environ: str) -> subprocess.CompletedProcess:
    """Run manage.py in a fresh process with exactly the given settings variables."""
    clean = {k: v for k, v in os.environ.items() if k not in SCRUBBED}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **environ}, capture_output=True, text=True
    )


def database_url(settings_dict: dict) -> str:
    """A DATABASE_URL for the database Django is connected to (the test database in tests)."""
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(settings_dict['NAME']).resolve()}"
    user, host, port, name = (settings_dict[k] for k in ("USER", "HOST", "PORT", "NAME"))
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{host}:{port}/{name}"


class WebServers:
    """Real daphne processes serving config.asgi on free ports, started with the
    production command (config.processes.web) against the given database."""

    def __init__(self, count: int, database: str, *, command=None, **environ: str):
        from config import processes
        from tests.servers import free_port

        self.ports = [free_port() for _ in range(count)]
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in __exit__; what the servers print
        clean = {k: v for k, v in os.environ.items() if k not in SCRUBBED}
        env = {**clean, **TEST_SETTINGS, "DATABASE_URL": database, "LOG_LEVEL": "WARNING", **environ}
        self.processes = [
            subprocess.Popen(
                processes.local((command or (lambda port: processes.web(port=port)))(port)),
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=self.log,
            )
            for port in self.ports
        ]

    def __enter__(self) -> "WebServers":
        from tests.servers import wait_for_port

        for port, process in zip(self.ports, self.processes, strict=True):
            wait_for_port(port, timeout=60, process=process)
        return self

    def __exit__(self, *exc) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        self.log.close()

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.ports]
