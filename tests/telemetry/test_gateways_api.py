"""/api/v1/gateways/: lab managers (and platform admins) register gateways, bind and
unbind instruments by code, rotate and revoke; nobody else reaches a gateway."""

import pytest
from django.contrib.auth.hashers import check_password

from telemetry import services
from telemetry.models import Binding, Gateway
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def lab():
    return f.LabFactory(institution=f.OrganizationFactory(code="NJU"), code="ac")


@pytest.fixture
def gateway(lab):
    gateway, _secret = services.gateway_register(lab=lab, code="gw-1", by=None)
    return gateway


@pytest.fixture
def instrument(lab):
    return f.InstrumentFactory(lab=lab, code="nju-sem")


def as_user(api, user):
    api.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    if user is not None:
        api.force_authenticate(user)
    return api


def other_manager(_lab):
    return f.lab_manager(f.LabFactory())


def startup(_lab):
    return f.UserFactory(organization=f.OrganizationFactory(kind="enterprise"))


def member(lab):
    return f.UserFactory(organization=lab.institution)


OUTSIDERS = [pytest.param(member, id="member of the institution"), pytest.param(startup, id="startup")]
ALLOWED = [pytest.param(f.lab_manager, id="lab manager"), pytest.param(lambda _lab: f.platform_admin(), id="admin")]

ENDPOINTS = [
    ("get", "/api/v1/gateways/", None),
    ("post", "/api/v1/gateways/", {"code": "gw-new", "lab": "NJU/ac"}),
    ("get", "/api/v1/gateways/gw-1/", None),
    ("post", "/api/v1/gateways/gw-1/bind/", {"instrument": "nju-sem"}),
    ("post", "/api/v1/gateways/gw-1/unbind/", {"instrument": "nju-sem"}),
    ("post", "/api/v1/gateways/gw-1/rotate/", None),
    ("post", "/api/v1/gateways/gw-1/revoke/", None),
]


def call(api, method, url, data):
    return getattr(api, method)(url, data, format="json") if data else getattr(api, method)(url)


@pytest.mark.parametrize(("method", "url", "data"), ENDPOINTS)
def test_anonymous_gets_401(api, gateway, instrument, method, url, data):
    assert call(api, method, url, data).status_code == 401


@pytest.mark.parametrize("who", OUTSIDERS)
@pytest.mark.parametrize(("method", "url", "data"), ENDPOINTS)
def test_people_who_manage_no_lab_get_403(api, lab, gateway, instrument, who, method, url, data):
    response = call(as_user(api, who(lab)), method, url, data)
    assert response.status_code == 403
    assert response.json()["detail"] == "Only the lab's managers manage its gateways."


@pytest.mark.parametrize(("method", "url", "data"), ENDPOINTS[2:])
def test_another_labs_manager_does_not_find_the_gateway(api, lab, gateway, instrument, method, url, data):
    assert call(as_user(api, other_manager(lab)), method, url, data).status_code == 404


def test_another_labs_manager_cannot_register_for_this_lab(api, lab):
    response = as_user(api, other_manager(lab)).post("/api/v1/gateways/", {"code": "gw-x", "lab": "NJU/ac"})
    assert response.status_code == 403
    assert not Gateway.objects.filter(code="gw-x").exists()


def test_another_labs_manager_lists_only_their_own(api, lab, gateway):
    assert as_user(api, other_manager(lab)).get("/api/v1/gateways/").json()["results"] == []


@pytest.mark.parametrize("who", ALLOWED)
def test_register_answers_the_secret_once_and_not_for_caching(api, lab, who):
    response = as_user(api, who(lab)).post(
        "/api/v1/gateways/", {"code": "gw-new", "lab": "NJU/ac", "name": "XRD PC"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["code"] == "gw-new" and body["lab"] == {"id": lab.pk, "code": "ac", "institution": "NJU"}
    assert body["active"] is True and body["instruments"] == []
    stored = Gateway.objects.get(code="gw-new")
    assert check_password(body["secret"], stored.secret_hash)
    detail = api.get("/api/v1/gateways/gw-new/").json()
    assert "secret" not in detail and detail["name"] == "XRD PC"


def test_register_takes_the_lab_id_too(api, lab):
    response = as_user(api, f.lab_manager(lab)).post("/api/v1/gateways/", {"code": "gw-2", "lab": str(lab.pk)})
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"code": "gw-1", "lab": "NJU/ac"}, "code"),  # taken
        ({"code": "gw 1", "lab": "NJU/ac"}, "code"),
        ({"code": "gw-9", "lab": "NJU/zz"}, "lab"),
        ({"code": "gw-9", "lab": "99999999999999999999999"}, "lab"),
        ({"code": "gw-9"}, "lab"),
    ],
)
def test_bad_registrations_are_answered_field_by_field(api, lab, gateway, data, field):
    response = as_user(api, f.lab_manager(lab)).post("/api/v1/gateways/", data, format="json")
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize("who", ALLOWED)
def test_bind_and_unbind_by_instrument_code(api, lab, gateway, instrument, who):
    api = as_user(api, who(lab))
    response = api.post("/api/v1/gateways/gw-1/bind/", {"instrument": "nju-sem"}, format="json")
    assert response.status_code == 200 and response.json()["instruments"] == ["nju-sem"]
    assert Binding.objects.get(instrument=instrument).gateway == gateway
    response = api.post("/api/v1/gateways/gw-1/unbind/", {"instrument": "nju-sem"}, format="json")
    assert response.status_code == 200 and response.json()["instruments"] == []
    assert not Binding.objects.exists()


