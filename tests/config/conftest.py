import pytest

from tests.config.stack import Postgres
from tests.mqtt import Broker


@pytest.fixture(scope="session")
def stack_postgres(tmp_path_factory):
    """A private PostgreSQL for the stack and fault tests, migrated once; each test takes a
    fresh database of its own (Postgres.database)."""
    server = Postgres(tmp_path_factory.mktemp("stack-pg"))
    yield server
    server.stop()


@pytest.fixture
def mosquitto(tmp_path):
    """A private Mosquitto with the shipped settings, password and ACL files."""
    server = Broker(kind="mosquitto", directory=tmp_path / "broker")
    yield server
    server.stop()
