"""The gateway.toml a lab manager receives names this deployment's broker and the lab's
instrument codes, and the agent reads it as it is."""

import pytest
from django.urls import reverse

from gateway.config import load
from telemetry import services
from telemetry.agent_config import gateway_toml, public_broker_url
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("public", "ingest", "site", "expected"),
    [
        ("mqtts://mqtt.commons.example.cn:8883", "mqtt://ingest:pw@mosquitto:1883", "https://commons.example.cn",
         "mqtts://mqtt.commons.example.cn:8883"),
        ("mqtts://user:pw@mqtt.example.cn", "", "https://commons.example.cn", "mqtts://mqtt.example.cn:8883"),
        ("", "mqtt://ingest:pw@mosquitto:1883", "https://commons.example.cn", "mqtt://commons.example.cn:1883"),
        ("", "", "http://127.0.0.1:8000", "mqtt://127.0.0.1:18830"),
    ],
)  # fmt: skip
def test_the_broker_address_is_this_deployments(settings, public, ingest, site, expected):
    settings.MQTT_PUBLIC_URL, settings.MQTT_URL, settings.SITE_URL = public, ingest, site
    settings.EMBEDDED_BROKER_PORT = 18830
    assert public_broker_url() == expected


def test_the_file_has_the_secret_the_broker_and_the_bound_instruments(settings, tmp_path):
    settings.MQTT_PUBLIC_URL = "mqtts://mqtt.commons.example.cn:8883"
    lab = f.LabFactory()
    bound = f.InstrumentFactory(lab=lab, code="nju-xrd-01")
    f.InstrumentFactory(lab=lab, code="nju-sem-02")
    f.InstrumentFactory(code="elsewhere-03")
    gateway, secret = services.gateway_register(lab=lab, code="gw-nju-01", by=None)
    services.instrument_bind(instrument=bound, gateway=gateway, by=None)
    path = tmp_path / "gateway.toml"
    path.write_text(gateway_toml(gateway, secret=secret))
    config = load(path)
    assert (config.gateway, config.password) == ("gw-nju-01", secret)
    assert (config.host, config.port, config.tls) == ("mqtt.commons.example.cn", 8883, True)
    assert [i.code for i in config.instruments] == ["nju-xrd-01"]
    text = path.read_text()
    assert '# code = "nju-sem-02"' in text and "elsewhere-03" not in text


def test_the_register_page_and_the_gateway_page_show_it(client, settings):
    settings.MQTT_PUBLIC_URL = "mqtt://gateways.lab.example.cn:1883"
    lab = f.LabFactory()
    instrument = f.InstrumentFactory(lab=lab, code="lab-nmr-01")
    client.force_login(f.lab_manager(lab))
    response = client.post(reverse("telemetry:gateways"), {"lab": lab.pk, "code": "gw-1", "heartbeat_seconds": 30})
    toml = response.context["toml"]
    assert response.context["secret"] in toml and "mqtt://gateways.lab.example.cn:1883" in toml
    assert '# code = "lab-nmr-01"' in toml and "heartbeat_seconds = 30" in toml
    client.post(reverse("telemetry:gateway", args=["gw-1"]), {"instrument": instrument.pk})
    page = client.get(reverse("telemetry:gateway", args=["gw-1"]))
    assert '\ncode = "lab-nmr-01"' in page.context["toml"] and "password_file" in page.context["toml"]
    assert response.context["secret"] not in page.content.decode()
