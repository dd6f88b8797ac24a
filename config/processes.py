"""The commands that run the system, defined once.

docker-compose.yml runs these in production, `make demo` runs them on the embedded
defaults, and tests start the web process with them; tests/config/test_compose.py
keeps docker-compose.yml in step with this file.
"""

import sys

PYTHON = "python"  # replaced by the running interpreter when started locally


def web(*, host: str = "127.0.0.1", port: int = 8000) -> list[str]:
    return [PYTHON, "-m", "daphne", "--proxy-headers", "-b", host, "-p", str(port), "config.asgi:application"]


def jobs() -> list[str]:
    return [PYTHON, "manage.py", "run_jobs"]


def local(command: list[str]) -> list[str]:
    """The command with this virtualenv's interpreter."""
    return [sys.executable if part == PYTHON else part for part in command]


def demo() -> dict[str, list[str]]:
    """Every process of the demo, by name."""
    return {"web": web(), "jobs": jobs()}
