"""/api/v1/rate-cards/, /api/v1/charges/ and /api/v1/ledger/verify/: who sees and does
what, field errors that write nothing, and the schema. Invoices and vouchers are in
test_billing_api_invoices.py and test_billing_api_vouchers.py."""

import datetime as dt

import pytest
import yaml
from django.core.management import call_command

from billing import rates
from billing.api import UNKNOWN_INSTRUMENT, UNKNOWN_ORGANIZATION
from billing.models import LedgerEntry, RateCard
from tests.billing import api_world as W
from tests.billing.api_world import ROLES, client

pytestmark = pytest.mark.django_db

# Rate cards


def card_body(w: W.World, **overrides) -> dict:
    return {
        "instrument": w.instrument.code, "valid_from": "2027-01-01", "unit": "hour", "basis": "measured",
        "price_internal": "120.00", "price_academic": "240.5", "price_enterprise": "360",
        "sme_discount_percent": "12.5", "setup_fee": "50.00", "increment_minutes": 30, **overrides,
    }  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_everyone_reads_an_instruments_rate_cards(api, role):
    w = W.world()
    W.world()  # another instrument's card, not listed
    response = client(api, w, role).get("/api/v1/rate-cards/", {"instrument": w.instrument.code})
    assert response.status_code == 200
    [card] = response.json()["results"]
    assert card["id"] == w.card.pk and card["instrument"] == w.instrument.code
    assert (card["price_internal"], card["price_academic"], card["price_enterprise"]) == ("100.00", "200.00", "300.00")
    assert card["valid_from"] == "2020-01-01" and card["increment_minutes"] == 15 and card["basis"] == "larger"
    assert client(api, w, role).get(f"/api/v1/rate-cards/{w.card.pk}/").status_code == 200


def test_an_unknown_instrument_is_a_field_error(api):
    response = client(api, W.world(), "anonymous").get("/api/v1/rate-cards/", {"instrument": "nope"})
    assert response.status_code == 400
    assert response.json() == {"instrument": [str(UNKNOWN_INSTRUMENT)]}


ADD_CARD = {"provider_admin", "manager", "platform_admin"}  # the lab's managers: its own, its institution's admins


@pytest.mark.parametrize("role", ROLES)
def test_who_may_add_a_rate_card(api, role):
    w = W.world()
    response = client(api, w, role).post("/api/v1/rate-cards/", card_body(w), format="json")
    if role in ADD_CARD:
        assert response.status_code == 201
        assert RateCard.objects.filter(instrument=w.instrument).count() == 2
    else:
        assert response.status_code == (401 if role == "anonymous" else 403)
        assert RateCard.objects.filter(instrument=w.instrument).count() == 1
    if response.status_code == 403:
        assert response.json()["detail"] == str(rates.RATES_DENIED)


def test_a_new_card_answers_with_its_terms_as_money_strings(api):
    w = W.world()
    response = client(api, w, "manager").post("/api/v1/rate-cards/", card_body(w), format="json")
    assert response.status_code == 201
    card = response.json()
    assert card["instrument"] == w.instrument.code and card["valid_from"] == "2027-01-01"
    assert (card["price_internal"], card["price_academic"], card["price_enterprise"]) == ("120.00", "240.50", "360.00")
    assert (card["sme_discount_percent"], card["setup_fee"], card["minimum_charge"]) == ("12.50", "50.00", "0.00")
    assert card["basis"] == "measured" and card["increment_minutes"] == 30
    assert RateCard.objects.get(pk=card["id"]).created_by == w.manager


BAD_TERMS = [
    pytest.param("price_enterprise", "12.345", id="price with three decimals"),
    pytest.param("price_enterprise", "12.340", id="a third decimal even if zero"),
    pytest.param("price_internal", "-1.00", id="negative price"),
    pytest.param("price_academic", "abc", id="not a number"),
    pytest.param("price_academic", "1000000000000.00", id="too many digits"),
    pytest.param("setup_fee", "-0.01", id="negative fee"),
    pytest.param("no_show_fee", "5.001", id="fee with three decimals"),
    pytest.param("sme_discount_percent", "100.01", id="discount over 100%"),
    pytest.param("overtime_surcharge_percent", "-5", id="negative surcharge"),
    pytest.param("sme_discount_percent", "10.125", id="percentage with three decimals"),
    pytest.param("increment_minutes", "15.5", id="fractional increment"),
    pytest.param("increment_minutes", 0, id="zero increment"),
    pytest.param("increment_minutes", -15, id="negative increment"),
    pytest.param("increment_minutes", 100000, id="increment over a day"),
    pytest.param("unit", "week", id="unknown unit"),
    pytest.param("valid_from", "next monday", id="not a date"),
    pytest.param("price_enterprise", None, id="price missing"),
]


