"""Production logs one JSON object a line; each request's lines carry its id."""

import io
import json
import logging

import pytest

from config.logs import JsonFormatter
from tests.helpers import TEST_SETTINGS, manage

LOG_A_LINE = "import logging; logging.getLogger('booking.jobs').warning('reminded %s users', 3)"


@pytest.fixture
def json_lines():
    """What the django.request logger writes through the JSON formatter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)


def last_json_line(text: str) -> dict:
    return json.loads(text.strip().splitlines()[-1])


def test_production_logs_json_by_default(tmp_path):
    production = {k: v for k, v in TEST_SETTINGS.items() if k != "LOG_FORMAT"}
    result = manage("shell", "-c", LOG_A_LINE, **production, DATA_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    line = last_json_line(result.stderr)
    assert line["level"] == "WARNING"
    assert line["logger"] == "booking.jobs"
    assert line["message"] == "reminded 3 users"
    assert line["ts"].endswith("+00:00")


def test_text_logs_when_asked(tmp_path):
    result = manage("shell", "-c", LOG_A_LINE, **{**TEST_SETTINGS, "LOG_FORMAT": "text"}, DATA_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().endswith("WARNING booking.jobs: reminded 3 users")


def test_an_unknown_log_format_stops_the_start(tmp_path):
    result = manage("check", **{**TEST_SETTINGS, "LOG_FORMAT": "xml"}, DATA_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "LOG_FORMAT='xml'" in result.stderr


def test_an_exception_comes_with_its_traceback_in_the_line():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tests.json_logs")
    logger.addHandler(handler)
    try:
        raise ValueError("bad reading")
    except ValueError:
        logger.exception("storing failed")
    finally:
        logger.removeHandler(handler)
    (line,) = stream.getvalue().splitlines()
    record = json.loads(line)
    assert record["message"] == "storing failed" and record["level"] == "ERROR"
    assert "ValueError: bad reading" in record["exc"]


@pytest.mark.django_db
def test_a_requests_log_lines_carry_its_id(client, json_lines):
    response = client.get("/no/such/page/", HTTP_X_REQUEST_ID="proxy-id-0001")
    assert response.status_code == 404
    assert response["X-Request-ID"] == "proxy-id-0001"
    (line,) = json_lines()
    assert line["request_id"] == "proxy-id-0001"
    assert line["logger"] == "django.request" and line["level"] == "WARNING"


@pytest.mark.django_db
def test_a_request_without_a_usable_id_gets_one(client, json_lines):
    response = client.get("/no/such/page/", HTTP_X_REQUEST_ID="<script>")
    made = response["X-Request-ID"]
    assert len(made) == 32 and made != "<script>"
    assert json_lines()[0]["request_id"] == made
