"""Statements: the charges page downloads as CSV and XLSX holding exactly its charges, scoped
as the page, with sums that match the charges and the page's totals."""

import csv
import io
from decimal import Decimal as D

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from billing.models import Charge
from tests.billing import pages_world as W
from tests.billing.pages_world import EN, ZH, login

pytestmark = pytest.mark.django_db
URL = reverse("billing:charges")


@pytest.fixture
def w():
    return W.full()


def download(client, w, role: str, fmt: str, language=EN, **params):
    response = login(client, w, role).get(URL, {**params, "download": fmt}, **language)
    assert response.status_code == 200, response.content[:300]
    return response


def workbook(response):
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(response.content))


def records(sheet) -> list[dict]:
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def csv_records(response) -> list[dict]:
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")  # Excel reads UTF-8 only with its byte-order mark
    return list(csv.DictReader(io.StringIO(body[1:])))


def test_a_customers_statement_of_a_period_opens_in_excel_and_its_sums_match(client, w):
    response = download(client, w, "customer_admin", "xlsx", side="customer", **w.period)
    assert response["Content-Disposition"].startswith('attachment; filename="charges-')
    book = workbook(response)
    charges, about = book.worksheets
    rows = records(charges)
    assert len(rows) == 2
    assert {row["Instrument code"] for row in rows} == {w.instrument.code}
    assert sum(D(str(row["Net"])) for row in rows) == D("900.00")
    assert sum(D(str(row["VAT"])) for row in rows) == D("54.00")
    assert sum(D(str(row["Total"])) for row in rows) == D("954.00")
    assert sum(D(str(row["Paid by vouchers"] or 0)) for row in rows) == D("254.40")
    assert {row["Invoice"] for row in rows} == {w.invoice.number}
    assert {row["Verified use"] for row in rows} == {"yes", "no"}
    notes = dict(about.iter_rows(values_only=True))
    assert (notes["Charges"], notes["Net"], notes["VAT"], notes["Total"]) == ("2", "900.00", "54.00", "954.00")
    assert notes["Paid by vouchers"] == "254.40"
    page = login(client, w, "customer_admin").get(URL, {"side": "customer", **w.period}, **EN).context["totals"]
    assert (page.net, page.total, page.vouchers) == (D("900.00"), D("954.00"), D("254.40"))


def test_money_is_stored_as_numbers_with_two_decimals_and_dates_as_dates(client, w):
    sheet = workbook(download(client, w, "provider_admin", "xlsx")).worksheets[0]
    heads = [cell.value for cell in sheet[1]]
    first = sheet[2]
    net = first[heads.index("Net")]
    assert isinstance(net.value, (int, float)) and net.number_format == "#,##0.00"
    assert first[heads.index("Service date")].is_date


def test_the_providers_list_downloads_as_csv_with_every_charge(client, w):
    rows = csv_records(download(client, w, "provider_admin", "csv", side="provider"))
    assert len(rows) == Charge.objects.filter(provider=w.provider).count() == 3
    assert sum(D(row["Net"]) for row in rows) == D("1000.00")
    assert sum(D(row["Total"]) for row in rows) == sum(c.total for c in Charge.objects.all())
    internal = next(row for row in rows if row["Customer class"] == "Own institution")
    assert internal["Grant or cost centre"] == "KJ-2026-017" and internal["VAT"] == "0.00" and internal["Invoice"] == ""
    assert any("Use: declared time (no reporting gateway) 1 h × 300.00 = 300.00" in row["Lines"] for row in rows)


def test_a_statement_holds_the_filtered_charges_only(client, w):
    rows = csv_records(download(client, w, "provider_admin", "csv", customer_class="internal"))
    assert [row["Net"] for row in rows] == ["100.00"]
    assert csv_records(download(client, w, "provider_admin", "csv", **{"from": "2020-01-01", "to": "2020-02-01"})) == []


SCOPE = {
    "stranger": 0, "stranger_admin": 0, "member": 2, "customer_admin": 2, "provider_admin": 3, "manager": 3,
    "other_manager": 0, "regulator": 3, "far_regulator": 0, "platform_admin": 3,
}  # fmt: skip


@pytest.mark.parametrize(("role", "count"), SCOPE.items())
def test_a_statement_is_scoped_as_its_page(client, w, role, count):
    rows = csv_records(download(client, w, role, "csv"))
    page = login(client, w, role).get(URL, **EN).context["rows"]
    assert len(rows) == len(page) == count


def test_anonymous_visitors_get_no_statement(client, w):
    response = client.get(URL, {"download": "csv"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_an_unknown_format_is_not_found(client, w):
    assert login(client, w, "provider_admin").get(URL, {"download": "pdf"}).status_code == 404


def test_a_chinese_statement_has_chinese_names(client, w):
    rows = csv_records(download(client, w, "customer_admin", "csv", language=ZH, side="customer"))
    assert all("南京微纳科技有限公司" in row.values() and "江苏测试大学" in row.values() for row in rows)


def test_a_name_that_looks_like_a_formula_is_written_as_text(client, w):
    w.customer.name_en = "=HYPERLINK(1)"
    w.customer.save()
    rows = csv_records(download(client, w, "customer_admin", "csv", side="customer"))
    assert {row["Customer"] for row in rows} == {"'=HYPERLINK(1)"}