@pytest.mark.parametrize(("field", "value"), BAD_TERMS)
def test_bad_terms_are_field_errors_and_write_nothing(api, field, value):
    w = W.world()
    body = card_body(w, **{field: value})
    if value is None:
        del body[field]
    response = client(api, w, "manager").post("/api/v1/rate-cards/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {field}
    assert RateCard.objects.filter(instrument=w.instrument).count() == 1


def test_a_third_decimal_is_refused_not_rounded(api):
    w = W.world()
    response = client(api, w, "manager").post(
        "/api/v1/rate-cards/", card_body(w, price_enterprise="300.005"), format="json"
    )
    assert response.json() == {"price_enterprise": ["Ensure that there are no more than 2 decimal places."]}


def test_a_second_card_from_the_same_day_is_refused(api):
    w = W.world()
    response = client(api, w, "manager").post(
        "/api/v1/rate-cards/", card_body(w, valid_from="2020-01-01"), format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"valid_from": [str(rates.SAME_DAY % {"date": "2020-01-01"})]}
    assert RateCard.objects.filter(instrument=w.instrument).count() == 1


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_card_is_never_changed_a_change_is_a_new_card(api, method):
    w = W.world()
    response = getattr(client(api, w, "manager"), method)(f"/api/v1/rate-cards/{w.card.pk}/", {}, format="json")
    assert response.status_code == 405


# Charges

SEES_CHARGES = {"member", "customer_admin", "provider_admin", "manager", "regulator", "platform_admin"}


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_the_charges(api, role):
    w = W.charged(W.world())
    W.charged(W.world())  # another provider's, in Nanjing too: only the regulator and the admin see those
    response = client(api, w, role).get("/api/v1/charges/", {"provider": w.provider.code})
    if role == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    listed = {row["id"] for row in response.json()["results"]}
    assert listed == ({w.charge.pk, w.unverified.pk} if role in SEES_CHARGES else set())
    for charge in (w.charge, w.unverified):
        detail = client(api, w, role).get(f"/api/v1/charges/{charge.pk}/")
        assert detail.status_code == (200 if role in SEES_CHARGES else 404)


@pytest.mark.parametrize(("role", "count"), [("member", 2), ("regulator", 4), ("far_regulator", 0), ("stranger", 0)])
def test_the_unfiltered_list_holds_every_charge_you_may_see(api, role, count):
    w = W.charged(W.world())
    W.charged(W.world())
    assert client(api, w, role).get("/api/v1/charges/").json()["count"] == count


def test_anonymous_gets_401_on_a_charge(api):
    w = W.charged(W.world())
    assert client(api, w, "anonymous").get(f"/api/v1/charges/{w.charge.pk}/").status_code == 401


def test_a_charge_shows_its_priced_lines_and_whether_use_was_measured(api):
    w = W.charged(W.world())
    charge = client(api, w, "member").get(f"/api/v1/charges/{w.charge.pk}/").json()
    assert charge["lines"] == [
        {"basis": "booked", "label": "Use: booked time", "quantity": "2.0000", "unit_price": "300.00",
         "amount": "600.00"}
    ]  # fmt: skip
    assert (charge["net"], charge["vat"], charge["total"]) == ("600.00", "36.00", "636.00")
    assert charge["verified"] is True and charge["kind"] == "use" and charge["customer_class"] == "enterprise"
    assert [charge["provider"], charge["customer"], charge["instrument"]] == [
        w.provider.code, w.customer.code, w.instrument.code,
    ]  # fmt: skip
    assert charge["invoice"] is None and charge["invoice_number"] is None and charge["voucher_exception"] is False
    assert charge["rate"]["price_enterprise"] == "300.00"
    unverified = client(api, w, "member").get(f"/api/v1/charges/{w.unverified.pk}/").json()
    assert unverified["verified"] is False
    assert unverified["lines"][0]["label"] == "Use: declared time (no reporting gateway)"


def test_an_invoiced_charge_names_its_invoice(api):
    w = W.issued(W.drafted(W.charged(W.world())))
    charge = client(api, w, "member").get(f"/api/v1/charges/{w.charge.pk}/").json()
    assert charge["invoice"] == w.invoice.pk and charge["invoice_number"] == w.invoice.number


def test_charges_filter_by_provider_customer_invoice_and_service_date(api):
    w = W.charged(W.world())
    other = W.charged(W.world())
    W.drafted(w)
    day = w.charge.service_date

    def get(**query) -> set[int]:
        rows = client(api, w, "platform_admin").get("/api/v1/charges/", query).json()["results"]
        return {row["id"] for row in rows}

    mine = {w.charge.pk, w.unverified.pk}
    assert get(provider=w.provider.code) == mine
    assert get(customer=other.customer.code) == {other.charge.pk, other.unverified.pk}
    assert get(invoiced="true") == mine
    assert get(invoiced="false") == {other.charge.pk, other.unverified.pk}
    assert get(**{"from": day.isoformat(), "to": (day + dt.timedelta(days=1)).isoformat()}) >= mine
    assert get(**{"from": (day + dt.timedelta(days=1)).isoformat()}) == set()
    assert get(to=day.isoformat()) == set()  # 'to' is not included


@pytest.mark.parametrize(
    ("query", "field"),
    [({"from": "last week"}, "from"), ({"to": "2026-13-01"}, "to"), ({"provider": "nope"}, "provider"),
     ({"customer": "nope"}, "customer"), ({"invoiced": "maybe"}, "invoiced")],
)  # fmt: skip
def test_bad_charge_filters_are_field_errors(api, query, field):
    w = W.charged(W.world())
    response = client(api, w, "provider_admin").get("/api/v1/charges/", query)
    assert response.status_code == 400
    assert set(response.json()) == {field}
    if field in ("provider", "customer"):
        assert response.json()[field] == [str(UNKNOWN_ORGANIZATION)]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_charges_are_made_by_the_jobs_worker_only(api, method):
    w = W.charged(W.world())
    url = "/api/v1/charges/" if method == "post" else f"/api/v1/charges/{w.charge.pk}/"
    assert getattr(client(api, w, "platform_admin"), method)(url, {}, format="json").status_code == 405


# The ledger

LEDGER_READERS = {"regulator", "far_regulator", "platform_admin"}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_check_the_ledger(api, role):
    w = W.charged(W.world())
    response = client(api, w, role).get("/api/v1/ledger/verify/")
    assert response.status_code == (401 if role == "anonymous" else 200 if role in LEDGER_READERS else 403)
    if role in LEDGER_READERS:
        assert response.json() == {"entries": 2, "ok": True, "first_bad": None, "problem": ""}


def test_the_ledger_check_names_the_first_edited_entry(api):
    w = W.charged(W.world())
    first = LedgerEntry.objects.order_by("id").first()
    LedgerEntry.objects.filter(pk=first.pk).update(amount="1.00")
    verdict = client(api, w, "regulator").get("/api/v1/ledger/verify/").json()
    assert verdict == {"entries": 0, "ok": False, "first_bad": first.pk, "problem": "its content was edited"}


# The contract


def test_the_billing_endpoints_are_in_the_openapi_schema_and_it_validates(tmp_path):
    path = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    paths = yaml.safe_load(path.read_text())["paths"]
    assert {
        "/api/v1/rate-cards/", "/api/v1/charges/", "/api/v1/charges/{id}/voucher-exception/", "/api/v1/invoices/",
        "/api/v1/invoices/{id}/issue/", "/api/v1/invoices/{id}/void/", "/api/v1/invoices/{id}/payments/",
        "/api/v1/voucher-programmes/", "/api/v1/voucher-grants/", "/api/v1/voucher-grants/{id}/decide/",
        "/api/v1/voucher-claims/", "/api/v1/voucher-claims/{id}/paid/",
        "/api/v1/voucher-claims/claim-lines/{line_pk}/decide/", "/api/v1/ledger/verify/",
    } <= set(paths)  # fmt: skip
    assert set(paths["/api/v1/invoices/{id}/"]) == {"get"}
    assert {p["name"] for p in paths["/api/v1/charges/"]["get"]["parameters"]} >= {
        "provider", "customer", "invoiced", "from", "to"
    }  # fmt: skip


def test_a_code_with_a_null_character_is_a_field_error(api):
    w = W.world()
    body = card_body(w, instrument=w.instrument.code + "\x00")
    response = client(api, w, "manager").post("/api/v1/rate-cards/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {"instrument": ["Null characters are not allowed."]}
    response = client(api, w, "anonymous").get("/api/v1/rate-cards/", {"instrument": "\x00"})
    assert response.status_code == 400
    assert response.json() == {"instrument": ["Null characters are not allowed."]}
