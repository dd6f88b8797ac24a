"""The harness itself: private servers on free ports, never the standard ones."""

import socket

import pytest
import redis
from django.db import connection

STANDARD_PORTS = {5432, 6379, 1883}


def test_redis_server_is_private_and_answers(redis_server):
    assert redis_server.port not in STANDARD_PORTS
    client = redis.Redis.from_url(redis_server.url)
    client.set("probe", "1")
    assert client.get("probe") == b"1"


def test_mosquitto_server_is_private_and_accepts_connections(mosquitto_server):
    assert mosquitto_server.port not in STANDARD_PORTS
    with socket.create_connection(("127.0.0.1", mosquitto_server.port), timeout=2):
        pass
    config = mosquitto_server.config_text()
    assert "max_queued_messages 0" in config  # the shipped queue limits, not Mosquitto's lossy default


@pytest.mark.django_db
def test_database_is_the_one_asked_for(pytestconfig):
    expected = {"sqlite": "sqlite", "postgres": "postgresql"}[pytestconfig.getoption("--db")]
    assert connection.vendor == expected
    if expected == "postgresql":
        assert connection.settings_dict["PORT"] not in (5432, "5432")
