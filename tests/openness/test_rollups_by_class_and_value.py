"""Roll-ups by instrument class and by value band, over the API and on the dashboard: each
in-scope instrument counts once, in its top class and in its band."""

from decimal import Decimal

import pytest
from django.urls import reverse

from instruments.models import Category
from openness.selectors import value_band, value_band_name
from tests import factories as f

pytestmark = pytest.mark.django_db
PERIOD = {"from": "2026-03-10", "to": "2026-03-11"}


@pytest.fixture
def instruments():
    lab = f.LabFactory(institution=f.OrganizationFactory(region=f.region("320508")))
    values = ["500000", "999999.99", "1000000", "2500000", "5000000", "12000000", "100000"]
    return [f.InstrumentFactory(lab=lab, original_value=Decimal(v)) for v in values]


@pytest.mark.parametrize(
    ("value", "band"),
    [("500000", "50"), ("999999.99", "50"), ("1000000", "100"), ("4999999", "200"), ("5000000", "500"),
     ("90000000", "500")],
)  # fmt: skip
def test_each_value_falls_in_one_band(value, band):
    assert value_band(Decimal(value)) == band


def test_bands_are_named_in_ten_thousands_of_yuan():
    assert value_band_name("100") == "100–200 × 10,000 CNY"
    assert value_band_name("500") == "500 × 10,000 CNY or more"


def test_the_api_rolls_up_in_scope_instruments_by_band_and_by_class(api, instruments):
    api.force_authenticate(f.regulator("320000"))
    bands = api.get("/api/v1/openness/regions/", {**PERIOD, "level": "value_band"}).json()["results"]
    assert {row["code"]: row["instruments"] for row in bands} == {"50": 2, "100": 1, "200": 1, "500": 2}
    classes = api.get("/api/v1/openness/regions/", {**PERIOD, "level": "category"}).json()["results"]
    top = instruments[0].category_id[:2] + "0000"
    assert [(row["code"], row["instruments"]) for row in classes] == [(top, 6)]
    assert classes[0]["name"] == Category.objects.get(code=top).name


def test_the_dashboard_shows_both_tables(client, instruments):
    client.force_login(f.regulator("320000"))
    page = client.get(reverse("openness:dashboard"), PERIOD, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "By instrument class" in page and "By original value" in page and "500 × 10,000 CNY or more" in page


def test_merging_labs_upwards_gives_the_roll_ups_of_adding_instruments(instruments):
    import datetime as dt

    from django.utils import timezone

    from instruments.models import Instrument
    from openness import selectors
    from openness.serializers import rollup_json

    other = f.LabFactory(institution=f.OrganizationFactory(region=f.region("320104")))
    f.InstrumentFactory(lab=other)
    f.UsageSessionFactory(instrument=instruments[0])
    start = timezone.now() - dt.timedelta(days=1)
    end = timezone.now()
    rows = [r for r in selectors.instrument_rows(instruments=Instrument.objects.all(), start=start, end=end)
            if r.in_scope]  # fmt: skip
    merged = selectors.rollups_many(rows=rows, levels=selectors.TREE)
    for level in selectors.TREE:
        direct = selectors.rollups_of(rows=rows, level=level)
        assert [rollup_json(r) for r in merged[level]] == [rollup_json(r) for r in direct], level
