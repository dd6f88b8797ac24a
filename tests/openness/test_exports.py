"""Downloads of the openness pages hold the selectors' figures (CSV, XLSX), NRII records
follow docs/nrii-v1.schema.json, and every download is scoped exactly as its page."""

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from openpyxl import load_workbook

from instruments.models import Instrument
from openness import selectors
from openness.periods import Period
from openness.serializers import instrument_json, rollup_json
from tests.openness.pages_world import PERIOD, QUERY, USERS, build

pytestmark = pytest.mark.django_db
SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "docs" / "nrii-v1.schema.json").read_text())


@pytest.fixture
def world():
    return build()


@pytest.fixture
def province(client, world):
    client.force_login(USERS["province"](world))
    return client


def march() -> Period:
    return Period(dt.date(2026, 3, 1), dt.date(2026, 4, 1))


def download(client, url, name, language="en"):
    response = client.get(f"{url}?{QUERY}&download={name}", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, response.content[:300]
    return response


def csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")  # Excel reads UTF-8 only with its byte-order mark
    return list(csv.reader(io.StringIO(body[1:])))


def as_text(value) -> str:
    return "" if value is None else str(value)


ROLLUP_FIELDS = ["instruments", "measured_instruments", "effective_hours", "external_hours", "sharing_rate",
                 "utilization", "booked_hours", "unknown_hours", "coverage", "bookings_completed", "bookings_no_show",
                 "external_organizations"]  # fmt: skip


def test_the_city_table_holds_the_selectors_rollups(province, world):
    period = march()
    expected = {
        row.code: rollup_json(row)
        for row in selectors.rollup_rows(instruments=Instrument.objects.all(), start=period.start, end=period.end,
                                         level="city")
    }  # fmt: skip
    header, *rows = csv_rows(download(province, "/openness/", "children.csv"))
    assert header[:3] == ["Code", "Name", "In-scope instruments"] and "Sharing rate (0–1)" in header
    assert {row[0] for row in rows} == set(expected) == {"320100", "320500"}
    for row in rows:
        assert row[2:] == [as_text(expected[row[0]][field]) for field in ROLLUP_FIELDS]
    suzhou = next(row for row in rows if row[0] == "320500")
    assert suzhou[1] == "Suzhou" and suzhou[4:7] == ["3.00", "2.00", "0.6667"]


def test_the_instrument_table_holds_each_instruments_figures_in_xlsx(province, world):
    period = march()
    rows = selectors.instrument_rows(instruments=Instrument.objects.filter(institution=world["nanjing"]),
                                     start=period.start, end=period.end)  # fmt: skip
    expected = {row.info["code"]: instrument_json(row) for row in rows}
    response = download(province, "/openness/institutions/nju/", "instruments.xlsx")
    filename = "openness-nju-instruments-2026-03-01_2026-03-31.xlsx"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    header, *cells = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert {row[0] for row in cells} == {"nj-1", "nj-2"}
    for row in cells:
        record = dict(zip(header, row, strict=True))
        figures = expected[row[0]]
        assert as_decimal(record["Effective hours (h)"]) == figures["effective_hours"]
        assert as_decimal(record["Unbooked use (h)"]) == figures["unbooked_hours"]
        assert as_decimal(record["Booked hours (declared) (h)"]) == figures["booked_hours"]
        assert as_decimal(record["Telemetry coverage (0–1)"]) == figures["coverage"]
    assert sheet.cell(2, header.index("Sharing rate (0–1)") + 1).number_format == "0.00%"
    assert book.worksheets[1].title == "About"


def as_decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.0001")).normalize()


def test_xlsx_keeps_the_figures_exact(province, world):
    book = load_workbook(io.BytesIO(download(province, "/openness/regions/320508/", "children.xlsx").content))
    (row,) = list(book.worksheets[0].iter_rows(min_row=2, values_only=True))
    assert row[0] == "suda" and row[4:7] == (3, 2, 0.6667)


def test_months_and_sharing_classes_add_up_to_the_whole(province, world):
    header, *months = csv_rows(download(province, "/openness/", "months.csv"))
    assert [row[0] for row in months] == ["2026-03"]
    assert months[0][header.index("Effective hours (h)")] == "4.00"
    _header, *classes = csv_rows(download(province, "/openness/", "sharing.csv"))
    counts = {row[0]: int(row[1]) for row in classes}
    assert counts["0–10%"] == 1 and counts["60–70%"] == 1 and counts["Not measured"] == 1
    assert sum(counts.values()) == 3


def test_the_instrument_tables_download_with_their_rows(province, world):
    header, *use = csv_rows(download(province, "/openness/instruments/su-1/", "use.csv"))
    assert [(row[0], row[1], row[2]) for row in use] == [
        ("2026-03-10 09:00:00", "2026-03-10 11:00:00", "2.00"),
        ("2026-03-10 11:00:00", "2026-03-10 12:00:00", "1.00"),
    ]
    header, *bookings = csv_rows(download(province, "/openness/instruments/su-1/", "bookings.csv"))
    (booking,) = bookings
    assert booking[header.index("Organization")] == "Nanowei Bio"
    assert booking[header.index("Measured hours (h)")] == "2.00"


def test_a_name_that_looks_like_a_formula_is_written_as_text(province, world):
    world["suzhou"].name_en = '=HYPERLINK("http://evil")'
    world["suzhou"].save()
    _header, *rows = csv_rows(download(province, "/openness/regions/320508/", "children.csv"))
    assert rows[0][1].startswith("'=")


@pytest.mark.parametrize(
    ("who", "url", "status"),
    [("suzhou", "/openness/regions/320100/", 403), ("suzhou", "/openness/regions/320500/", 200),
     ("suzhou", "/openness/institutions/nju/", 403), ("suzhou", "/openness/instruments/nj-1/", 404),
     ("province", "/openness/regions/320100/", 200), ("suda admin", "/openness/institutions/nju/", 403),
     ("member", "/openness/institutions/suda/", 403)],
)  # fmt: skip
def test_downloads_are_scoped_as_their_pages(client, world, who, url, status):
    client.force_login(USERS[who](world))
    table = "instruments" if "/institutions/" in url else "use" if "/instruments/" in url else "children"
    for fmt in ("csv", "xlsx"):
        assert client.get(f"{url}?{QUERY}&download={table}.{fmt}").status_code == status


def test_an_unknown_table_or_format_is_404(province, world):
    assert province.get(f"/openness/?{QUERY}&download=nothing.csv").status_code == 404
    assert province.get(f"/openness/?{QUERY}&download=children.pdf").status_code == 404


def nrii(client, kind, language="en", **params):
    return client.get(f"/openness/nrii/{kind}.json", params, HTTP_ACCEPT_LANGUAGE=language)


def test_nrii_instrument_records_follow_the_schema_and_the_record(province, world):
    response = nrii(province, "instruments")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    document = response.json()
    Draft202012Validator(SCHEMA).validate(document)
    assert document["instruType"] == 4 and document["period"] is None
    units = {unit["unitCode"]: unit for unit in document["units"]}
    assert set(units) == {"nju", "suda"} and units["nju"]["unitName"] == "南京大学"
    nj = next(r for r in units["nju"]["records"] if r["innerId"] == "NJ0001")
    assert nj["worth"] == 268.500050 and Decimal(str(nj["worth"])) * 10000 == world["nj"].original_value
    assert (nj["cname"], nj["type"], nj["shareMode"], nj["status"]) == ("核磁共振波谱仪", "专用", "外部共享", "正常")
    assert (nj["province"], nj["city"], nj["county"]) == ("320000", "320100", "320104")
    assert nj["instrCategory"] == "010100" and nj["beginDate"] is None
    su = units["suda"]["records"][0]
    assert su["beginDate"] == "2019-05-31" and su["innerId"] == "SU0001"
    assert "su-small" not in response.content.decode()  # below the threshold: not an NRII instrument
    assert len(units["suda"]["records"]) == 1
    # The worth as written in the file is the decimal itself, not a float's approximation.
    assert '"worth": 268.50005' in response.content.decode()


def test_nrii_service_records_one_per_served_booking(province, world):
    document = nrii(province, "services", **PERIOD).json()
    Draft202012Validator(SCHEMA).validate(document)
    assert document["instruType"] == 6 and document["period"] == {"from": "2026-03-01", "to": "2026-04-01"}
    records = {unit["unitCode"]: unit["records"] for unit in document["units"]}
    (su,) = records["suda"]
    assert su == {
        "instruType": 6, "innerId": "SU0001", "amounts": None, "serviceTime": "2026-03-10 09:00:00",
        "endTime": "2026-03-10 11:00:00", "serviceAmount": 2.0, "serviceWay": "占用共享", "serviceType": "外部用户",
        "serviceDirection": "其他", "applicant": "晓 陈", "applicantUnit": "苏州纳微生物", "comment": None,
    }  # fmt: skip
    (nj2,) = records["nju"]
    assert nj2["serviceAmount"] == 4.0  # unverified: the booked hours
    april = nrii(province, "services", **{"from": "2026-04-01", "to": "2026-05-01"}).json()
    assert april["units"] == []


def test_nrii_records_are_scoped_as_the_pages(client, world):
    client.force_login(USERS["suzhou"](world))
    assert nrii(client, "instruments", region="320100").status_code == 403
    assert nrii(client, "services", region="320000", **PERIOD).status_code == 403
    own = nrii(client, "instruments").json()
    assert [unit["unitCode"] for unit in own["units"]] == ["suda"]
    assert nrii(client, "instruments", institution="nju").json()["units"] == []  # nothing of Nanjing leaks
    assert nrii(client, "instruments", region="999999").status_code == 404
    client.force_login(USERS["member"](world))
    assert nrii(client, "instruments").status_code == 403
    client.force_login(USERS["province"](world))
    assert [u["unitCode"] for u in nrii(client, "instruments", region="320100").json()["units"]] == ["nju"]


def test_nrii_services_name_a_wrong_period(province, world):
    response = nrii(province, "services", **{"from": "2026-03-10", "to": "2026-03-01"})
    assert response.status_code == 400 and response.json()["to"]


def test_a_priced_service_records_its_fee_in_wan_yuan(province, world):
    from billing.charges import charge_reservation
    from booking.models import Reservation
    from tests.billing.helpers import rate_card

    booking = Reservation.objects.get(instrument__inner_id="SU0001", start__month=3)
    rate_card(booking.instrument, valid_from=dt.date(2026, 1, 1))  # 300 CNY an hour for an enterprise
    Reservation.objects.filter(pk=booking.pk).update(settled_at=booking.end)
    charge = charge_reservation(Reservation.objects.get(pk=booking.pk))
    assert charge.net + charge.vat == Decimal("954.00")  # 3 h measured (with overrun) × 300 + 6% VAT
    (su,) = next(u["records"] for u in nrii(province, "services", **PERIOD).json()["units"] if u["unitCode"] == "suda")
    assert su["amounts"] == 0.0954
