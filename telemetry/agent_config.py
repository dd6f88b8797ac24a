"""The gateway.toml a lab manager receives for a gateway (docs/gateway.toml.example):
this deployment's broker address and the codes of the lab's instruments."""

import json
from urllib.parse import urlsplit

from django.conf import settings

from instruments.models import Instrument
from telemetry.models import Gateway

UNBOUND_LISTED = 20  # a large lab's instruments would bury the file


def public_broker_url() -> str:
    """Where lab gateways reach the broker: MQTT_PUBLIC_URL, else SITE_URL's host with the
    scheme and port of MQTT_URL (of the embedded broker on loopback when that is empty too).
    Never with credentials: MQTT_URL carries the ingest worker's."""
    if settings.MQTT_PUBLIC_URL:
        url = urlsplit(settings.MQTT_PUBLIC_URL)
        scheme, host, port = url.scheme, url.hostname, url.port
    elif settings.MQTT_URL:
        url = urlsplit(settings.MQTT_URL)
        scheme, host, port = url.scheme, urlsplit(settings.SITE_URL).hostname, url.port
    else:
        scheme, host, port = "mqtt", "127.0.0.1", settings.EMBEDDED_BROKER_PORT
    port = port or (8883 if scheme == "mqtts" else 1883)
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}:{port}"


def _string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string


def _instrument_block(code: str, comment: str = "") -> list[str]:
    lines = ["[[instruments]]", f"code = {_string(code)}", 'probe = "power"',
             'file = "/run/pdu/outlet1/power_w"',
             "running_w = 400", "idle_w = 15"]  # fmt: skip
    return [comment + line for line in lines]


def gateway_toml(gateway: Gateway, *, secret: str | None = None) -> str:
    """The agent's configuration. With the secret when it is shown (once); otherwise the
    agent reads it from a file. Bound instruments are configured; the lab's other
    instruments are listed commented out, to bind on the server first."""
    bound = list(Instrument.objects.filter(binding__gateway=gateway).order_by("code").values_list("code", flat=True))
    unbound = list(
        Instrument.objects.filter(lab_id=gateway.lab_id, binding__isnull=True).order_by("code")
        .values_list("code", flat=True)[:UNBOUND_LISTED]
    )  # fmt: skip
    password = f"password = {_string(secret)}" if secret else 'password_file = "/etc/commons-gateway/secret"'
    lines = [
        "# python -m gateway run --config gateway.toml",
        "[gateway]",
        f"id = {_string(gateway.code)}",
        password,
        'outbox = "/var/lib/commons-gateway/outbox.sqlite3"',
        f"heartbeat_seconds = {gateway.heartbeat_seconds}",
        "",
        "[broker]",
        f"url = {_string(public_broker_url())}",
    ]
    for code in bound:
        lines += ["", *_instrument_block(code)]
    if unbound:
        lines += ["", "# The lab's instruments not bound to this gateway:", "# bind them on its page, then uncomment."]
        for code in unbound:
            lines += ["", *_instrument_block(code, comment="# ")]
    return "\n".join(lines) + "\n"
