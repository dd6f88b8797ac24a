"""The agent runs on lab gateways on its own: no Django, none of the server's apps."""

import subprocess
import sys
from pathlib import Path

import pytest

from gateway import config, probes

ROOT = Path(__file__).resolve().parents[2]
BLOCKER = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in {"django", "accounts", "instruments", "telemetry", "booking", "config"}:
            raise ImportError(f"the agent imported {name}")
sys.meta_path.insert(0, Block())
import gateway.__main__, gateway.agent, gateway.simulate, gateway.probes, gateway.outbox, gateway.protocol
print("ok")
"""


def test_the_agent_imports_nothing_of_the_server():
    result = subprocess.run([sys.executable, "-c", BLOCKER], cwd=ROOT, capture_output=True, text=True)
    assert result.stdout.strip() == "ok", result.stderr


def test_the_example_configuration_loads(tmp_path):
    example = (ROOT / "docs" / "gateway.toml.example").read_text()
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    path = tmp_path / "gateway.toml"
    path.write_text(example.replace("/etc/commons-gateway/secret", str(secret)))
    loaded = config.load(path)
    assert (loaded.gateway, loaded.password, loaded.host, loaded.port, loaded.tls) == (
        "gw-nju-ac-01", "s3cret", "mqtt.instrument-commons.cn", 8883, True)  # fmt: skip
    assert [i.probe for i in loaded.instruments] == ["power", "power", "process"]
    for item in loaded.instruments:
        probes.make(item.probe, **item.options)  # every probe accepts its options


@pytest.mark.parametrize(
    ("text", "message"),
    [("[gateway]\nid='x'\n", "missing setting"), ("not toml at all [", "gateway.toml"),
     ("[gateway]\nid='x'\npassword='p'\n[broker]\nurl='http://x'\n", "broker url")],
)  # fmt: skip
def test_a_bad_configuration_says_what_is_wrong(tmp_path, text, message):
    path = tmp_path / "gateway.toml"
    path.write_text(text)
    with pytest.raises(config.ConfigError, match=message):
        config.load(path)


def test_power_and_process_probes(tmp_path):
    watts = tmp_path / "power_w"
    probe = probes.make("power", file=str(watts), running_w=400, idle_w=15)
    for value, state in (("812.5", "running"), ("40", "idle"), ("2", "off")):
        watts.write_text(value)
        assert probe.read(0).state == state
    watts.write_text("garbage")
    with pytest.raises(probes.ProbeError):
        probe.read(0)
    assert probes.make("process", process="surely-no-such-program-xyz").read(0).state == "idle"
    with pytest.raises(ValueError, match="unknown probe"):
        probes.make("teleport")


def test_the_package_installs_on_its_own(tmp_path):
    import shutil

    source = tmp_path / "gateway"  # a copy: building writes build/ and egg-info next to the sources
    shutil.copytree(ROOT / "gateway", source, ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
    target = tmp_path / "site"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(source)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (target / "gateway" / "agent.py").exists() and (target / "gateway" / "protocol.py").exists()
