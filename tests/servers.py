"""Private PostgreSQL, Redis and Mosquitto servers for the tests.

Each starts the real server binary on a free port in a temporary directory and removes
it again on stop, so tests never touch the machine's own services or standard ports
and run the same on any machine with the Debian packages installed.
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

SHIPPED_MOSQUITTO_CONF = Path(__file__).resolve().parent.parent / "config" / "mosquitto.conf"
MISSING_HINT = "install the Debian packages postgresql, redis-server and mosquitto (make test does it as root)"


class ServerError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20.0, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise ServerError(f"server on port {port} exited with status {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise ServerError(f"nothing listens on port {port} after {timeout} s")


def find_binary(name: str, *patterns: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for pattern in patterns:
        matches = sorted(glob.glob(pattern), reverse=True)
        if matches:
            return matches[0]
    raise ServerError(f"{name} not found: {MISSING_HINT}")


def _unprivileged_user() -> pwd.struct_passwd | None:
    """PostgreSQL refuses to run as root; as root, run it as `postgres` or `nobody`."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise ServerError("running as root, but neither a postgres nor a nobody user exists")


@dataclass
class PostgresServer:
    port: int = 0
    directory: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="commons-pg-")))
    user: str = "postgres"

    @property
    def url(self) -> str:
        return f"postgres://{self.user}@127.0.0.1:{self.port}/postgres"

    def database_url(self, name: str) -> str:
        return f"postgres://{self.user}@127.0.0.1:{self.port}/{name}"

    def start(self) -> "PostgresServer":
        initdb = find_binary("initdb", "/usr/lib/postgresql/*/bin/initdb")
        pg_ctl = find_binary("pg_ctl", "/usr/lib/postgresql/*/bin/pg_ctl")
        owner = _unprivileged_user()
        os.chmod(self.directory, 0o755)
        if owner is not None:
            os.chown(self.directory, owner.pw_uid, owner.pw_gid)
        run_as = {"user": owner.pw_uid, "group": owner.pw_gid} if owner else {}
        data = self.directory / "data"
        self._run([initdb, "-D", str(data), "-U", self.user, "-A", "trust", "-E", "UTF8", "--no-sync"], run_as)
        self.port = self.port or free_port()
        options = " ".join(
            [
                f"-p {self.port}",
                f"-k {self.directory}",
                "-c listen_addresses=127.0.0.1",
                "-c max_connections=300",
                # A throw-away test server: durability buys nothing here, speed does.
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            ]
        )
        self._pg_ctl, self._run_as, self._data, self._options = pg_ctl, run_as, data, options
        self.restart()
        return self

    def restart(self) -> None:
        """Start the server on its port and data directory (again, after `stop(keep_data=True)`)."""
        log = self.directory / "server.log"
        self._run([self._pg_ctl, "-D", str(self._data), "-o", self._options, "-l", str(log), "-w", "-t", "60",
                   "start"], self._run_as)  # fmt: skip

    def stop(self, *, keep_data: bool = False) -> None:
        """Stop the server; `keep_data` stops it as an administrator would (a fast shutdown,
        which keeps every committed transaction) and leaves it ready for `restart`."""
        if getattr(self, "_pg_ctl", None):
            subprocess.run(
                [self._pg_ctl, "-D", str(self._data), "-m", "fast" if keep_data else "immediate", "-w", "stop"],
                capture_output=True,
                check=False,
                **self._run_as,
            )
            if keep_data:
                return
            self._pg_ctl = None
        shutil.rmtree(self.directory, ignore_errors=True)

    @staticmethod
    def _run(command: list[str], run_as: dict) -> None:
        result = subprocess.run(command, capture_output=True, text=True, check=False, **run_as)
        if result.returncode != 0:
            raise ServerError(f"{command[0]} failed: {result.stderr.strip() or result.stdout.strip()}")


@dataclass
class _ProcessServer:
    port: int = 0
    directory: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="commons-srv-")))
    process: subprocess.Popen | None = None

    def _launch(self, command: list[str]) -> None:
        log = open(self.directory / "server.log", "wb")  # noqa: SIM115 - closed in stop()
        self._log = log
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=self.directory, env=env)
        wait_for_port(self.port, process=self.process)

    def log_text(self) -> str:
        path = self.directory / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self, *, keep_data: bool = False) -> None:
        """Stop the server (SIGTERM, as a service manager would); `keep_data` leaves its
        directory for a restart."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if getattr(self, "_log", None):
            self._log.close()
        if not keep_data:
            shutil.rmtree(self.directory, ignore_errors=True)


@dataclass
class RedisServer(_ProcessServer):
    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        binary = find_binary("redis-server")
        self.port = self.port or free_port()
        self._launch(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory),
             "--save", "", "--appendonly", "no", "--daemonize", "no"]
        )  # fmt: skip
        return self


@dataclass
class MosquittoServer(_ProcessServer):
    """Mosquitto with the project's broker settings (docs/mosquitto.conf) on a free port.

    `password_file` and `acl_file` switch anonymous access off, as in production.
    """

    password_file: Path | None = None
    acl_file: Path | None = None
    tls: tuple[Path, Path, Path] | None = None  # (CA, certificate, key): the listener speaks TLS only

    @property
    def url(self) -> str:
        return f"{'mqtts' if self.tls else 'mqtt'}://127.0.0.1:{self.port}"

    def start(self) -> "MosquittoServer":
        binary = find_binary("mosquitto", "/usr/sbin/mosquitto")
        self.port = self.port or free_port()
        config = self.directory / "mosquitto.conf"
        config.write_text(self.config_text())
        self._launch([binary, "-c", str(config)])
        return self

    def config_text(self) -> str:
        """The shipped configuration with this instance's port, directory and credentials."""
        replaced = (
            "listener",
            "persistence_location",
            "allow_anonymous",
            "password_file",
            "acl_file",
            "user",
            "pid_file",
        )
        lines = [line for line in SHIPPED_MOSQUITTO_CONF.read_text().splitlines() if not line.startswith(replaced)]
        lines += [f"listener {self.port} 127.0.0.1", f"persistence_location {self.directory}/"]
        if self.tls:
            ca, cert, key = self.tls
            lines += [f"cafile {ca}", f"certfile {cert}", f"keyfile {key}"]
        if os.geteuid() == 0:
            lines.append("user root")  # keep access to the root-owned temporary directory
        lines.append(f"allow_anonymous {'false' if self.password_file else 'true'}")
        if self.password_file:
            lines.append(f"password_file {self.password_file}")
        if self.acl_file:
            lines.append(f"acl_file {self.acl_file}")
        return "\n".join(lines) + "\n"

    def reload(self) -> None:
        """Make the broker re-read its password and ACL files (SIGHUP)."""
        if self.process is not None:
            self.process.send_signal(1)


@dataclass
class EmbeddedBroker(_ProcessServer):
    """The project's own embedded broker (telemetry/broker), run like `make demo` runs it."""

    password_file: Path | None = None
    acl_file: Path | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> "EmbeddedBroker":
        import sys

        self.port = self.port or free_port()
        command = [sys.executable, "-m", "telemetry.broker", "--port", str(self.port), "--passwords",
                   str(self.password_file), "--pid-file", str(self.directory / "broker.pid"),
                   "--state-file", str(self.directory / "state.json")]  # fmt: skip
        if self.acl_file:
            command += ["--acl", str(self.acl_file)]
        self._launch(command)
        return self

    def reload(self) -> None:
        if self.process is not None:
            self.process.send_signal(1)
