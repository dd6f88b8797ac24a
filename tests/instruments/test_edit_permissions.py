"""Who may change which instrument, through every door: pages, API and admin."""

import pytest
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def instrument():
    return f.InstrumentFactory()


def people(instrument) -> dict:
    lab = instrument.lab
    return {
        "anonymous": None,
        "member of the institution": f.UserFactory(organization=lab.institution),
        "manager of another lab": f.lab_manager(f.LabFactory(institution=lab.institution)),
        "manager of a lab elsewhere": f.lab_manager(),
        "start-up user": f.UserFactory(organization=f.OrganizationFactory(kind="enterprise")),
        "regulator": f.regulator("320000"),
        "admin of another institution": f.UserFactory(role="org_admin"),
        "manager of the lab": f.lab_manager(lab),
        "admin of the institution": f.UserFactory(organization=lab.institution, role="org_admin"),
        "platform admin": f.platform_admin(),
    }


ALLOWED = {"manager of the lab", "admin of the institution", "platform admin"}
ROLES = [
    "anonymous", "member of the institution", "manager of another lab", "manager of a lab elsewhere",
    "start-up user", "regulator", "admin of another institution", "manager of the lab",
    "admin of the institution", "platform admin",
]  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_edit_page_is_only_for_those_who_manage_the_lab(client, instrument, role):
    user = people(instrument)[role]
    if user:
        client.force_login(user)
    response = client.get(reverse("instruments:edit", args=[instrument.code]))
    if role == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == (200 if role in ALLOWED else 403)


@pytest.mark.parametrize("role", ROLES)
def test_saving_the_edit_form_changes_the_instrument_only_when_allowed(client, instrument, role):
    user = people(instrument)[role]
    if user:
        client.force_login(user)
    data = {
        "lab": instrument.lab_id, "name_zh": "改名的显微镜", "inner_id": instrument.inner_id,
        "category": instrument.category_id, "type": "general", "original_value": "990000.00",
        "share_mode": "external", "status": "normal", "region": instrument.region_id,
    }  # fmt: skip
    client.post(reverse("instruments:edit", args=[instrument.code]), data)
    instrument.refresh_from_db()
    assert (instrument.name_zh == "改名的显微镜") == (role in ALLOWED)


@pytest.mark.parametrize("role", ROLES)
def test_api_update_is_only_for_those_who_manage_the_lab(api, instrument, role):
    user = people(instrument)[role]
    if user:
        api.force_authenticate(user)
    response = api.patch(f"/api/v1/instruments/{instrument.pk}/", {"name_zh": "API 改名"}, format="json")
    expected = 200 if role in ALLOWED else (401 if role == "anonymous" else 403)
    assert response.status_code == expected
    instrument.refresh_from_db()
    assert (instrument.name_zh == "API 改名") == (role in ALLOWED)


@pytest.mark.parametrize("role", ROLES)
def test_api_create_only_in_labs_one_manages(api, instrument, role):
    user = people(instrument)[role]
    if user:
        api.force_authenticate(user)
    payload = {
        "lab": instrument.lab_id, "name_zh": "新的色谱仪", "inner_id": "NEW-1", "category": "010500",
        "original_value": "600000.00",
    }  # fmt: skip
    response = api.post("/api/v1/instruments/", payload, format="json")
    expected = 201 if role in ALLOWED else (401 if role == "anonymous" else 403)
    assert response.status_code == expected, response.content
    assert instrument.lab.instruments.filter(inner_id="NEW-1").exists() == (role in ALLOWED)


def test_manager_cannot_move_an_instrument_into_a_lab_they_do_not_manage(api, instrument):
    manager = f.lab_manager(instrument.lab)
    foreign_lab = f.LabFactory(institution=instrument.lab.institution)
    api.force_authenticate(manager)
    response = api.patch(f"/api/v1/instruments/{instrument.pk}/", {"lab": foreign_lab.pk}, format="json")
    assert response.status_code == 403
    instrument.refresh_from_db()
    assert instrument.lab_id != foreign_lab.pk


@pytest.mark.parametrize("role", ["anonymous", "member of the institution", "regulator", "manager of the lab"])
def test_catalog_and_detail_are_public(client, api, instrument, role):
    user = people(instrument)[role]
    if user:
        client.force_login(user)
        api.force_authenticate(user)
    assert client.get(reverse("instruments:detail", args=[instrument.code])).status_code == 200
    assert client.get(reverse("instruments:catalog")).status_code == 200
    assert api.get("/api/v1/instruments/").status_code == 200
    assert api.get(f"/api/v1/instruments/{instrument.pk}/").status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_manage_list_shows_only_editable_instruments(client, instrument, role):
    other = f.InstrumentFactory()
    user = people(instrument)[role]
    if user is None:
        assert client.get(reverse("instruments:manage")).status_code == 302
        return
    client.force_login(user)
    response = client.get(reverse("instruments:manage"))
    if role in ALLOWED or role in ("manager of another lab", "manager of a lab elsewhere"):
        assert response.status_code == 200
        shown = {i.pk for i in response.context["instruments"]}
        assert (instrument.pk in shown) == (role in ALLOWED)
        assert (other.pk in shown) == (role == "platform admin")
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_admin_site_is_only_for_platform_admins(client, instrument, role):
    user = people(instrument)[role]
    if user:
        client.force_login(user)
    response = client.get(reverse("admin:instruments_instrument_changelist"))
    assert response.status_code == (200 if role == "platform admin" else 302)
