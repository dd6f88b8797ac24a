"""The demo's processes stop together, in order and quietly, on Ctrl-C or a signal."""

import os
import pty
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import ROOT

pytestmark = pytest.mark.slow
DRIVER = [sys.executable, "-m", "tests.config.supervised"]


class Ended(Exception):
    """The other end closed: nothing more will come."""


def _wait_for(read, text: str, timeout: float = 60) -> str:
    """What `read` returned, gathered until `text` appears in it."""
    seen = ""
    deadline = time.monotonic() + timeout
    while text not in seen:
        assert time.monotonic() < deadline, f"{text!r} did not come in {timeout} s; got {seen!r}"
        try:
            seen += read()
        except Ended:
            pytest.fail(f"the output ended before {text!r} came; got {seen!r}")
    return seen


def _read_to_end(read) -> str:
    seen = ""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            seen += read()
        except Ended:
            return seen
    pytest.fail(f"the output did not end; got {seen!r}")


def _reader(fd: int):
    def read() -> str:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if not ready:
            return ""
        try:
            data = os.read(fd, 4096)
        except OSError:  # the terminal closed: its last process ended
            data = b""
        if not data:
            raise Ended
        return data.decode(errors="replace")

    return read


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _both_running(log: Path) -> None:
    def read() -> str:
        time.sleep(0.05)  # the polling interval of a condition wait
        return log.read_text() if log.exists() else ""

    _wait_for(read, "second runs")
    _wait_for(read, "first runs")


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_stop_signal_stops_every_process_last_first_with_status_0(tmp_path, stop):
    log = tmp_path / "demo.log"
    driver = subprocess.Popen([*DRIVER, str(log)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = _wait_for(_reader(driver.stdout.fileno()), "\n")
    pids = [int(pid) for pid in out.split()[1:]]
    _both_running(log)
    driver.send_signal(stop)
    stdout, stderr = driver.communicate(timeout=30)
    assert driver.returncode == 0
    assert stderr == b""  # no traceback
    assert b"stopped" in stdout
    assert all(_gone(pid) for pid in pids)
    text = log.read_text()
    assert text.index("second stops") < text.index("first stops")  # the reverse of their start


def test_a_process_that_ends_stops_the_others_with_an_error(tmp_path):
    log = tmp_path / "demo.log"
    driver = subprocess.Popen([*DRIVER, str(log)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = _wait_for(_reader(driver.stdout.fileno()), "\n")
    first, second = (int(pid) for pid in out.split()[1:])
    _both_running(log)
    os.kill(second, signal.SIGKILL)
    stdout, _ = driver.communicate(timeout=30)
    assert driver.returncode == 1
    assert b"second ended with -9" in stdout
    assert _gone(first)


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_ctrl_c_at_the_terminal_ends_make_with_status_0(tmp_path):
    """The terminal sends Ctrl-C to its foreground process group: `make demo` itself must
    not receive it, or it dies with status 130 whatever the demo does."""
    log = tmp_path / "demo.log"
    makefile = tmp_path / "Makefile"
    makefile.write_text(f"demo:\n\tcd {ROOT} && {' '.join(DRIVER)} {log}\n")
    pid, terminal = pty.fork()
    if pid == 0:  # the child: make on its own terminal, as a person would run it
        os.execvp("make", ["make", "--no-print-directory", "-f", str(makefile)])
    read = _reader(terminal)
    seen = _wait_for(read, "pids")
    _both_running(log)
    os.write(terminal, b"\x03")  # Ctrl-C
    seen += _read_to_end(read)  # the terminal's last process ended
    _, status = os.waitpid(pid, 0)
    os.close(terminal)
    # Only the driver's orderly stop ends with status 0: interrupted, make ends with 2 or 130.
    assert os.waitstatus_to_exitcode(status) == 0, seen
    assert "Interrupt" not in seen and "Traceback" not in seen
