"""The agent's configuration file (TOML); see docs/gateway.toml.example."""

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


class ConfigError(Exception):
    pass


@dataclass
class InstrumentConfig:
    code: str
    probe: str
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class Config:
    gateway: str
    password: str
    host: str
    port: int
    tls: bool
    ca_file: str | None
    outbox: Path
    outbox_max_events: int = 500_000
    heartbeat_seconds: float = 60
    sample_seconds: float = 5
    batch_size: int = 200
    server_ack: bool = True
    ack_timeout_seconds: float = 30
    instruments: list[InstrumentConfig] = field(default_factory=list)


def broker_address(url: str) -> tuple[str, int, bool]:
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
        raise ConfigError(f"broker url must be mqtt://host:port or mqtts://host:port, not {url!r}")
    tls = parts.scheme == "mqtts"
    return parts.hostname, parts.port or (8883 if tls else 1883), tls


def load(path: Path) -> Config:
    try:
        raw = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: {error}") from None
    try:
        gw, broker = raw["gateway"], raw["broker"]
        password = gw.get("password") or Path(gw["password_file"]).read_text().strip()
        host, port, tls = broker_address(broker["url"])
        instruments = [
            InstrumentConfig(
                code=i["code"], probe=i["probe"], options={k: v for k, v in i.items() if k not in ("code", "probe")}
            )
            for i in raw.get("instruments", [])
        ]
        return Config(
            gateway=gw["id"],
            password=password,
            host=host,
            port=port,
            tls=tls,
            ca_file=broker.get("ca_file"),
            outbox=Path(gw.get("outbox", "outbox.sqlite3")),
            outbox_max_events=int(gw.get("outbox_max_events", 500_000)),
            heartbeat_seconds=float(gw.get("heartbeat_seconds", 60)),
            sample_seconds=float(gw.get("sample_seconds", 5)),
            batch_size=int(gw.get("batch_size", 200)),
            server_ack=bool(gw.get("server_ack", True)),
            ack_timeout_seconds=float(gw.get("ack_timeout_seconds", 30)),
            instruments=instruments,
        )
    except KeyError as missing:
        raise ConfigError(f"{path}: missing setting {missing}") from None
    except (OSError, ValueError, TypeError) as error:
        raise ConfigError(f"{path}: {error}") from None
