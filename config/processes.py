"""The commands that run the system, defined once.

docker-compose.yml runs these in production, `make demo` runs them on the embedded
defaults, and tests start them; tests/config/test_compose.py keeps docker-compose.yml
in step with this file.
"""

import sys

PYTHON = "python"  # replaced by the running interpreter when started locally


def web(*, host: str = "127.0.0.1", port: int = 8000) -> list[str]:
    return [PYTHON, "-m", "daphne", "--proxy-headers", "-b", host, "-p", str(port), "config.asgi:application"]


def jobs() -> list[str]:
    return [PYTHON, "manage.py", "run_jobs"]


def ingest(*, client_id: str = "ingest-1") -> list[str]:
    return [PYTHON, "manage.py", "ingest_telemetry", "--client-id", client_id]


def broker() -> list[str]:
    """The embedded broker (the demo; production runs Mosquitto)."""
    return [PYTHON, "manage.py", "run_broker"]


def simulated_gateways(*, credentials: str, broker_url: str, outbox_dir: str) -> list[str]:
    """The demo's gateways, running their instruments during the approved bookings."""
    return [PYTHON, "manage.py", "simulate_gateways", "--credentials", credentials, "--broker", broker_url,
            "--outbox-dir", outbox_dir, "--heartbeat", "30"]  # fmt: skip


def local(command: list[str]) -> list[str]:
    """The command with this virtualenv's interpreter."""
    return [sys.executable if part == PYTHON else part for part in command]


def demo(*, credentials: str, outbox_dir: str, broker_port: int, web_port: int = 8000) -> dict[str, list[str]]:
    """Every process of the demo, by name, in the order they start."""
    broker_url = f"mqtt://127.0.0.1:{broker_port}"
    return {
        "broker": broker(),
        "ingest": ingest(client_id="ingest-demo"),  # run_broker keeps this session from the start
        "gateways": simulated_gateways(credentials=credentials, broker_url=broker_url, outbox_dir=outbox_dir),
        "web": web(port=web_port),
        "jobs": jobs(),
    }
