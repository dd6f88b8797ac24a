import pytest
from django.utils import translation
from rest_framework.test import APIClient

from tests.servers import MosquittoServer, RedisServer


@pytest.fixture(autouse=True)
def _isolated_files(settings, tmp_path):
    """Uploads go to a per-test directory; passwords hash fast."""
    settings.MEDIA_ROOT = tmp_path / "media"
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