def test_bind_needs_an_instrument_of_the_gateways_institution(api, lab, gateway):
    f.InstrumentFactory(code="elsewhere")
    response = as_user(api, f.lab_manager(lab)).post("/api/v1/gateways/gw-1/bind/", {"instrument": "elsewhere"})
    assert response.status_code == 400
    assert response.json()["instrument"] == ["No instrument «elsewhere» at NJU."]


def test_a_manager_binds_only_instruments_of_labs_they_manage(api, lab, gateway):
    f.InstrumentFactory(lab=f.LabFactory(institution=lab.institution), code="next-door")
    response = as_user(api, f.lab_manager(lab)).post("/api/v1/gateways/gw-1/bind/", {"instrument": "next-door"})
    assert response.status_code == 403
    assert response.json()["detail"] == "You may bind only instruments of labs you manage."


def test_unbind_of_an_instrument_bound_elsewhere_is_refused(api, lab, gateway, instrument):
    other, _ = services.gateway_register(lab=lab, code="gw-2", by=None)
    services.instrument_bind(instrument=instrument, gateway=other, by=None)
    response = as_user(api, f.lab_manager(lab)).post("/api/v1/gateways/gw-1/unbind/", {"instrument": "nju-sem"})
    assert response.status_code == 400
    assert Binding.objects.get(instrument=instrument).gateway == other


@pytest.mark.parametrize("who", ALLOWED)
def test_rotate_answers_a_new_secret_once(api, lab, gateway, who):
    response = as_user(api, who(lab)).post("/api/v1/gateways/gw-1/rotate/")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    gateway.refresh_from_db()
    assert check_password(response.json()["secret"], gateway.secret_hash) and gateway.rotated_at


@pytest.mark.parametrize("who", ALLOWED)
def test_revoke_drops_bindings_and_then_rotate_and_bind_are_refused(api, lab, gateway, instrument, who):
    services.instrument_bind(instrument=instrument, gateway=gateway, by=None)
    api = as_user(api, who(lab))
    response = api.post("/api/v1/gateways/gw-1/revoke/")
    assert response.status_code == 200
    assert response.json()["active"] is False and response.json()["instruments"] == []
    assert api.post("/api/v1/gateways/gw-1/rotate/").status_code == 400
    response = api.post("/api/v1/gateways/gw-1/bind/", {"instrument": "nju-sem"}, format="json")
    assert response.status_code == 400
    assert "revoked" in str(response.json())


@pytest.mark.parametrize("who", ALLOWED)
def test_list_and_detail(api, lab, gateway, instrument, who):
    services.instrument_bind(instrument=instrument, gateway=gateway, by=None)
    api = as_user(api, who(lab))
    listed = api.get("/api/v1/gateways/").json()["results"]
    assert [g["code"] for g in listed] == ["gw-1"]
    detail = api.get("/api/v1/gateways/gw-1/").json()
    assert detail["instruments"] == ["nju-sem"] and detail["online"] is None and detail["heartbeat_seconds"] == 60


def test_gateways_are_in_the_openapi_schema(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path in ["/api/v1/gateways/", "/api/v1/gateways/{code}/", "/api/v1/gateways/{code}/bind/",
                 "/api/v1/gateways/{code}/unbind/", "/api/v1/gateways/{code}/rotate/",
                 "/api/v1/gateways/{code}/revoke/"]:  # fmt: skip
        assert path in schema["paths"]
    assert "secret" in schema["components"]["schemas"]["GatewaySecret"]["properties"]
