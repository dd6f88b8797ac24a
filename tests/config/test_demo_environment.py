"""The demo runs with DEBUG off from a fresh clone with nothing set."""

import os
import stat

from config.demo import environment
from tests.helpers import manage

SHOW = "from django.conf import settings as s; print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE)"


def test_the_demo_commands_start_with_nothing_set_and_keep_their_key(tmp_path):
    first = manage("seed_demo", "--help", DATA_DIR=str(tmp_path))
    assert first.returncode == 0, first.stderr
    key_file = tmp_path / environment.KEY_FILE
    key = key_file.read_text()
    assert len(key) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    again = manage("run_demo", "--help", DATA_DIR=str(tmp_path))
    assert again.returncode == 0, again.stderr
    assert key_file.read_text() == key


def test_the_demo_environment_keeps_debug_off_on_plain_http(tmp_path, monkeypatch):
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    shown = manage("shell", "-c", SHOW, **environment.demo_environment(), DATA_DIR=str(tmp_path))
    assert shown.stdout.split()[-3:] == ["False", "False", "False"], shown.stderr


def test_variables_already_set_win(tmp_path, monkeypatch):
    environ = {"DATA_DIR": str(tmp_path), "ALLOWED_HOSTS": "demo.example.cn", "SECRET_KEY": ""}
    monkeypatch.setattr(os, "environ", environ)
    environment.use_demo_environment()
    assert os.environ["ALLOWED_HOSTS"] == "demo.example.cn"
    assert os.environ["SECRET_KEY"] == (tmp_path / environment.KEY_FILE).read_text()
