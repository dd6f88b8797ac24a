"""The flags REST doors: who sees which flags (the role matrix), filters, the CSV export,
explaining and closing, and the `flags` field of the openness instruments endpoint."""

import csv
import io

import pytest

from accounts.models import User
from instruments.models import Instrument
from openness.models import Flag
from tests import factories as f
from tests.openness.flag_stories import detect

pytestmark = pytest.mark.django_db
FLAGS = "/api/v1/openness/flags/"


@pytest.fixture
def world():
    """A Suzhou instrument marked not shared and a Nanjing one; neither has a gateway."""
    suzhou = f.OrganizationFactory(code="suda", region=f.region("320508"))
    nanjing = f.OrganizationFactory(code="nju", region=f.region("320104"))
    su_lab = f.LabFactory(institution=suzhou)
    su = f.InstrumentFactory(lab=su_lab, code="su-1", share_mode=Instrument.ShareMode.NONE)
    nj = f.InstrumentFactory(lab=f.LabFactory(institution=nanjing), code="nj-1")
    detect()
    return {"suzhou": suzhou, "nanjing": nanjing, "su_lab": su_lab, "su": su, "nj": nj}


USERS = {
    "suzhou city regulator": (lambda w: f.regulator("320500"), {"su-1"}),
    "province regulator": (lambda w: f.regulator("320000"), {"su-1", "nj-1"}),
    "nanjing city regulator": (lambda w: f.regulator("320100"), {"nj-1"}),
    "suzhou institution admin": (lambda w: f.UserFactory(organization=w["suzhou"], role=User.Role.ORG_ADMIN), {"su-1"}),
    "platform admin (read only)": (lambda w: f.platform_admin(), {"su-1", "nj-1"}),
    "member of the institution": (lambda w: f.UserFactory(organization=w["suzhou"]), 403),
    "lab manager": (lambda w: f.lab_manager(w["su_lab"]), 403),
    "start-up": (lambda w: f.UserFactory(organization=f.OrganizationFactory(kind="enterprise")), 403),
    "anonymous": (lambda w: None, 401),
}  # fmt: skip


def get(api, user, url=FLAGS, **params):
    if user is not None:
        api.force_authenticate(user)
    return api.get(url, params, HTTP_ACCEPT_LANGUAGE="en")


@pytest.mark.parametrize("who", list(USERS))
def test_each_role_sees_exactly_its_flags(api, world, who):
    make, expected = USERS[who]
    user = make(world)
    response = get(api, user)
    if isinstance(expected, int):
        assert response.status_code == expected and response.json()["detail"]
        assert get(api, user, FLAGS + "export/").status_code == expected
        return
    assert response.status_code == 200, response.content
    assert {row["instrument"] for row in response.json()["results"]} == expected
    export = get(api, user, FLAGS + "export/")
    assert {row["instrument"] for row in csv.DictReader(io.StringIO(export.content.decode("utf-8-sig")))} == expected


def test_a_flag_outside_ones_scope_is_not_found(api, world):
    flag = world["nj"].flags.first()
    assert get(api, f.regulator("320500"), f"{FLAGS}{flag.pk}/").status_code == 404
    response = api.post(f"{FLAGS}{flag.pk}/close/", {"note": "越权"}, format="json")
    assert response.status_code == 404 and Flag.objects.get(pk=flag.pk).state == "open"


def test_filters_narrow_the_flags(api, world):
    regulator = f.regulator("320000")
    kinds = lambda **p: {(r["instrument"], r["kind"]) for r in get(api, regulator, **p).json()["results"]}  # noqa: E731
    assert kinds(kind="not_shared") == {("su-1", "not_shared")}
    assert kinds(institution="nju") == {("nj-1", "gateway")}
    assert kinds(region="320100") == {("nj-1", "gateway")}
    assert kinds(**{"from": "2026-04-01", "to": "2026-05-01"}) == set()
    assert len(kinds(**{"from": "2026-03-31", "to": "2026-04-01"})) == 3
    world["su"].flags.filter(kind="gateway").update(state="closed")
    assert kinds(state="closed") == {("su-1", "gateway")}


