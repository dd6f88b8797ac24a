"""Gateway secrets and the broker's password and ACL files.

A secret is shown once when made. We keep two hashes of it: Django's, and Mosquitto's
PBKDF2-SHA512 format ("$7$", as mosquitto_passwd writes it), from which the password
file for Mosquitto and for the embedded broker is written.
"""

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from gateway import protocol

MOSQUITTO_ITERATIONS = 101  # mosquitto_passwd's default


def new_secret() -> str:
    return secrets.token_urlsafe(24)


def broker_hash(secret: str, *, salt: bytes | None = None, iterations: int = MOSQUITTO_ITERATIONS) -> str:
    salt = salt or os.urandom(12)
    digest = hashlib.pbkdf2_hmac("sha512", secret.encode(), salt, iterations)
    return f"$7${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def broker_hash_matches(secret: str, stored: str) -> bool:
    try:
        _, kind, iterations, salt, digest = stored.split("$")
        if kind != "7":
            return False
        expected = hashlib.pbkdf2_hmac("sha512", secret.encode(), base64.b64decode(salt), int(iterations))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(expected, base64.b64decode(digest))


def password_lines(users: dict[str, str]) -> str:
    """A Mosquitto password file from user name → "$7$…" hash."""
    return "".join(f"{user}:{hashed}\n" for user, hashed in sorted(users.items()))


def acl_text(ingest_user: str) -> str:
    """Gateways publish only under their own topics (%u is the user name, which is the
    gateway id) and read only their own acknowledgements; the ingest worker reads all
    their topics and writes the acknowledgements."""
    prefix = protocol.TOPIC_PREFIX
    return (
        "# Written by manage.py write_broker_auth; changes here are overwritten.\n"
        f"user {ingest_user}\n"
        f"topic read {protocol.EVENTS_SUBSCRIPTION}\n"
        f"topic read {protocol.STATUS_SUBSCRIPTION}\n"
        f"topic write {protocol.ACK_SUBSCRIPTION}\n"
        "\n"
        f"pattern write {prefix}%u/events\n"
        f"pattern write {prefix}%u/status\n"
        f"pattern read {prefix}%u/ack\n"
    )


def write_atomically(path: Path, text: str) -> bool:
    """Replace the file's content; False when it was already the same."""
    if path.exists() and path.read_text() == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(text)
    os.chmod(temporary, 0o640)
    os.replace(temporary, path)  # a broker reloading now sees the old file or the new, never half
    return True
