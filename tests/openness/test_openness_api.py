"""The openness REST doors: who sees which instruments (the region-scope matrix), the
figures as JSON, and a message a person can act on for every bad question."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import User
from tests import factories as f

pytestmark = pytest.mark.django_db
INSTRUMENTS, REGIONS = "/api/v1/openness/instruments/", "/api/v1/openness/regions/"
PERIOD = {"from": "2026-03-10", "to": "2026-03-11"}


def at(hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, 3, 10, hour, minute), timezone.get_current_timezone())


@pytest.fixture
def world():
    """An instrument in Suzhou (Gusu district) and one in Nanjing (Qinhuai district), and
    a small Suzhou one below the openness threshold."""
    suzhou = f.OrganizationFactory(code="suda", region=f.region("320508"))
    nanjing = f.OrganizationFactory(code="nju", region=f.region("320104"))
    su_lab, nj_lab = f.LabFactory(institution=suzhou), f.LabFactory(institution=nanjing)
    return {
        "suzhou": suzhou, "nanjing": nanjing, "su_lab": su_lab,
        "su": f.InstrumentFactory(lab=su_lab, code="su-1"), "nj": f.InstrumentFactory(lab=nj_lab, code="nj-1"),
        "small": f.InstrumentFactory(lab=su_lab, code="su-small", original_value=Decimal("100000")),
    }  # fmt: skip


USERS = {
    "suzhou city regulator": (lambda w: f.regulator("320500"), {"su-1", "su-small"}),
    "gusu county regulator": (lambda w: f.regulator("320508"), {"su-1", "su-small"}),
    "nanjing city regulator": (lambda w: f.regulator("320100"), {"nj-1"}),
    "province regulator": (lambda w: f.regulator("320000"), {"su-1", "su-small", "nj-1"}),
    "suzhou institution admin": (
        lambda w: f.UserFactory(organization=w["suzhou"], role=User.Role.ORG_ADMIN), {"su-1", "su-small"}),
    "platform admin": (lambda w: f.platform_admin(), {"su-1", "su-small", "nj-1"}),
    "member of the institution": (lambda w: f.UserFactory(organization=w["suzhou"]), 403),
    "lab manager": (lambda w: f.lab_manager(w["su_lab"]), 403),
    "start-up": (lambda w: f.UserFactory(organization=f.OrganizationFactory(kind="enterprise")), 403),
    "anonymous": (lambda w: None, 401),
}  # fmt: skip


def get(api, user, url, **params):
    if user is not None:
        api.force_authenticate(user)
    return api.get(url, {**PERIOD, **params}, HTTP_ACCEPT_LANGUAGE="en")


@pytest.mark.parametrize("who", list(USERS))
def test_each_role_sees_exactly_its_scope(api, world, who):
    make, expected = USERS[who]
    response = get(api, make(world), INSTRUMENTS)
    if isinstance(expected, int):
        assert response.status_code == expected
        assert response.json()["detail"]
        assert get(api, make(world), REGIONS).status_code == expected
        return
    assert response.status_code == 200, response.content
    assert {row["code"] for row in response.json()["results"]} == expected


@pytest.mark.parametrize(
    ("who", "cities"),
    [("suzhou city regulator", ["320500"]), ("nanjing city regulator", ["320100"]),
     ("province regulator", ["320100", "320500"]), ("suzhou institution admin", ["320500"])],
)  # fmt: skip
def test_city_rollups_hold_only_the_cities_in_scope(api, world, who, cities):
    response = get(api, USERS[who][0](world), REGIONS, level="city")
    assert response.status_code == 200, response.content
    assert [row["code"] for row in response.json()["results"]] == cities


def test_a_city_regulator_cannot_ask_for_another_city_or_the_province(api, world):
    regulator = f.regulator("320500")
    for code in ("320100", "320000"):
        response = get(api, regulator, INSTRUMENTS, region=code)
        assert response.status_code == 403 and "320500" in response.json()["detail"]
    assert get(api, regulator, INSTRUMENTS, region="320508").status_code == 200


def test_an_institution_admin_cannot_ask_for_another_institution(api, world):
    admin = f.UserFactory(organization=world["suzhou"], role=User.Role.ORG_ADMIN)
    assert get(api, admin, INSTRUMENTS, institution="nju").status_code == 403


def test_filters_narrow_the_instruments(api, world):
    admin = f.platform_admin()
    codes = lambda **p: {r["code"] for r in get(api, admin, INSTRUMENTS, **p).json()["results"]}  # noqa: E731
    assert codes(region="320100") == {"nj-1"}
    assert codes(institution="suda") == {"su-1", "su-small"}
    assert codes(category="010000") == {"su-1", "su-small", "nj-1"}
    assert codes(category="020000") == set()


def test_figures_are_decimal_strings_rounded_from_exact_seconds(api, world):
    instrument = world["su"]
    binding = f.BindingFactory(instrument=instrument)
    for ts in (at(0), at(23, 59)):
        f.EventFactory(gateway=binding.gateway, instrument=instrument, ts=ts)
    f.ReservationFactory(instrument=instrument, start=at(9), end=at(12))
    f.UsageSessionFactory(instrument=instrument, start=at(9), end=at(10, 30))
    rows = {r["code"]: r for r in get(api, f.platform_admin(), INSTRUMENTS).json()["results"]}
    su, nj = rows["su-1"], rows["nj-1"]
    assert su["measured"] and su["in_scope"] and su["has_gateway"] and su["flags"] == []
    assert (su["effective_hours"], su["external_hours"], su["sharing_rate"]) == ("1.50", "1.50", "1.0000")
    assert (su["booked_hours"], su["unbooked_hours"], su["unknown_hours"]) == ("3.00", "0.00", "0.00")
    assert su["reference_hours"] == "3.84"  # 1,400 h a year, for one day of 2026
    assert su["utilization"] == "0.3911"  # 1.5 ÷ (1400 ÷ 365)
    assert su["coverage"] == "0.9993"  # heard from 00:00 to 23:59
    assert su["bookings_completed"] == 1 and su["external_organizations"] == 1
    assert not nj["measured"] and nj["effective_hours"] is None and nj["sharing_rate"] is None
    assert nj["coverage"] == "0.0000" and nj["booked_hours"] == "0.00"
    assert not rows["su-small"]["in_scope"]


def test_a_rollup_sums_hours_and_recomputes_the_rates(api, world):
    for instrument, hours in ((world["su"], 2), (world["nj"], 1)):
        binding = f.BindingFactory(instrument=instrument)
        f.EventFactory(gateway=binding.gateway, instrument=instrument, ts=at(0))
        f.EventFactory(gateway=binding.gateway, instrument=instrument, ts=at(23))
        f.UsageSessionFactory(instrument=instrument, start=at(9), end=at(9 + hours))
    f.ReservationFactory(instrument=world["su"], start=at(9), end=at(10))  # 1 of su's 2 hours external
    small = world["small"]  # below the threshold: never in a roll-up
    f.ReservationFactory(instrument=small, start=at(9), end=at(10))
    (row,) = get(api, f.platform_admin(), REGIONS, level="province").json()["results"]
    assert (row["code"], row["instruments"], row["measured_instruments"]) == ("320000", 2, 2)
    assert (row["effective_hours"], row["external_hours"], row["sharing_rate"]) == ("3.00", "1.00", "0.3333")
    assert row["booked_hours"] == "1.00" and row["instrument_coverage"] == "1.0000"


@pytest.mark.parametrize(
    ("params", "field"),
    [({"from": ""}, "from"), ({"to": ""}, "to"), ({"from": "2026-13-01"}, "from"),
     ({"to": "2026-03-10"}, "to"), ({"to": "2030-01-01"}, "to"), ({"region": "999999"}, "region"),
     ({"institution": "nowhere"}, "institution"), ({"category": "xx"}, "category")],
)  # fmt: skip
def test_a_bad_question_gets_400_naming_the_field(api, world, params, field):
    response = get(api, f.platform_admin(), INSTRUMENTS, **params)
    assert response.status_code == 400
    assert response.json()[field][0]


def test_an_unknown_level_gets_400(api, world):
    response = get(api, f.platform_admin(), REGIONS, level="planet")
    assert response.status_code == 400 and "city" in response.json()["level"][0]


def test_the_endpoints_are_in_the_openapi_schema(api):
    schema = api.get("/api/schema/?format=json").json()
    assert {INSTRUMENTS, REGIONS} <= set(schema["paths"])


def test_each_instrument_shows_its_revenue_and_voucher_amount(api):
    from decimal import Decimal

    from billing.charges import charge_reservation
    from billing.models import VoucherPayment
    from tests.billing.helpers import granted, programme, rate_card

    regulator = f.regulator("320000")
    instrument = f.InstrumentFactory()
    rate_card(instrument, valid_from=dt.date(2026, 1, 1))
    reservation = f.ReservationFactory(
        instrument=instrument, start=dt.datetime(2026, 3, 2, 2, tzinfo=dt.UTC),
        end=dt.datetime(2026, 3, 2, 4, tzinfo=dt.UTC), measured_minutes=120, overrun_minutes=0,
        settled_at=dt.datetime(2026, 3, 2, 6, tzinfo=dt.UTC),
    )  # fmt: skip
    charge = charge_reservation(reservation)  # 2 h × 300 = 600.00 net
    grant = granted(programme(regulator), reservation.organization)
    VoucherPayment.objects.create(grant=grant, charge=charge, invoice=_invoice_for(charge), amount=Decimal("254.40"))
    api.force_authenticate(regulator)
    body = api.get("/api/v1/openness/instruments/", {"from": "2026-03-01", "to": "2026-04-01"}).json()
    row = next(r for r in body["results"] if r["code"] == instrument.code)
    assert (row["revenue"], row["voucher_amount"]) == ("600.00", "254.40")


def _invoice_for(charge):
    from billing.models import Invoice

    return Invoice.objects.create(
        provider=charge.provider, customer=charge.customer, period_start=dt.date(2026, 3, 1),
        period_end=dt.date(2026, 4, 1),
    )  # fmt: skip
