"""The evaluation-round pages: a regulator creates, weighs, computes and publishes a round
through the forms alone; who may open and act on which round is what the REST API
allows; institution admins read their own published row in words; the results download
as CSV and XLSX; every page renders in both languages."""

import datetime as dt
import io
import re

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook

from accounts.models import User
from openness import scoring, services
from openness.models import EvaluationResult, EvaluationRound
from openness.periods import Period
from tests import factories as f
from tests.openness.pages_world import USERS, build

pytestmark = pytest.mark.django_db
ROUNDS = "/openness/rounds/"
MARCH = {"name": "2026年3月开放共享评价", "from": "2026-03-01", "to": "2026-04-01"}


@pytest.fixture
def world():
    return build()


@pytest.fixture
def users(world):
    made = {who: make(world) for who, make in USERS.items() if who != "start-up"}
    made["nanjing"] = f.regulator("320100", username="nanjing")
    made["nju admin"] = f.UserFactory(organization=world["nanjing"], role=User.Role.ORG_ADMIN, username="nju_admin")
    return made


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def as_user(client, user, language: str = "en"):
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    return client


def create(client, regulator, region: str, **changes) -> EvaluationRound:
    response = as_user(client, regulator).post(ROUNDS, {**MARCH, "region": region, **changes})
    assert response.status_code == 302, text(response)
    return EvaluationRound.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))


def computed(client, regulator, region: str = "320000", publish: bool = False, **changes) -> EvaluationRound:
    evaluation = create(client, regulator, region, **changes)
    client.post(f"{ROUNDS}{evaluation.pk}/compute/")
    if publish:
        client.post(f"{ROUNDS}{evaluation.pk}/publish/")
    evaluation.refresh_from_db()
    return evaluation


def weights(evaluation: EvaluationRound, **typed: str) -> dict[str, str]:
    """The edit form as a browser sends it, with the round's values, some changed."""
    data = {"name": evaluation.name}
    for key, spec in evaluation.config["indicators"].items():
        data[f"weight-{key}"] = str(spec["weight"])
        data[f"curve-{key}"] = "; ".join(f"{x}:{y}" for x, y in spec["curve"])
    for key in ("excellent", "good", "pass"):
        data[f"grade-{key}"] = evaluation.config["grades"][key]
    return {**data, **typed}


# Who may open and act on what


@pytest.mark.parametrize(
    ("who", "status"),
    [("province", 200), ("suzhou", 200), ("suda admin", 200), ("platform admin", 200), ("member", 403)],
)
def test_the_list_opens_for_those_the_api_lets_read_rounds(client, users, who, status):
    assert as_user(client, users[who]).get(ROUNDS).status_code == status