def test_a_city_regulator_cannot_filter_on_another_city(api, world):
    response = get(api, f.regulator("320500"), region="320100")
    assert response.status_code == 403 and "320500" in response.json()["detail"]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"kind": "weird"}, "kind"), ({"state": "x"}, "state"), ({"region": "999999"}, "region"),
     ({"from": "2026-03-01"}, "to")],
)  # fmt: skip
def test_a_bad_filter_gets_400_naming_the_field(api, world, params, field):
    response = get(api, f.regulator("320000"), **params)
    assert response.status_code == 400 and response.json()[field][0]


def test_the_flag_carries_its_evidence_and_labels(api, world):
    (row,) = get(api, f.regulator("320000"), kind="not_shared").json()["results"]
    assert row["state"] == "open" and row["institution"] == "suda" and row["region"] == "320508"
    assert row["evidence"]["numbers"]["share_mode"] == "none" and row["kind_label"]


def test_explaining_and_closing_over_rest(api, world):
    flag = world["su"].flags.get(kind="not_shared")
    url = f"{FLAGS}{flag.pk}/"
    admin = f.UserFactory(organization=world["suzhou"], role=User.Role.ORG_ADMIN)
    api.force_authenticate(admin)
    assert api.post(url + "close/", {"note": "自行关闭"}, format="json").status_code == 403
    response = api.post(url + "explain/", {"note": ""}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and response.json()["note"]
    response = api.post(url + "explain/", {"note": "该设备用于涉密项目"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "explained"
    api.force_authenticate(f.regulator("320000"))
    assert api.post(url + "explain/", {"note": "x"}, format="json").status_code == 403
    response = api.post(url + "close/", {"note": "情况属实"}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["state"], response.json()["closing_note"]) == ("closed", "情况属实")


def test_the_platform_admin_reads_but_does_not_act(api, world):
    flag = world["su"].flags.get(kind="not_shared")
    api.force_authenticate(f.platform_admin())
    assert api.post(f"{FLAGS}{flag.pk}/close/", {"note": "x"}, format="json").status_code == 403


def test_the_csv_neutralises_formulas_in_notes(api, world):
    flag = world["su"].flags.get(kind="not_shared")
    Flag.objects.filter(pk=flag.pk).update(explanation="=HYPERLINK(1)")
    export = get(api, f.regulator("320000"), FLAGS + "export/", kind="not_shared")
    (row,) = csv.DictReader(io.StringIO(export.content.decode("utf-8-sig")))
    assert row["explanation"] == "'=HYPERLINK(1)" and "share_mode=none" in row["numbers"]


def test_the_instruments_endpoint_lists_unresolved_flag_kinds(api, world):
    api.force_authenticate(f.regulator("320000"))
    rows = lambda **p: {r["code"]: r["flags"] for r in api.get("/api/v1/openness/instruments/", p).json()["results"]}  # noqa: E731
    assert rows(**{"from": "2026-03-01", "to": "2026-04-01"}) == {
        "su-1": ["gateway", "not_shared"],
        "nj-1": ["gateway"],
    }
    assert rows(**{"from": "2026-04-01", "to": "2026-05-01"}) == {"su-1": [], "nj-1": []}
    world["su"].flags.filter(kind="gateway").update(state="closed")
    assert rows(**{"from": "2026-03-01", "to": "2026-04-01"})["su-1"] == ["not_shared"]


def test_the_endpoints_are_in_the_openapi_schema(api):
    paths = set(api.get("/api/schema/?format=json").json()["paths"])
    assert {FLAGS, FLAGS + "export/", FLAGS + "{id}/explain/", FLAGS + "{id}/close/"} <= paths


def test_the_admin_shows_flags_and_rounds_read_only(client, world):
    client.force_login(f.platform_admin())
    assert client.get("/admin/openness/flag/").status_code == 200
    flag = world["su"].flags.first()
    page = client.get(f"/admin/openness/flag/{flag.pk}/change/")
    assert page.status_code == 200 and b'type="submit"' not in page.content.split(b"<form")[-1]
    assert client.get("/admin/openness/evaluationround/").status_code == 200
    assert client.get("/admin/openness/flag/add/").status_code == 403
