"""What the demo sets for itself before Django reads its settings.

The demo runs as production does, with DEBUG off, but on plain http on this machine and
from a fresh clone with nothing set: it keeps a generated secret key in its DATA_DIR,
answers only on loopback, sends no secure-only cookies, redirects nothing to https,
serves static files from the apps' folders (collecting and compressing them takes
minutes), writes its e-mails to files instead of the screen, and logs lines of text. Variables already set win.
"""

import os
import secrets
from pathlib import Path

from config.env import env_str

BASE_DIR = Path(__file__).resolve().parents[2]
KEY_FILE = "secret_key"


def data_dir() -> Path:
    return Path(env_str("DATA_DIR", str(BASE_DIR / "var")))


def secret_key(directory: Path) -> str:
    """The demo's key, made once and kept (sessions survive a restart of the demo)."""
    path = directory / KEY_FILE
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        # Written whole under another name, readable by its owner only, then linked into
        # place: two demos starting at once keep the first key and never read half of one.
        draft = directory / f".{KEY_FILE}.{os.getpid()}"
        draft.touch(mode=0o600)
        draft.write_text(secrets.token_urlsafe(50))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


def demo_environment() -> dict[str, str]:
    directory = data_dir()
    return {
        "SECRET_KEY": secret_key(directory),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,[::1]",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "STATIC_COLLECTED": "0",
        "LOG_FORMAT": "text",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(directory / "mail"),
    }


def use_demo_environment() -> None:
    for name, value in demo_environment().items():
        if not os.environ.get(name, "").strip():
            os.environ[name] = value