def test_anonymous_visitors_are_sent_to_log_in(client, users):
    evaluation = computed(client, users["province"], publish=True)
    client.logout()
    for url in (ROUNDS, f"{ROUNDS}{evaluation.pk}/", f"{ROUNDS}{evaluation.pk}/publish/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
    assert client.post(f"{ROUNDS}{evaluation.pk}/compute/").status_code == 302


def test_a_plain_member_gets_403_everywhere(client, users):
    evaluation = computed(client, users["province"], publish=True)
    member = as_user(client, users["member"])
    assert member.get(f"{ROUNDS}{evaluation.pk}/").status_code == 403
    assert member.post(f"{ROUNDS}{evaluation.pk}/compute/").status_code == 403
    assert member.post(ROUNDS, {**MARCH, "region": "320000"}).status_code == 403


def test_a_city_regulator_neither_sees_nor_runs_another_citys_round(client, users):
    nanjing = create(client, users["nanjing"], "320100")
    suzhou = as_user(client, users["suzhou"])
    assert nanjing.name not in text(suzhou.get(ROUNDS))
    url = f"{ROUNDS}{nanjing.pk}/"
    assert suzhou.get(url).status_code == 404
    assert suzhou.get(url + "publish/").status_code == 404
    for action in ("compute/", "publish/", "weights/"):
        assert suzhou.post(url + action, weights(nanjing)).status_code == 404, action
    nanjing.refresh_from_db()
    assert nanjing.state == EvaluationRound.State.DRAFT and not nanjing.results.exists()
    # The province oversees both cities.
    assert as_user(client, users["province"]).get(url).status_code == 200


def test_a_city_regulator_creates_rounds_inside_their_city_only(client, users):
    suzhou = as_user(client, users["suzhou"])
    page = text(suzhou.get(ROUNDS))
    assert 'value="320500" selected' in page and 'value="320508"' in page
    assert 'value="320000"' not in page and 'value="320100"' not in page
    response = suzhou.post(ROUNDS, {**MARCH, "region": "320100"})
    assert response.status_code == 200 and 'class="errorlist"' in text(response)
    assert not EvaluationRound.objects.exists()
    assert create(client, users["suzhou"], "320508").region_id == "320508"
    march = Period(dt.date(2026, 3, 1), dt.date(2026, 4, 1))
    with pytest.raises(PermissionDenied):
        services.round_create(by=users["suzhou"], name="x", region=f.region("320000"), start=march.start, end=march.end)


def test_an_institution_admin_sees_only_their_row_of_published_rounds(client, users, world):
    evaluation = computed(client, users["province"])
    admin = as_user(client, users["suda admin"])
    url = f"{ROUNDS}{evaluation.pk}/"
    assert admin.get(url).status_code == 404  # not published yet
    assert evaluation.name not in text(admin.get(ROUNDS))
    as_user(client, users["province"]).post(url + "publish/")
    admin = as_user(client, users["suda admin"])
    assert evaluation.name in text(admin.get(ROUNDS))
    page = text(admin.get(url))
    suda = EvaluationResult.objects.get(round=evaluation, institution=world["suzhou"])
    assert "Soochow University" in page and "Nanjing University" not in page
    assert f"Total: <strong>{suda.total}</strong> of 100" in page
    assert "which gives" in page and "adds" in page  # the inputs in words
    for action in ("compute/", "publish/", "weights/"):  # nothing to act on
        assert f'href="{url}{action}"' not in page and f'action="{url}{action}' not in page, action
    csv = admin.get(url, {"download": "results.csv"}).content.decode("utf-8-sig")
    assert "suda" in csv and "nju" not in csv
    assert admin.post(url + "compute/").status_code == 403
    assert admin.get(url + "publish/").status_code == 403
    assert admin.post(ROUNDS, {**MARCH, "region": "320000"}).status_code == 403
    assert 'id="new"' not in text(admin.get(ROUNDS))
    other = text(as_user(client, users["nju admin"]).get(url))
    assert "Nanjing University" in other and "Soochow University" not in other


# The regulator's story, through the forms


def test_create_weigh_compute_and_publish_through_the_forms(client, users, world):
    province = as_user(client, users["province"])
    response = province.post(ROUNDS, {**MARCH, "region": "320000"}, follow=True)
    evaluation = EvaluationRound.objects.get()
    assert (evaluation.region_id, evaluation.state) == ("320000", "draft")
    assert evaluation.config == scoring.DEFAULT_CONFIG
    page = text(response)
    assert "These are default weights, not official ones." in page and "not published" in page
    assert "may change any weight" in page and 'id="edit"' in page
    url = f"{ROUNDS}{evaluation.pk}/"

    # One invalid value: the form comes back with the service's message beside it.
    response = province.post(url + "weights/", weights(evaluation, **{"weight-sharing_rate": "-5"}))
    assert response.status_code == 200
    page = text(response)
    message = str(scoring.BAD_WEIGHT % {"key": "sharing_rate"})
    assert message.replace("'", "&#x27;") in page or message in page
    assert 'value="-5"' in page  # what was typed is kept
    evaluation.refresh_from_db()
    assert evaluation.config == scoring.DEFAULT_CONFIG

    response = province.post(url + "weights/", weights(evaluation, **{"curve-utilization": "0:0; 0.5:abc"}))
    assert str(scoring.BAD_CURVE % {"key": "utilization"}) in response.content.decode().replace("&#x27;", "'")

    # Valid: saved, and the page says the weights were changed.
    changed = weights(evaluation, **{"weight-sharing_rate": "30", "curve-sharing_rate": "0:0；0.1：50; 0.3:100"})
    response = province.post(url + "weights/", changed, follow=True)
    evaluation.refresh_from_db()
    spec = evaluation.config["indicators"]["sharing_rate"]
    assert spec == {"weight": 30, "curve": [["0", "0"], ["0.1", "50"], ["0.3", "100"]]}
    assert "changed the default weights" in text(response)

    response = province.post(url + "compute/", follow=True)
    evaluation.refresh_from_db()
    assert evaluation.state == "computed" and evaluation.results.count() == 2
    page = text(response)
    assert "Computed: 2 institutions scored" in page
    for result in evaluation.results.all():
        assert str(result.total) in page and result.institution.code in page

    confirm = text(province.get(url + "publish/"))
    assert "A published round is frozen." in confirm and "never change again" in confirm
    assert EvaluationRound.objects.get().state == "computed"  # looking does not publish
    response = province.post(url + "publish/", follow=True)
    assert EvaluationRound.objects.get().state == "published" and "Published." in text(response)

    # Draft-only actions on a published round: a message, nothing changes.
    frozen = list(EvaluationResult.objects.values_list("institution_id", "total"))
    for action, data in (("weights/", changed), ("compute/", {}), ("publish/", {})):
        response = province.post(url + action, data, follow=True)
        assert response.status_code == 200, action
        assert str(services.ROUND_PUBLISHED) in text(response).replace("&#x27;", "'"), action
    assert list(EvaluationResult.objects.values_list("institution_id", "total")) == frozen
    page = text(province.get(url))
    assert 'id="edit"' not in page and "published and frozen" in page


def test_publishing_an_uncomputed_round_is_refused_with_a_message(client, users):
    evaluation = create(client, users["province"], "320000")
    response = client.get(f"{ROUNDS}{evaluation.pk}/publish/", follow=True)
    assert str(services.ROUND_NOT_COMPUTED) in text(response)
    response = client.post(f"{ROUNDS}{evaluation.pk}/publish/", follow=True)
    assert response.status_code == 200 and str(services.ROUND_NOT_COMPUTED) in text(response)
    assert EvaluationRound.objects.get().state == "draft"


def test_the_next_round_shows_the_previous_total_and_the_change(client, users, world):
    march = computed(client, users["province"], publish=True)
    april = computed(client, users["province"], name="2026年4月", **{"from": "2026-04-01", "to": "2026-05-01"})
    assert april.previous_id == march.pk
    page = text(client.get(f"{ROUNDS}{april.pk}/"))
    before = march.results.get(institution=world["suzhou"])
    now = april.results.get(institution=world["suzhou"])
    assert f'href="{ROUNDS}{march.pk}/"' in page
    assert str(before.total) in page and f"{now.total - before.total:+}" in page


# Downloads and languages


def test_the_results_download_as_csv_and_xlsx(client, users, world):
    evaluation = computed(client, users["province"])
    url = f"{ROUNDS}{evaluation.pk}/"
    response = client.get(url, {"download": "results.csv"})
    assert response["Content-Disposition"] == f'attachment; filename="evaluation-{evaluation.pk}-results.csv"'
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Code,Institution,Total (0–100),Grade")
    for result in evaluation.results.all():
        assert any(line.startswith(f"{result.institution.code},") and str(result.total) in line for line in lines)
    book = load_workbook(io.BytesIO(client.get(url, {"download": "results.xlsx"}).content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 3 and {row[0] for row in rows[1:]} == {"suda", "nju"}
    assert "official weights" in str(list(book["About"].iter_rows(values_only=True)))
    assert client.get(url, {"download": "other.csv"}).status_code == 404


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_pages_render_in_both_languages(client, users, world, language):
    evaluation = computed(client, users["province"])
    province = as_user(client, users["province"], language)
    region = "Jiangsu" if language == "en" else "江苏省"
    for url in (ROUNDS, f"{ROUNDS}{evaluation.pk}/", f"{ROUNDS}{evaluation.pk}/publish/"):
        response = province.get(url)
        assert response.status_code == 200, url
        page = text(response)
        assert f'<html lang="{language}">' in page and evaluation.name in page and region in page, url
        assert "2026-03-01 – 2026-03-31" in page, url
    page = text(province.get(f"{ROUNDS}{evaluation.pk}/"))
    assert 'data-table="results"' in page and 'name="weight-sharing_rate"' in page
    for result in evaluation.results.all():
        assert str(result.total) in page
    assert str(scoring.GRADES["excellent"]) in page or "优秀" in page


def test_the_dashboards_link_to_the_rounds(client, users):
    assert f'href="{ROUNDS}"' in text(as_user(client, users["province"]).get("/openness/"))
    assert f'href="{ROUNDS}"' in text(as_user(client, users["suda admin"]).get("/openness/", follow=True))
