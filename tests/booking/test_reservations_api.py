"""The REST doors of booking: every rule, every role, the error format."""

import datetime as dt

import pytest

from booking.models import Reservation
from booking.policies import closure_add
from tests import factories as f
from tests.booking.helpers import at, book

pytestmark = pytest.mark.django_db


@pytest.fixture
def instrument():
    return f.bookable(
        f.InstrumentFactory(lab=f.LabFactory(institution=f.OrganizationFactory(region=f.region("320508"))))
    )


@pytest.fixture
def startup():
    return f.UserFactory(organization=f.OrganizationFactory(kind="enterprise"))


def payload(instrument, start=None, end=None, **extra):
    start = start or at(2, 10)
    return {
        "instrument": instrument.pk,
        "start": start.isoformat(),
        "end": (end or start + dt.timedelta(hours=2)).isoformat(),
        "purpose": "材料表征",
        **extra,
    }


def post(api, user, data):
    api.force_authenticate(user)
    return api.post("/api/v1/reservations/", data, format="json", HTTP_ACCEPT_LANGUAGE="en")


def test_startup_books_and_sees_it_pending(api, instrument, startup):
    response = post(api, startup, payload(instrument, service_way="entrusted", sample_description="5 片硅片"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending" and body["is_external"] and body["service_way"] == "entrusted"
    assert body["history"][0]["to_status"] == "pending"
    assert api.get(f"/api/v1/reservations/{body['id']}/").json()["status"] == "pending"


def test_conflict_is_409_with_a_clear_message_and_writes_nothing(api, instrument, startup):
    book(instrument, start=at(2, 10), end=at(2, 12))
    response = post(api, startup, payload(instrument, start=at(2, 11)))
    assert response.status_code == 409
    assert "overlaps another booking" in response.json()["detail"]
    assert response.json()["conflicts"][0]["start"].startswith(at(2, 10).date().isoformat())
    assert Reservation.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"start": at(2, 12), "end": at(2, 10)}, "end"),
        ({"start": at(-1, 10), "end": at(-1, 11)}, "start"),
        ({"start": at(2, 6), "end": at(2, 7)}, "start"),  # before opening (08:00)
        ({"start": at(2, 10), "end": at(2, 19)}, "end"),  # longer than 480 minutes
        ({"start": at(2, 10), "end": at(2, 10, 15)}, "end"),  # shorter than 30 minutes
        ({"start": at(80, 10), "end": at(80, 11)}, "start"),  # beyond 60 days
        ({"start": at(2, 10, 10), "end": at(2, 11, 10)}, "start"),  # off the 30-minute grid
    ],
)
def test_breaking_a_rule_is_400_on_the_field(api, instrument, startup, change, field):
    response = post(api, startup, payload(instrument, **change))
    assert response.status_code == 400
    assert field in response.json()
    assert Reservation.objects.count() == 0


def test_blackout_is_400_naming_the_closure(api, instrument, startup):
    closure_add(policy=instrument.policy, by=None, start=at(2, 9), end=at(2, 17), reason="设备年检")
    response = post(api, startup, payload(instrument))
    assert response.status_code == 400
    assert "设备年检" in response.json()["start"][0]


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({}, {"instrument", "start", "end", "purpose"}),
        ({"instrument": 999999, "start": "2030-01-01T10:00+08:00", "end": "x", "purpose": "p"}, {"instrument", "end"}),
        (
            {"instrument": "abc", "start": "tomorrow", "end": "", "purpose": ""},
            {"instrument", "start", "end", "purpose"},
        ),
    ],
)
def test_malformed_requests_get_field_errors(api, startup, data, fields):
    response = post(api, startup, data)
    assert response.status_code == 400
    assert set(response.json()) == fields


def test_closed_instrument_is_400(api, startup):
    closed = f.bookable(f.InstrumentFactory(status="repair"))
    response = post(api, startup, payload(closed))
    assert response.status_code == 400 and "instrument" in response.json()


