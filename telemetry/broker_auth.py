"""Keeping the broker's password and ACL files in step with the gateways.

`write()` renders both files from the database and, when they changed, tells the
broker to reload them (SIGHUP to the pid in BROKER_PID_FILE). The jobs worker runs it
every few seconds, and credential changes run it at once.
"""

import logging
import os
import signal
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings

from telemetry.credentials import acl_text, broker_hash, password_lines, write_atomically
from telemetry.models import Gateway

log = logging.getLogger(__name__)


def ingest_credentials() -> tuple[str, str]:
    """The ingest worker's MQTT user name and password, from MQTT_URL (or the demo's)."""
    parts = urlsplit(settings.MQTT_URL or "mqtt://")
    return unquote(parts.username or settings.MQTT_INGEST_USER), unquote(
        parts.password or settings.MQTT_INGEST_PASSWORD
    )


def reserved_users() -> set[str]:
    return {ingest_credentials()[0]}


def render() -> tuple[str, str]:
    user, password = ingest_credentials()
    users = {g.code: g.broker_hash for g in Gateway.objects.filter(revoked_at__isnull=True)}
    # A stable salt for the ingest user, so that the file only changes when something did.
    users[user] = broker_hash(password, salt=settings.SECRET_KEY.encode()[:12].ljust(12, b"."))
    return password_lines(users), acl_text(user)


def write(directory: Path | None = None, pid_file: Path | None = None) -> bool:
    """Write the files; True (and a reload signal) when they changed."""
    directory = directory or (Path(settings.BROKER_AUTH_DIR) if settings.BROKER_AUTH_DIR else None)
    if directory is None:
        return False
    passwords, acl = render()
    changed = write_atomically(directory / "passwords", passwords)
    changed = write_atomically(directory / "acl", acl) or changed
    if changed:
        _reload(pid_file or (Path(settings.BROKER_PID_FILE) if settings.BROKER_PID_FILE else None))
    return changed


def _reload(pid_file: Path | None) -> None:
    if pid_file is None or not pid_file.exists():
        return
    try:
        os.kill(int(pid_file.read_text().strip()), signal.SIGHUP)
    except (ValueError, ProcessLookupError, PermissionError) as error:
        log.warning("could not signal the broker (%s): %s", pid_file, error)


def changed() -> None:
    try:
        write()
    except OSError:
        log.exception("writing the broker's password and ACL files failed; the jobs worker will retry")
