"""The public REST contract: token, schema, docs, error format."""

import pytest
import yaml
from django.core.management import call_command

from tests import factories as f

pytestmark = pytest.mark.django_db


def test_token_endpoint_gives_a_token_that_authenticates(api):
    user = f.lab_manager()
    response = api.post("/api/v1/auth/token/", {"username": user.username, "password": f.PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    instrument = f.InstrumentFactory(lab=user.managed_labs.get())
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.patch(f"/api/v1/instruments/{instrument.pk}/", {"model": "X-1"}, format="json").status_code == 200


def test_wrong_password_gets_a_clear_error(api):
    user = f.UserFactory()
    response = api.post("/api/v1/auth/token/", {"username": user.username, "password": "nope"}, format="json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_openapi_schema_validates(tmp_path):
    path = tmp_path / "schema.yaml"
    # --validate checks the document against the OpenAPI 3 meta-schema; warnings fail too.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    schema = yaml.safe_load(path.read_text())
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/instruments/" in schema["paths"]
    assert "/api/v1/instruments/{id}/" in schema["paths"]
    # A component is described by its own serializer's docstring, never by a base class of
    # the project's (config.api) that explains how serializers work.
    described = {name: c.get("description", "") for name, c in schema["components"]["schemas"].items()}
    assert [name for name, text in described.items() if "DRF" in text or "serializer" in text] == []


def test_schema_and_docs_are_served(client):
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


def test_validation_errors_are_per_field_json(api):
    manager = f.lab_manager()
    api.force_authenticate(manager)
    lab = manager.managed_labs.get()
    response = api.post(
        "/api/v1/instruments/",
        {"lab": lab.pk, "name_zh": "", "inner_id": "X", "category": "123", "original_value": "-5"},
        format="json",
    )
    assert response.status_code == 400
    assert {"name_zh", "category", "original_value"} <= set(response.json())


def test_duplicate_asset_number_is_a_field_error(api):
    existing = f.InstrumentFactory()
    manager = f.lab_manager(existing.lab)
    api.force_authenticate(manager)
    response = api.post(
        "/api/v1/instruments/",
        {"lab": existing.lab_id, "name_zh": "另一台", "inner_id": existing.inner_id, "category": "010100",
         "original_value": "1"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert "inner_id" in response.json()


@pytest.mark.parametrize("method", ["put", "patch"])
def test_an_instrument_id_that_is_no_number_is_404(api, method):
    api.force_authenticate(f.lab_manager())
    response = getattr(api, method)(
        "/api/v1/instruments/null,null/", {"model": "X-1"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    # As for any other id that names nothing (DRF's own lookups): JSON, not a server error.
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_patch_answers_with_the_detail_it_documents(api):
    from drf_spectacular.generators import SchemaGenerator

    manager = f.lab_manager()
    instrument = f.InstrumentFactory(lab=manager.managed_labs.get())
    api.force_authenticate(manager)
    body = api.patch(f"/api/v1/instruments/{instrument.pk}/", {"model": "X-1"}, format="json").json()
    assert body["model"] == "X-1" and body["lab"]["id"] == instrument.lab_id
    operation = SchemaGenerator().get_schema(request=None, public=True)["paths"]["/api/v1/instruments/{id}/"]["patch"]
    documented = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert documented == "#/components/schemas/InstrumentDetail"


@pytest.mark.parametrize("field", ["category", "region"])
def test_a_code_with_a_null_character_is_a_field_error(api, field):
    manager = f.lab_manager()
    api.force_authenticate(manager)
    body = {"lab": manager.managed_labs.get().pk, "name_zh": "显微镜", "inner_id": "X", "category": "010100",
            "original_value": "1000.00"}  # fmt: skip
    response = api.post("/api/v1/instruments/", {**body, field: "01\x000100"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {field: ["Null characters are not allowed."]}
