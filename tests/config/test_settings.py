"""Settings read the environment and fail loudly on bad values."""

from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import env
from tests.helpers import TEST_SETTINGS, manage

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k3y-" + "x7Qp9-vL2m" * 6,
    "ALLOWED_HOSTS": "commons.example.cn",
    "CSRF_TRUSTED_ORIGINS": "https://commons.example.cn",
    "DATABASE_URL": "postgres://commons:secret@db:5432/commons",
    "REDIS_URL": "redis://redis:6379/0",
    "MQTT_URL": "mqtt://mosquitto:1883",
}


@pytest.mark.parametrize(
    ("helper", "value", "default", "expected"),
    [
        (env.env_bool, "yes", False, True),
        (env.env_bool, "OFF", True, False),
        (env.env_bool, "", True, True),
        (env.env_int, "42", 0, 42),
        (env.env_list, "a.cn, b.cn,", [], ["a.cn", "b.cn"]),
        (env.env_decimal, "300000", "500000", Decimal("300000")),
    ],
)
def test_helpers_read_good_values(monkeypatch, helper, value, default, expected):
    monkeypatch.setenv("X_SETTING", value)
    assert helper("X_SETTING", default) == expected


@pytest.mark.parametrize(
    ("read", "value"),
    [
        (lambda: env.env_bool("X_SETTING", False), "maybe"),
        (lambda: env.env_int("X_SETTING", 0), "ten"),
        (lambda: env.env_int("X_SETTING", 5, minimum=1), "0"),
        (lambda: env.env_decimal("X_SETTING", "1"), "lots"),
        (lambda: env.env_decimal("X_SETTING", "1"), "-5"),
        (lambda: env.env_url("X_SETTING", "", schemes={"postgres"}), "localhost:5432"),
        (lambda: env.env_url("X_SETTING", "", schemes={"postgres"}), "mysql://db/x"),
    ],
)
def test_helpers_name_the_variable_on_a_bad_value(monkeypatch, read, value):
    monkeypatch.setenv("X_SETTING", value)
    with pytest.raises(ImproperlyConfigured, match="X_SETTING"):
        read()


def test_a_bad_variable_stops_the_program_with_its_name():
    result = manage("check", DEBUG="sometimes")
    assert result.returncode != 0
    assert "DEBUG='sometimes' is not a boolean" in result.stderr


def test_production_refuses_the_development_secret_key():
    result = manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_debug_is_off_unless_asked_for():
    result = manage("check")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
    shown = manage("shell", "-c", "from django.conf import settings; print(settings.DEBUG)", **TEST_SETTINGS)
    assert shown.stdout.split()[-1:] == ["False"], shown.stderr


def test_tests_run_with_debug_off_on_plain_http():
    from django.conf import settings

    assert not settings.DEBUG
    assert not settings.SECURE_SSL_REDIRECT and not settings.SESSION_COOKIE_SECURE


def test_deploy_check_passes_with_the_production_variables():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr + result.stdout


def test_defaults_are_the_embedded_ones():
    from django.conf import settings

    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "channels.layers.InMemoryChannelLayer"
    assert settings.MQTT_URL == ""
    assert Decimal("500000") == settings.OPENNESS_THRESHOLD_CNY


def test_sqlite_runs_in_wal_mode_with_immediate_transactions(tmp_path):
    result = manage(
        "shell", "-c",
        "from django.db import connection; c = connection.cursor(); c.execute('PRAGMA journal_mode');"
        "print(c.fetchone()[0], connection.settings_dict['OPTIONS']['transaction_mode'])",
        DATA_DIR=str(tmp_path), **TEST_SETTINGS,
    )  # fmt: skip
    assert result.stdout.split()[-2:] == ["wal", "IMMEDIATE"], result.stderr