def test_not_allowed_to_book_is_400(api, startup):
    internal = f.bookable(who_may_book="institution")
    response = post(api, startup, payload(internal))
    assert response.status_code == 400 and "non_field_errors" in response.json()


def test_anonymous_cannot_book(api, instrument):
    assert api.post("/api/v1/reservations/", payload(instrument), format="json").status_code == 401


# --- who sees and does what ------------------------------------------------------------


def roles(instrument, requester):
    lab = instrument.lab
    return {
        "requester": requester,
        "lab manager": f.lab_manager(lab),
        "institution admin": f.UserFactory(organization=lab.institution, role="org_admin"),
        "regulator of the region": f.regulator("320500"),
        "province regulator": f.regulator("320000"),
        "regulator elsewhere": f.regulator("320100"),
        "manager of another lab": f.lab_manager(),
        "institution member": f.UserFactory(organization=lab.institution),
        "other start-up": f.UserFactory(organization=f.OrganizationFactory(kind="enterprise")),
        "platform admin": f.platform_admin(),
    }


SEES = {
    "requester",
    "lab manager",
    "institution admin",
    "regulator of the region",
    "province regulator",
    "platform admin",
}
DECIDES = {"lab manager", "institution admin", "platform admin"}
ROLE_NAMES = [
    "requester",
    "lab manager",
    "institution admin",
    "regulator of the region",
    "province regulator",
    "regulator elsewhere",
    "manager of another lab",
    "institution member",
    "other start-up",
    "platform admin",
]


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_only_the_right_people_see_a_reservation(api, instrument, startup, role):
    reservation = book(instrument, requester=startup)
    api.force_authenticate(roles(instrument, startup)[role])
    response = api.get(f"/api/v1/reservations/{reservation.pk}/")
    assert response.status_code == (200 if role in SEES else 404)
    listed = {r["id"] for r in api.get("/api/v1/reservations/", {"scope": "all"}).json()["results"]}
    assert (reservation.pk in listed) == (role in SEES)


@pytest.mark.parametrize("role", ROLE_NAMES)
@pytest.mark.parametrize("action", ["approve", "reject"])
def test_only_lab_managers_decide(api, instrument, startup, role, action):
    reservation = book(instrument, requester=startup)
    api.force_authenticate(roles(instrument, startup)[role])
    response = api.post(f"/api/v1/reservations/{reservation.pk}/{action}/", {"reason": "不合适"}, format="json")
    expected = 200 if role in DECIDES else (403 if role in SEES else 404)
    assert response.status_code == expected
    reservation.refresh_from_db()
    assert (reservation.status != "pending") == (role in DECIDES)


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_only_the_requester_and_managers_cancel(api, instrument, startup, role):
    reservation = book(instrument, requester=startup)
    api.force_authenticate(roles(instrument, startup)[role])
    response = api.post(f"/api/v1/reservations/{reservation.pk}/cancel/", {}, format="json")
    may = role in DECIDES or role == "requester"
    assert response.status_code == (200 if may else (403 if role in SEES else 404))
    reservation.refresh_from_db()
    assert (reservation.status == "cancelled") == may


def test_reject_needs_a_reason(api, instrument, startup):
    reservation = book(instrument, requester=startup)
    api.force_authenticate(f.lab_manager(instrument.lab))
    response = api.post(f"/api/v1/reservations/{reservation.pk}/reject/", {}, format="json")
    assert response.status_code == 400 and "reason" in response.json()


