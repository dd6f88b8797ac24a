"""Searching, filtering and paging the public catalog, in the browser pages and the API."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Organization
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    """Instruments spread over two cities, two institutions and several classes."""
    nju = f.OrganizationFactory(code="NJU", region=f.region("320106"))
    suda = f.OrganizationFactory(code="SUDA", region=f.region("320508"))
    nju_lab, suda_lab = f.LabFactory(institution=nju), f.LabFactory(institution=suda)
    return {
        "sem": f.InstrumentFactory(lab=nju_lab, name_zh="扫描电镜", name_en="SEM", manufacturer="Zeiss",
                                   category_id="010100", original_value=Decimal("2000000")),
        "tem": f.InstrumentFactory(lab=nju_lab, name_zh="透射电镜", name_en="TEM", manufacturer="JEOL",
                                   category_id="010100", original_value=Decimal("8000000"), status="repair"),
        "hplc": f.InstrumentFactory(lab=suda_lab, name_zh="液相色谱仪", name_en="HPLC", manufacturer="Waters",
                                    category_id="010500", original_value=Decimal("450000")),
        "vna": f.InstrumentFactory(lab=suda_lab, name_zh="矢量网络分析仪", name_en="Vector network analyzer",
                                   manufacturer="Keysight", category_id="040200", original_value=Decimal("1500000")),
    }  # fmt: skip


def api_codes(api, **params) -> set[str]:
    response = api.get("/api/v1/instruments/", params)
    assert response.status_code == 200, response.content
    return {row["code"] for row in response.json()["results"]}


def page_codes(client, **params) -> set[str]:
    response = client.get(reverse("instruments:catalog"), params)
    assert response.status_code == 200
    return {i.code for i in response.context["page"]}


FILTERS = [
    ({"q": "电镜"}, {"sem", "tem"}),
    ({"q": "zeiss"}, {"sem"}),
    ({"q": "vector analyzer"}, {"vna"}),
    ({"category": "010000"}, {"sem", "tem", "hplc"}),  # a top class includes its subclasses
    ({"category": "010500"}, {"hplc"}),
    ({"region": "320500"}, {"hplc", "vna"}),  # a city includes its districts
    ({"region": "320000"}, {"sem", "tem", "hplc", "vna"}),
    ({"institution": "NJU"}, {"sem", "tem"}),
    ({"value_min": "1000000", "value_max": "3000000"}, {"sem", "vna"}),
    ({"status": "repair"}, {"tem"}),
    ({"in_scope": "true"}, {"sem", "tem", "vna"}),
    ({"in_scope": "false"}, {"hplc"}),
    ({"q": "电镜", "status": "normal", "region": "320100"}, {"sem"}),
]


@pytest.mark.parametrize(("params", "expected"), FILTERS)
def test_filters_give_the_same_answer_in_the_api_and_the_pages(api, client, catalog, params, expected):
    wanted = {catalog[name].code for name in expected}
    assert api_codes(api, **params) == wanted
    assert page_codes(client, **params) == wanted


def test_openness_threshold_is_a_setting(api, catalog, settings):
    settings.OPENNESS_THRESHOLD_CNY = Decimal("300000")  # Zhejiang's threshold
    assert catalog["hplc"].code in api_codes(api, in_scope="true")


def test_api_pages_through_results(api, catalog):
    first = api.get("/api/v1/instruments/", {"page_size": 3, "ordering": "value"}).json()
    assert first["count"] == 4 and len(first["results"]) == 3 and first["next"]
    second = api.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["previous"]
    values = [Decimal(r["original_value"]) for r in first["results"] + second["results"]]
    assert values == sorted(values)


def test_pages_keep_the_filters_while_paging(client):
    lab = f.LabFactory()
    for n in range(15):
        f.InstrumentFactory(lab=lab, name_zh=f"光谱仪{n}")
    f.InstrumentFactory(lab=lab, name_zh="别的仪器")
    response = client.get(reverse("instruments:catalog"), {"q": "光谱"})
    assert response.context["total"] == 15
    assert len(response.context["page"]) == 12
    assert 'href="?q=%E5%85%89%E8%B0%B1&amp;page=2"' in response.content.decode()
    second = client.get(reverse("instruments:catalog"), {"q": "光谱", "page": 2})
    assert len(second.context["page"]) == 3


def test_bad_filter_values_get_field_errors(api):
    response = api.get("/api/v1/instruments/", {"value_min": "lots", "status": "broken", "region": "999999"})
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"value_min", "status", "region"}


def test_detail_shows_the_record_and_contact(client, catalog):
    sem = catalog["sem"]
    sem.contact, sem.phone, sem.requirement = "张老师", "025-83590001", "提前三天预约"
    sem.save()
    page = client.get(reverse("instruments:detail", args=[sem.code])).content.decode()
    for text in ("扫描电镜", "张老师", "025-83590001", "提前三天预约", sem.inner_id, "2,000,000.00"):
        assert text in page


def test_api_detail_has_every_record_field(api, catalog):
    body = api.get(f"/api/v1/instruments/{catalog['sem'].pk}/").json()
    for field in ("name_zh", "name_en", "inner_id", "category", "model", "manufacturer", "country",
                  "in_service_date", "original_value", "technical", "function", "subject", "service_content",
                  "requirement", "fee", "share_mode", "status", "region", "address", "contact", "phone", "email",
                  "photos", "in_scope", "institution", "lab"):  # fmt: skip
        assert field in body
    assert body["original_value"] == "2000000.00"  # exact decimal, as a string
    assert body["institution"]["code"] == "NJU"


def test_unknown_instrument_is_404(client, api, db):
    assert client.get(reverse("instruments:detail", args=["nope"])).status_code == 404
    assert api.get("/api/v1/instruments/999999/").status_code == 404


def test_institution_filter_lists_only_owners(db):
    from instruments.filters import InstrumentFilter

    f.OrganizationFactory(kind=Organization.Kind.REGULATOR, code="REG")
    choices = {o.code for o in InstrumentFilter().form.fields["institution"].queryset}
    assert "REG" not in choices
