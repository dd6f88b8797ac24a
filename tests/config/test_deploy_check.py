"""Production settings pass Django's deployment check, and the transport protections they
turn on hold: cookies only over TLS, HSTS sent only on responses that came over TLS."""

import ast
import os
import subprocess
import sys

import pytest

from tests.helpers import ROOT

HSTS = "max-age=31536000; includeSubDomains; preload"


def example_environment() -> dict[str, str]:
    """What a production deployment sets: the variables of docs/production.env.example."""
    lines = (ROOT / "docs" / "production.env.example").read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))


def production(tmp_path, *args: str) -> subprocess.CompletedProcess:
    """manage.py in a process whose environment holds the production variables only."""
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "DATA_DIR": str(tmp_path), **example_environment()}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)


def test_the_deploy_check_finds_nothing_with_the_example_production_variables(tmp_path):
    result = production(tmp_path, "check", "--deploy", "--fail-level", "DEBUG")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stderr + result.stdout


def test_production_turns_the_transport_protections_on(tmp_path):
    names = (
        "DEBUG", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
        "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SECURE_PROXY_SSL_HEADER",
        "SECURE_CONTENT_TYPE_NOSNIFF", "X_FRAME_OPTIONS",
    )  # fmt: skip
    script = f"from django.conf import settings; print(repr([getattr(settings, n) for n in {names!r}]))"
    result = production(tmp_path, "shell", "-c", script)
    assert result.returncode == 0, result.stderr
    values = dict(zip(names, ast.literal_eval(result.stdout.strip().splitlines()[-1]), strict=True))
    assert values == {
        "DEBUG": False, "SECURE_SSL_REDIRECT": True, "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True, "SECURE_HSTS_SECONDS": 31_536_000, "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True, "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
        "SECURE_CONTENT_TYPE_NOSNIFF": True, "X_FRAME_OPTIONS": "DENY",
    }  # fmt: skip


@pytest.fixture
def behind_tls_proxy(settings):
    """The production transport settings, in this process (the tests run on plain http)."""
    settings.SECURE_SSL_REDIRECT = True
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = settings.SECURE_HSTS_PRELOAD = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    return settings


@pytest.mark.django_db
def test_hsts_only_on_responses_that_came_over_tls(client, behind_tls_proxy):
    plain = client.get("/accounts/login/")
    assert plain.status_code == 301 and plain["Location"] == "https://testserver/accounts/login/"
    assert "Strict-Transport-Security" not in plain

    secure = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == HSTS
    assert secure.cookies["csrftoken"]["secure"] is True
