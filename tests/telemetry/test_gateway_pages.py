"""Lab managers register gateways, see the secret once, bind, rotate and revoke; others cannot."""

import pytest
from django.contrib.auth.hashers import check_password
from django.urls import reverse

from telemetry import services
from telemetry.broker_auth import render
from telemetry.credentials import broker_hash_matches
from telemetry.models import Binding, Counter, Gateway
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def lab():
    return f.LabFactory()


def register(client, lab, code="gw-1"):
    return client.post(reverse("telemetry:gateways"), {"lab": lab.pk, "code": code, "heartbeat_seconds": 60})


def test_the_secret_is_shown_once_and_stored_only_as_hashes(client, lab):
    client.force_login(f.lab_manager(lab))
    response = register(client, lab)
    secret = response.context["secret"]
    gateway = Gateway.objects.get(code="gw-1")
    assert secret not in (gateway.secret_hash, gateway.broker_hash)
    assert check_password(secret, gateway.secret_hash) and broker_hash_matches(secret, gateway.broker_hash)
    assert response["Cache-Control"] == "no-store"
    assert secret not in client.get(reverse("telemetry:gateway", args=["gw-1"])).content.decode()
    passwords, acl = render()
    assert f"gw-1:{gateway.broker_hash}" in passwords
    assert "pattern write commons/v1/gw/%u/events" in acl


def test_rotating_makes_a_new_secret_and_revoking_removes_the_gateway(client, lab):
    client.force_login(f.lab_manager(lab))
    old = register(client, lab).context["secret"]
    new = client.post(reverse("telemetry:gateway-action", args=["gw-1", "rotate"])).context["secret"]
    gateway = Gateway.objects.get(code="gw-1")
    assert new != old and broker_hash_matches(new, gateway.broker_hash)
    assert not broker_hash_matches(old, gateway.broker_hash)
    client.post(reverse("telemetry:gateway-action", args=["gw-1", "revoke"]))
    gateway.refresh_from_db()
    assert gateway.revoked_at and "gw-1:" not in render()[0]


def test_binding_an_instrument_of_the_lab(client, lab):
    manager = f.lab_manager(lab)
    instrument = f.InstrumentFactory(lab=lab)
    client.force_login(manager)
    register(client, lab)
    client.post(reverse("telemetry:gateway", args=["gw-1"]), {"instrument": instrument.pk})
    assert Binding.objects.get(instrument=instrument).gateway.code == "gw-1"
    client.post(reverse("telemetry:gateway-action", args=["gw-1", "unbind"]), {"instrument": instrument.pk})
    assert not Binding.objects.exists()


def test_instruments_of_other_labs_cannot_be_bound(client, lab):
    manager = f.lab_manager(lab)
    stranger = f.InstrumentFactory()
    client.force_login(manager)
    register(client, lab)
    response = client.post(reverse("telemetry:gateway", args=["gw-1"]), {"instrument": stranger.pk})
    assert response.status_code == 200 and response.context["form"].errors
    assert not Binding.objects.exists()


def test_the_ingest_user_name_cannot_be_taken(lab):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.gateway_register(lab=lab, code="ingest", by=None)


@pytest.mark.parametrize("who", ["member", "manager elsewhere", "regulator", "startup"])
def test_others_cannot_touch_a_labs_gateways(client, lab, who):
    gateway, _ = services.gateway_register(lab=lab, code="gw-1", by=None)
    person = {
        "member": lambda: f.UserFactory(organization=lab.institution),
        "manager elsewhere": lambda: f.lab_manager(),
        "regulator": lambda: f.regulator(),
        "startup": lambda: f.UserFactory(organization=f.OrganizationFactory(kind="enterprise")),
    }[who]()
    client.force_login(person)
    listing = client.get(reverse("telemetry:gateways"))
    assert listing.status_code == (200 if who == "manager elsewhere" else 403)
    assert client.get(reverse("telemetry:gateway", args=["gw-1"])).status_code == 404
    for action in ("rotate", "revoke"):
        assert client.post(reverse("telemetry:gateway-action", args=["gw-1", action])).status_code == 404
    gateway.refresh_from_db()
    assert gateway.revoked_at is None and gateway.rotated_at is None


@pytest.mark.parametrize(
    ("who", "lab_page", "institution_page"),
    [
        ("lab manager", 200, 403),
        ("institution admin", 200, 200),
        ("regulator of the region", 200, 200),
        ("regulator elsewhere", 403, 403),
        ("member", 403, 403),
        ("platform admin", 200, 200),
    ],
)
def test_dashboards_are_for_those_who_oversee_them(client, lab, who, lab_page, institution_page):
    person = {
        "lab manager": lambda: f.lab_manager(lab),
        "institution admin": lambda: f.UserFactory(organization=lab.institution, role="org_admin"),
        "regulator of the region": lambda: f.regulator("320100"),
        "regulator elsewhere": lambda: f.regulator("320500"),
        "member": lambda: f.UserFactory(organization=lab.institution),
        "platform admin": f.platform_admin,
    }[who]()
    client.force_login(person)
    assert client.get(reverse("telemetry:lab", args=[lab.pk])).status_code == lab_page
    assert client.get(reverse("telemetry:institution", args=[lab.institution.pk])).status_code == institution_page


def test_ingest_figures_are_for_platform_admins(client):
    client.force_login(f.lab_manager())
    assert client.get(reverse("telemetry:ingest")).status_code == 403
    client.force_login(f.platform_admin())
    assert client.get(reverse("telemetry:ingest")).status_code == 200


def test_ingest_figures_show_the_counts_beside_the_pages_messages(client):
    Counter.objects.create(name="messages", value=41)
    Counter.objects.create(name="stored", value=2009)
    client.force_login(f.platform_admin())
    page = client.get(reverse("telemetry:ingest"), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "<dd>41</dd>" in page.content.decode() and "<dd>2,009</dd>" in page.content.decode()


def test_instrument_page_shows_its_live_status_to_anyone(client, lab):
    instrument = f.InstrumentFactory(lab=lab)
    page = client.get(reverse("instruments:detail", args=[instrument.code]), HTTP_ACCEPT_LANGUAGE="en")
    assert "Usage of this instrument is not measured." in page.content.decode()