def test_approving_takes_an_optional_note_for_the_requester(api, instrument, startup):
    reservation = book(instrument, requester=startup)
    api.force_authenticate(f.lab_manager(instrument.lab))
    note = "请提前十分钟到，带好样品"
    response = api.post(f"/api/v1/reservations/{reservation.pk}/approve/", {"note": note}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "approved"
    assert reservation.history.get(to_status="approved").reason == note
    too_long = book(instrument, requester=startup, start=at(3, 10))
    response = api.post(f"/api/v1/reservations/{too_long.pk}/approve/", {"note": "x" * 2001}, format="json")
    assert response.status_code == 400 and "note" in response.json()
    assert Reservation.objects.get(pk=too_long.pk).status == "pending"


def test_deciding_twice_is_409(api, instrument, startup):
    reservation = book(instrument, requester=startup)
    api.force_authenticate(f.lab_manager(instrument.lab))
    assert api.post(f"/api/v1/reservations/{reservation.pk}/approve/").status_code == 200
    response = api.post(f"/api/v1/reservations/{reservation.pk}/approve/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409 and "cannot be approved" in response.json()["detail"]


def test_list_is_mine_and_for_managers_what_awaits_them(api, instrument, startup):
    mine = book(instrument, requester=startup)
    other = book(instrument, start=at(3, 10))
    api.force_authenticate(startup)
    assert [r["id"] for r in api.get("/api/v1/reservations/").json()["results"]] == [mine.pk]
    manager = f.lab_manager(instrument.lab)
    api.force_authenticate(manager)
    assert {r["id"] for r in api.get("/api/v1/reservations/").json()["results"]} == {mine.pk, other.pk}
    api.post(f"/api/v1/reservations/{mine.pk}/approve/")
    assert [r["id"] for r in api.get("/api/v1/reservations/").json()["results"]] == [other.pk]


# --- availability ------------------------------------------------------------------------


def test_availability_shows_free_and_busy_without_names(api, instrument, startup):
    book(instrument, requester=startup, start=at(2, 10), end=at(2, 12))
    day = at(2, 0)
    response = api.get(
        f"/api/v1/instruments/{instrument.pk}/availability/",
        {"from": day.isoformat(), "to": (day + dt.timedelta(days=1)).isoformat()},
    )
    assert response.status_code == 200
    body = response.json()
    assert [(s["start"][11:16], s["end"][11:16]) for s in body["free"]] == [("08:00", "10:00"), ("12:00", "20:00")]
    assert [(s["start"][11:16], s["end"][11:16]) for s in body["busy"]] == [("10:00", "12:00")]
    assert startup.username not in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [{"from": "yesterday"}, {"from": "2026-12-10", "to": "2026-12-01"}, {"from": "2026-01-01", "to": "2026-12-31"}],
)
def test_bad_availability_windows_are_400(api, instrument, params):
    response = api.get(f"/api/v1/instruments/{instrument.pk}/availability/", params)
    assert response.status_code == 400


def test_free_search_finds_instruments_of_a_category_free_long_enough(api):
    chroma = f.bookable(f.InstrumentFactory(category_id="010500"))
    busy = f.bookable(f.InstrumentFactory(category_id="010500"), opening=(range(7), dt.time(9), dt.time(10)))
    f.bookable(f.InstrumentFactory(category_id="010100"))
    day = at(2, 0)
    response = api.get(
        "/api/v1/availability/",
        {
            "category": "010500",
            "from": day.isoformat(),
            "to": (day + dt.timedelta(days=1)).isoformat(),
            "min_minutes": 120,
        },
    )
    assert response.status_code == 200
    assert [r["code"] for r in response.json()["results"]] == [chroma.code]
    assert busy.code not in response.content.decode()


def test_a_change_the_system_made_has_no_author_as_the_schema_says(api, instrument, startup):
    from drf_spectacular.generators import SchemaGenerator

    from booking import services

    reservation = book(instrument, requester=startup)
    assert services.reservations_expire(now=reservation.start) == 1
    api.force_authenticate(startup)
    history = api.get(f"/api/v1/reservations/{reservation.pk}/").json()["history"]
    assert [(entry["to_status"], entry["by"]) for entry in history] == [
        ("pending", startup.username),
        ("expired", None),
    ]
    event = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]["Event"]
    assert event["properties"]["by"]["nullable"] is True
