"""Evaluation rounds: a regulator creates a round of their region with the default
weights, edits them while a draft, computes and publishes; a published round is frozen,
and the next round reports the change per institution. Over REST, by role."""

import copy
import datetime as dt
from fractions import Fraction

import pytest

from accounts.models import User
from openness import scoring
from openness.models import EvaluationRound, Flag
from openness.serializers import rounded
from tests import factories as f
from tests.openness.flag_stories import at, detect, reporting, run

pytestmark = pytest.mark.django_db
ROUNDS = "/api/v1/openness/rounds/"
MARCH = {"name": "2026年3月开放共享评价", "from": "2026-03-01", "to": "2026-04-01"}


@pytest.fixture(autouse=True)
def _round_reference(settings):
    settings.OPENNESS_REFERENCE_HOURS_GENERAL = 365  # March's reference: 31 h


@pytest.fixture
def world():
    """Suzhou University's instrument ran 10 h in March, 4 h of it for an outside start-up;
    Nanjing's instrument has no gateway."""
    suzhou = f.OrganizationFactory(code="suda", region=f.region("320508"))
    nanjing = f.OrganizationFactory(code="nju", region=f.region("320104"))
    su = reporting(lab=f.LabFactory(institution=suzhou), code="su-1")
    start, _end = run(10, su, start=at(10, 8))
    f.ReservationFactory(instrument=su, start=start, end=start + dt.timedelta(hours=4))
    f.InstrumentFactory(lab=f.LabFactory(institution=nanjing), code="nj-1")
    return {"suzhou": suzhou, "nanjing": nanjing, "su": su}


def as_user(api, user):
    api.force_authenticate(user)
    api.credentials(HTTP_ACCEPT_LANGUAGE="en")  # the messages checked below are the English ones
    return api


