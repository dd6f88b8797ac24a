"""Credit over REST: /api/v1/credit-marks/ (list, lift) and the requester's record on
reservations for the managers deciding."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from booking.credit import LIFT_REASON_REQUIRED
from booking.models import CreditMark
from tests import factories as f
from tests.booking.helpers import at, book

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
MARKS = "/api/v1/credit-marks/"


@pytest.fixture(autouse=True)
def _thresholds(settings):
    settings.CREDIT_APPROVAL_MARKS = 2
    settings.CREDIT_SUSPEND_MARKS = 4


@pytest.fixture
def startup():
    return f.UserFactory(organization=f.OrganizationFactory(kind="enterprise"))


@pytest.fixture
def world(startup):
    colleague = f.UserFactory(organization=startup.organization)
    return {
        "own": f.CreditMarkFactory(user=startup, reference="MINE"),
        "colleague": f.CreditMarkFactory(user=colleague, reference="COLLEAGUE"),
        "elsewhere": f.CreditMarkFactory(reference="ELSEWHERE"),
    }


def person(who, startup):
    return {
        "member": lambda: startup, "other_org_admin": f.org_admin, "lab_manager": f.lab_manager,
        "org_admin": lambda: f.org_admin(startup.organization), "platform_admin": f.platform_admin,
    }[who]()  # fmt: skip


def test_anonymous_callers_get_401(api, world):
    assert api.get(MARKS).status_code == 401
    assert api.post(f"{MARKS}{world['own'].pk}/lift/", {"reason": "x"}, format="json").status_code == 401
    assert not CreditMark.objects.filter(lifted_at__isnull=False).exists()


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("member", {"MINE"}),
        ("other_org_admin", set()),
        ("lab_manager", set()),
        ("org_admin", {"MINE", "COLLEAGUE"}),
        ("platform_admin", {"MINE", "COLLEAGUE", "ELSEWHERE"}),
    ],
)
def test_the_list_holds_the_marks_you_may_see(api, startup, world, who, sees):
    api.force_authenticate(person(who, startup))
    body = api.get(MARKS, **EN).json()
    assert {m["reference"] for m in body["results"]} == sees


def test_a_mark_says_what_it_is_and_whether_you_may_lift_it(api, startup, world):
    api.force_authenticate(f.org_admin(startup.organization))
    body = api.get(f"{MARKS}{world['own'].pk}/", **EN).json()
    assert body["kind"] == "no_show" and body["user"] == startup.username
    assert body["organization"] == startup.organization.code and body["can_lift"] is True
    api.force_authenticate(startup)
    assert api.get(f"{MARKS}{world['own'].pk}/", **EN).json()["can_lift"] is False


@pytest.mark.parametrize(
    ("who", "status"),
    [("member", 403), ("other_org_admin", 404), ("lab_manager", 404), ("org_admin", 200), ("platform_admin", 200)],
)
def test_lifting_over_rest(api, startup, world, who, status):
    api.force_authenticate(person(who, startup))
    response = api.post(f"{MARKS}{world['own'].pk}/lift/", {"reason": "银行延误"}, format="json", **EN)
    assert response.status_code == status, response.content
    world["own"].refresh_from_db()
    assert (world["own"].lifted_at is not None) == (status == 200)
    if status == 200:
        assert response.json()["lift_reason"] == "银行延误" and response.json()["can_lift"] is False


@pytest.mark.parametrize("body", [{}, {"reason": ""}])
def test_lifting_without_a_reason_is_400_and_writes_nothing(api, startup, world, body):
    api.force_authenticate(f.org_admin(startup.organization))
    response = api.post(f"{MARKS}{world['own'].pk}/lift/", body, format="json", **EN)
    assert response.status_code == 400
    assert response.json() == {"reason": [str(LIFT_REASON_REQUIRED)]}
    assert not CreditMark.objects.filter(lifted_at__isnull=False).exists()


def test_lifting_twice_is_400(api, startup, world):
    api.force_authenticate(f.org_admin(startup.organization))
    api.post(f"{MARKS}{world['own'].pk}/lift/", {"reason": "一"}, format="json")
    response = api.post(f"{MARKS}{world['own'].pk}/lift/", {"reason": "二"}, format="json", **EN)
    assert response.status_code == 400 and response.json() == {
        "non_field_errors": ["This mark has been lifted already."]
    }


# The requester's record on reservations


def test_lab_managers_see_the_requesters_record_and_nobody_else_does(api, startup):
    instrument = f.bookable()
    now = timezone.now()
    for n in range(2):
        f.CreditMarkFactory(user=startup, kind="late_cancel", at=now - dt.timedelta(days=n + 1))
    reservation = book(instrument, requester=startup)
    api.force_authenticate(f.lab_manager(instrument.lab))
    record = api.get(f"/api/v1/reservations/{reservation.pk}/").json()["requester_record"]
    assert record["state"] == "approval_needed" and record["ends"]
    assert record["marks"] == {"no_show": 0, "late_cancel": 2, "overdue": 0, "total": 2}
    assert record["organization_marks"]["total"] == 2
    for other in (startup, f.regulator()):
        api.force_authenticate(other)
        assert api.get(f"/api/v1/reservations/{reservation.pk}/").json()["requester_record"] is None


def test_the_reservation_list_reads_credit_marks_once(api):
    instrument = f.bookable()
    api.force_authenticate(f.lab_manager(instrument.lab))
    for hour in (8, 10, 12, 14):
        book(instrument, start=at(2, hour))
    with CaptureQueriesContext(connection) as queries:
        body = api.get("/api/v1/reservations/").json()
    assert [r["requester_record"]["state"] for r in body["results"]] == ["good"] * 4
    assert sum("booking_creditmark" in q["sql"] for q in queries.captured_queries) == 1
