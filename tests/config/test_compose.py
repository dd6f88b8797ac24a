"""docker-compose.yml runs the same commands as the demo and the tests."""

from pathlib import Path

import yaml

from config import processes
from tests.helpers import manage

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_web_service_runs_the_web_process_command():
    assert compose()["services"]["web"]["command"] == processes.web(host="0.0.0.0", port=8000)


def test_jobs_service_runs_the_jobs_process_command():
    assert compose()["services"]["jobs"]["command"] == processes.jobs()


def test_ingest_service_runs_the_ingest_process_command():
    assert compose()["services"]["ingest"]["command"] == processes.ingest(client_id="ingest-1")


def test_every_demo_process_has_a_production_counterpart():
    services = compose()["services"]
    production = {"broker": "mosquitto", "gateways": None}  # real agents run on the lab gateways
    for name in processes.demo(credentials="c.json", outbox_dir="o", broker_port=1883):
        counterpart = production.get(name, name)
        assert counterpart is None or counterpart in services


def test_the_jobs_worker_can_signal_mosquitto_to_reload_credentials():
    jobs = compose()["services"]["jobs"]
    assert jobs["pid"] == "service:mosquitto"
    assert jobs["environment"]["BROKER_PID_FILE"].startswith("/mosquitto-auth/")
    conf = (ROOT / "config" / "mosquitto.conf").read_text()
    assert "pid_file /mosquitto/config/auth/mosquitto.pid" in conf


def test_the_stack_has_its_engines_and_the_shipped_broker_configuration():
    services = compose()["services"]
    assert {"postgres", "redis", "mosquitto"} <= set(services)
    mounts = services["mosquitto"]["volumes"]
    assert "./config/mosquitto.conf:/mosquitto/config/mosquitto.conf:ro" in mounts


def test_example_environment_passes_the_deploy_check():
    example = (ROOT / "docs" / "production.env.example").read_text(encoding="utf-8")
    environ = dict(line.split("=", 1) for line in example.splitlines() if "=" in line and not line.startswith("#"))
    assert {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "MQTT_URL", "DEBUG"} <= set(environ)
    result = manage("check", "--deploy", "--fail-level", "WARNING", **environ)
    assert result.returncode == 0, result.stderr + result.stdout


def test_a_tls_proxy_shares_requests_and_websockets_between_the_web_processes():
    services = compose()["services"]
    webs = [name for name, service in services.items() if service.get("command") == processes.web(host="0.0.0.0")]
    assert len(webs) >= 2
    assert all("ports" not in services[name] for name in webs)  # reached through the proxy only
    proxy = services["proxy"]
    assert proxy["image"].startswith("caddy:") and {"80:80", "443:443"} <= set(proxy["ports"])
    assert "./config/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    caddyfile = (ROOT / "config" / "Caddyfile").read_text()
    upstreams = next(line for line in caddyfile.splitlines() if "reverse_proxy" in line).split()[1:-1]
    assert sorted(upstreams) == sorted(f"{name}:8000" for name in webs)
    assert "health_uri /healthz" in caddyfile