def create(api, regulator, **changes):
    response = as_user(api, regulator).post(ROUNDS, {**MARCH, **changes}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def results(api, round_id) -> dict[str, dict]:
    response = api.get(f"{ROUNDS}{round_id}/results/")
    assert response.status_code == 200, response.content
    return {row["institution"]: row for row in response.json()["results"]}


def test_a_round_starts_as_a_draft_of_the_regulators_region_with_default_weights(api, world):
    body = create(api, f.regulator("320500"))
    assert (body["region"], body["state"], body["config_is_default"]) == ("320500", "draft", True)
    assert body["config"] == scoring.DEFAULT_CONFIG and "not public" in body["note"]
    assert body["indicators"]["sharing_rate"]["group"] == "sharing"


def test_computing_scores_each_institution_of_the_region_from_its_figures(api, world):
    body = create(api, f.regulator("320500"))
    assert api.post(f"{ROUNDS}{body['id']}/compute/").json()["state"] == "computed"
    rows = results(api, body["id"])
    assert set(rows) == {"suda"}  # Nanjing is outside Suzhou
    inputs = rows["suda"]["inputs"]["indicators"]
    assert inputs["utilization"] == "0.3226"  # 10 h of 31
    assert (inputs["sharing_rate"], inputs["external_hours"], inputs["serving_share"]) == ("0.4000", "47.10", "1.0000")
    assert (inputs["telemetry_coverage"], inputs["no_show_rate"], inputs["unresolved_flags"]) == (
        "1.0000",
        "0.0000",
        "0.0000",
    )
    assert rows["suda"]["inputs"]["facts"]["effective_hours"] == "10.00"
    # The stored inputs reproduce the stored total.
    exact = {k: None if v is None else Fraction(v) for k, v in inputs.items()}
    total = scoring.score(config=scoring.DEFAULT_CONFIG, inputs=exact).total
    assert rows["suda"]["total"] == str(rounded(total, 2)) == "76.29" and rows["suda"]["grade"] == "good"


def test_unresolved_flags_count_against_the_institution(api, world):
    regulator = f.regulator("320000")
    detect()
    body = create(api, regulator)
    api.post(f"{ROUNDS}{body['id']}/compute/")
    rows = results(api, body["id"])
    assert Flag.objects.filter(instrument__institution=world["nanjing"]).get().kind == "gateway"
    assert rows["nju"]["inputs"]["indicators"]["unresolved_flags"] == "1.0000"
    assert rows["suda"]["inputs"]["indicators"]["unresolved_flags"] == "0.0000"
    Flag.objects.update(state=Flag.State.CLOSED)  # closed flags no longer count
    api.post(f"{ROUNDS}{body['id']}/compute/")
    assert results(api, body["id"])["nju"]["inputs"]["indicators"]["unresolved_flags"] == "0.0000"


def test_a_regulator_edits_weights_while_a_draft_and_they_change_the_total(api, world):
    regulator = f.regulator("320500")
    body = create(api, regulator)
    url = f"{ROUNDS}{body['id']}/"
    api.post(url + "compute/")
    before = results(api, body["id"])["suda"]["total"]
    config = copy.deepcopy(scoring.DEFAULT_CONFIG)
    for key, spec in config["indicators"].items():
        spec["weight"] = 1 if key == "sharing_rate" else 0
    response = api.patch(url, {"config": config}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "draft"  # old results voided
    assert not response.json()["config_is_default"] and results(api, body["id"]) == {}
    api.post(url + "compute/")
    after = results(api, body["id"])["suda"]
    assert after["total"] != before and after["total"] == "100.00"  # a sharing rate of 0.4 is above 0.3
    assert api.patch(url, {"config": {"indicators": {}}}, format="json").json()["config"]


def test_a_published_round_is_frozen_and_later_events_do_not_change_it(api, world):
    regulator = f.regulator("320500")
    body = create(api, regulator)
    url = f"{ROUNDS}{body['id']}/"
    assert api.post(url + "publish/").status_code == 400  # not computed yet
    api.post(url + "compute/")
    assert api.post(url + "publish/").json()["state"] == "published"
    frozen = results(api, body["id"])
    run(20, world["su"], start=at(20))  # a late upload of March's events
    detect()
    assert results(api, body["id"]) == frozen
    for response in (api.post(url + "compute/"), api.patch(url, {"name": "改名"}, format="json")):
        assert response.status_code == 400 and response.json()["state"]


def test_the_next_round_reports_the_change_since_the_previous_published_one(api, world):
    regulator = f.regulator("320500")
    march = create(api, regulator)
    api.post(f"{ROUNDS}{march['id']}/compute/")
    api.post(f"{ROUNDS}{march['id']}/publish/")
    march_total = results(api, march["id"])["suda"]["total"]
    april = create(api, regulator, name="2026年4月", **{"from": "2026-04-01", "to": "2026-05-01"})
    api.post(f"{ROUNDS}{april['id']}/compute/")
    row = results(api, april["id"])["suda"]
    assert row["previous_total"] == march_total and row["previous_grade"] == "good"
    assert Fraction(row["change"]) == Fraction(row["total"]) - Fraction(march_total)
    assert api.get(f"{ROUNDS}{april['id']}/").json()["previous"] == march["id"]
    assert results(api, march["id"])["suda"]["change"] is None


CREATORS = {
    "suzhou city regulator": (lambda w: f.regulator("320500"), 201),
    "institution admin": (lambda w: f.UserFactory(organization=w["suzhou"], role=User.Role.ORG_ADMIN), 403),
    "platform admin": (lambda w: f.platform_admin(), 403),
    "member": (lambda w: f.UserFactory(organization=w["suzhou"]), 403),
    "anonymous": (lambda w: None, 401),
}  # fmt: skip


@pytest.mark.parametrize("who", list(CREATORS))
def test_only_regulators_create_rounds(api, world, who):
    make, expected = CREATORS[who]
    user = make(world)
    if user is not None:
        api.force_authenticate(user)
    assert api.post(ROUNDS, MARCH, format="json").status_code == expected


def test_who_sees_and_runs_a_suzhou_round(api, world):
    body = create(api, f.regulator("320500"))
    url = f"{ROUNDS}{body['id']}/"
    nanjing = as_user(api, f.regulator("320100"))
    assert nanjing.get(url).status_code == 404 and nanjing.post(url + "compute/").status_code == 404
    assert nanjing.get(ROUNDS).json()["results"] == []
    province = as_user(api, f.regulator("320000"))
    assert province.post(url + "compute/").status_code == 200
    admin = as_user(api, f.UserFactory(organization=world["suzhou"], role=User.Role.ORG_ADMIN))
    assert admin.get(url).status_code == 404  # not published yet
    as_user(api, f.regulator("320500")).post(url + "publish/")
    admin = as_user(api, f.UserFactory(organization=world["suzhou"], role=User.Role.ORG_ADMIN))
    assert admin.get(url).status_code == 200 and set(results(admin, body["id"])) == {"suda"}
    assert admin.post(url + "compute/").status_code == 403
    other = as_user(api, f.UserFactory(organization=world["nanjing"], role=User.Role.ORG_ADMIN))
    assert other.get(url).status_code == 404
    assert as_user(api, f.platform_admin()).get(url).status_code == 200


def test_a_bad_round_request_gets_400_naming_the_field(api, world):
    api.force_authenticate(f.regulator("320500"))
    assert "to" in api.post(ROUNDS, {"name": "x", "from": "2026-03-01"}, format="json").json()
    assert "name" in api.post(ROUNDS, {"from": "2026-03-01", "to": "2026-04-01"}, format="json").json()
    assert "to" in api.post(ROUNDS, {**MARCH, "to": "2026-02-01"}, format="json").json()


def test_the_defaults_are_served_labelled_as_defaults(api, world):
    body = as_user(api, f.regulator("320500")).get(ROUNDS + "defaults/").json()
    assert body["config"] == scoring.DEFAULT_CONFIG and body["note"]
    assert EvaluationRound.objects.count() == 0


def test_the_endpoints_are_in_the_openapi_schema(api):
    paths = set(api.get("/api/schema/?format=json").json()["paths"])
    assert {ROUNDS, ROUNDS + "{id}/", ROUNDS + "{id}/compute/", ROUNDS + "{id}/publish/",
            ROUNDS + "{id}/results/"} <= paths  # fmt: skip
