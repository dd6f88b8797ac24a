"""Instruments in a functional zone count in the zone (a county-level row) and in its city."""

import pytest

from tests import factories as f

pytestmark = pytest.mark.django_db
PERIOD = {"from": "2026-03-10", "to": "2026-03-11"}


@pytest.fixture
def instruments():
    in_zone = f.LabFactory(institution=f.OrganizationFactory(region=f.region("320571")))
    in_district = f.LabFactory(institution=f.OrganizationFactory(region=f.region("320508")))
    return [f.InstrumentFactory(lab=in_zone), f.InstrumentFactory(lab=in_zone), f.InstrumentFactory(lab=in_district)]


def rollup(api, level: str) -> dict[str, tuple[str, int]]:
    rows = api.get("/api/v1/openness/regions/", {**PERIOD, "level": level}).json()["results"]
    return {row["code"]: (row["name"], row["instruments"]) for row in rows}


def test_a_zone_rolls_up_into_its_city(api, instruments):
    api.force_authenticate(f.regulator("320000"))
    assert rollup(api, "county") == {"320571": ("苏州工业园区", 2), "320508": ("姑苏区", 1)}
    assert rollup(api, "city") == {"320500": ("苏州市", 3)}


def test_the_city_regulator_sees_the_zone(api, instruments):
    api.force_authenticate(f.regulator("320500"))
    assert rollup(api, "county")["320571"] == ("苏州工业园区", 2)
    api.force_authenticate(f.regulator("320100"))
    assert rollup(api, "county") == {}
