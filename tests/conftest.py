import pytest
from django.utils import translation
from rest_framework.test import APIClient

from tests.servers import MosquittoServer, RedisServer


@pytest.fixture(autouse=True)
def _isolated_files(settings, tmp_path):
    """Uploads and backups go to a per-test directory; passwords hash fast."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.BROKER_AUTH_DIR = str(tmp_path / "broker")
    settings.BROKER_PID_FILE = ""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Code called directly speaks English in tests; requests still pick their own
    language (tests/config/test_i18n.py checks both)."""
    with translation.override("en"):
        yield


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture(scope="session")
def redis_server():
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def mosquitto_server():
    server = MosquittoServer().start()
    yield server
    server.stop()


@pytest.fixture(params=["mosquitto", "embedded"])
def broker(request, tmp_path):
    """A private MQTT broker with the project's password and ACL files: Mosquitto, and
    the embedded broker of the demo, so that both are held to the same behaviour."""
    from tests.mqtt import Broker

    server = Broker(kind=request.param, directory=tmp_path / "broker-auth")
    yield server
    server.stop()


@pytest.fixture(scope="session", autouse=True)
def _close_stray_connections(django_db_setup, django_db_blocker):
    """Threads of ASGI tests (sync_to_async pools, workers) may still hold connections to
    the test database when the session ends; end them so that it can be dropped."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
