"""/api/v1/invoices/: who sees an invoice, the provider's finance drafts, issues, voids and
records payments; bad amounts, overpayment and paying a void invoice write nothing."""

import datetime as dt
from decimal import Decimal as D

import pytest

from billing import invoicing
from billing.api import NOT_FINANCE, PROVIDER_REQUIRED
from billing.models import Invoice, Payment
from tests.billing import api_world as W
from tests.billing.api_world import ROLES, client, expect

pytestmark = pytest.mark.django_db

SEES_INVOICE = {"member", "customer_admin", "provider_admin", "manager", "regulator", "platform_admin"}
FINANCE = {"provider_admin", "platform_admin"}


def vouchered() -> W.World:
    """Charged, with the customer holding a grant: issuing lets the voucher pay its share."""
    return W.with_grant(W.with_programme(W.charged(W.world())))


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_the_invoice(api, role):
    w = W.drafted(W.charged(W.world()))
    response = client(api, w, role).get("/api/v1/invoices/")
    if role == "anonymous":
        assert response.status_code == 401
        return
    assert {row["id"] for row in response.json()["results"]} == ({w.invoice.pk} if role in SEES_INVOICE else set())
    detail = client(api, w, role).get(f"/api/v1/invoices/{w.invoice.pk}/")
    assert detail.status_code == (200 if role in SEES_INVOICE else 404)


def test_an_invoice_shows_its_charges_payments_and_what_the_customer_owes(api):
    w = W.issued(W.drafted(vouchered()))
    invoicing.payment_record(
        invoice=w.invoice, by=w.provider_admin, reference="BOC-001", paid_on=w.today, amount=D("100.00")
    )
    invoice = client(api, w, "customer_admin").get(f"/api/v1/invoices/{w.invoice.pk}/").json()
    # 600 + 36 measured, 300 + 18 declared; the voucher pays 40% of the measured charge only.
    assert (invoice["net"], invoice["vat"], invoice["total"]) == ("900.00", "54.00", "954.00")
    assert (invoice["voucher_amount"], invoice["customer_due"]) == ("254.40", "699.60")
    assert (invoice["paid_amount"], invoice["outstanding"]) == ("100.00", "599.60")
    assert invoice["status"] == "issued" and invoice["kind"] == "invoice" and invoice["overdue"] is False
    assert invoice["number"] == w.invoice.number and invoice["due_date"] == w.invoice.due_date.isoformat()
    assert (invoice["provider"], invoice["customer"]) == (w.provider.code, w.customer.code)
    assert [c["id"] for c in invoice["charges"]] == [w.unverified.pk, w.charge.pk]  # by service date
    assert invoice["charges"][1]["lines"][0]["amount"] == "600.00"
    assert [(p["reference"], p["amount"], p["paid_on"]) for p in invoice["payments"]] == [
        ("BOC-001", "100.00", w.today.isoformat())
    ]


def test_an_invoice_past_its_due_date_is_overdue(api):
    w = W.drafted(W.charged(W.world()))
    invoicing.invoice_issue(invoice=w.invoice, now=w.now - dt.timedelta(days=40))  # due 10 days ago
    assert client(api, w, "member").get(f"/api/v1/invoices/{w.invoice.pk}/").json()["overdue"] is True


def test_invoices_filter_by_status_and_customer(api):
    w = W.drafted(W.charged(W.world()))
    other = W.issued(W.drafted(W.charged(W.world())))
    get = lambda **q: [r["id"] for r in client(api, w, "platform_admin").get("/api/v1/invoices/", q).json()["results"]]  # noqa: E731
    assert get(status="draft") == [w.invoice.pk]
    assert get(status="issued", customer=other.customer.code) == [other.invoice.pk]
    assert client(api, w, "platform_admin").get("/api/v1/invoices/", {"status": "sent"}).status_code == 400


# Drafting


def draft_body(w: W.World, **overrides) -> dict:
    day = w.charge.service_date
    start, end = day - dt.timedelta(days=1), day + dt.timedelta(days=1)
    return {
        "customer": w.customer.code, "provider": w.provider.code, "period_start": start.isoformat(),
        "period_end": end.isoformat(), **overrides,
    }  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_who_may_draft_an_invoice(api, role):
    w = W.charged(W.world())
    response = client(api, w, role).post("/api/v1/invoices/", draft_body(w), format="json")
    assert response.status_code == (401 if role == "anonymous" else 201 if role in FINANCE else 403)
    if role in FINANCE:
        invoice = response.json()
        assert invoice["status"] == "draft" and invoice["number"] == "" and invoice["total"] == "954.00"
        assert {c["id"] for c in invoice["charges"]} == {w.charge.pk, w.unverified.pk}
    else:
        assert not Invoice.objects.exists()
    if response.status_code == 403:
        assert response.json()["detail"] == str(NOT_FINANCE)


def test_finance_drafts_for_its_own_institution_by_default(api):
    w = W.charged(W.world())
    body = draft_body(w)
    del body["provider"]
    assert client(api, w, "provider_admin").post("/api/v1/invoices/", body, format="json").status_code == 201


def test_a_platform_admin_names_the_provider(api):
    w = W.charged(W.world())
    body = draft_body(w)
    del body["provider"]
    response = client(api, w, "platform_admin").post("/api/v1/invoices/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {"provider": [str(PROVIDER_REQUIRED)]}


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"period_end": "2020-01-01", "period_start": "2020-01-01"}, {"period_end": invoicing.PERIOD_ORDER}),
        ({"period_start": "2020-01-01", "period_end": "2020-02-01"},
         {"non_field_errors": invoicing.NOTHING_TO_INVOICE}),
        ({"customer": "nobody"}, None),
        ({"period_start": "1 May"}, None),
    ],
)  # fmt: skip
def test_a_draft_needs_a_known_customer_an_ordered_period_and_charges(api, overrides, errors):
    w = W.charged(W.world())
    response = client(api, w, "provider_admin").post("/api/v1/invoices/", draft_body(w, **overrides), format="json")
    assert response.status_code == 400
    if errors:  # messages as lazy strings, read in English here
        assert response.json() == {field: [str(message)] for field, message in errors.items()}
    else:
        assert set(response.json()) == set(overrides)
    assert not Invoice.objects.exists()


# Issuing, voiding, paying


@pytest.mark.parametrize("role", ROLES)
def test_who_may_issue(api, role):
    w = W.drafted(vouchered())
    response = client(api, w, role).post(f"/api/v1/invoices/{w.invoice.pk}/issue/")
    assert response.status_code == expect(role, ok=200, seen=SEES_INVOICE, allowed=FINANCE)
    w.invoice.refresh_from_db()
    if role in FINANCE:
        invoice = response.json()
        assert invoice["status"] == "issued" and invoice["number"] == w.invoice.number != ""
        assert invoice["voucher_amount"] == "254.40" and invoice["customer_due"] == "699.60"
    else:
        assert w.invoice.status == Invoice.Status.DRAFT and w.invoice.number == ""


def test_issuing_twice_is_refused(api):
    w = W.issued(W.drafted(W.charged(W.world())))
    response = client(api, w, "provider_admin").post(f"/api/v1/invoices/{w.invoice.pk}/issue/")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [str(invoicing.NOT_DRAFT % {"status": "Issued"})]}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_void(api, role):
    w = W.issued(W.drafted(vouchered()))
    url = f"/api/v1/invoices/{w.invoice.pk}/void/"
    response = client(api, w, role).post(url, {"reason": "开错抬头"}, format="json")
    assert response.status_code == expect(role, ok=200, seen=SEES_INVOICE, allowed=FINANCE)
    w.invoice.refresh_from_db()
    w.grant.refresh_from_db()
    if role in FINANCE:
        invoice = response.json()
        assert invoice["status"] == "void" and invoice["void_reason"] == "开错抬头"
        [note_id] = invoice["credit_notes"]
        note = client(api, w, "customer_admin").get(f"/api/v1/invoices/{note_id}/").json()
        assert (note["kind"], note["corrects"], note["total"], note["voucher_amount"]) == (
            "credit_note", w.invoice.pk, "-954.00", "-254.40",
        )  # fmt: skip
        assert w.grant.balance == D("10000.00")  # the voucher's share went back
    else:
        assert w.invoice.status == Invoice.Status.ISSUED and w.grant.balance == D("9745.60")


def test_voiding_needs_a_reason(api):
    w = W.issued(W.drafted(W.charged(W.world())))
    response = client(api, w, "provider_admin").post(f"/api/v1/invoices/{w.invoice.pk}/void/", {}, format="json")
    assert response.status_code == 400
    assert response.json() == {"reason": [str(invoicing.REASON_REQUIRED)]}
    w.invoice.refresh_from_db()
    assert w.invoice.status == Invoice.Status.ISSUED and not w.invoice.credit_notes.exists()


def test_a_credit_note_cannot_be_voided(api):
    w = W.issued(W.drafted(W.charged(W.world())))
    note = invoicing.invoice_void(invoice=w.invoice, by=w.provider_admin, reason="重开")
    response = client(api, w, "provider_admin").post(f"/api/v1/invoices/{note.pk}/void/", {"reason": "x"})
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [str(invoicing.CREDIT_NOTE_FINAL)]}
    assert Invoice.objects.count() == 2 and Invoice.objects.get(pk=note.pk).status == Invoice.Status.ISSUED


def payment(w: W.World, **overrides) -> dict:
    return {"reference": "BOC-20261130-1", "paid_on": w.today.isoformat(), "amount": "100.00", **overrides}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_record_a_payment(api, role):
    w = W.issued(W.drafted(vouchered()))
    response = client(api, w, role).post(f"/api/v1/invoices/{w.invoice.pk}/payments/", payment(w), format="json")
    assert response.status_code == expect(role, ok=201, seen=SEES_INVOICE, allowed=FINANCE)
    w.invoice.refresh_from_db()
    if role in FINANCE:
        invoice = response.json()
        assert (invoice["paid_amount"], invoice["outstanding"], invoice["status"]) == ("100.00", "599.60", "issued")
        assert Payment.objects.get().recorded_by == w.users[role]
    else:
        assert not Payment.objects.exists() and w.invoice.paid_amount == 0


def test_paying_what_is_owed_marks_the_invoice_paid(api):
    w = W.issued(W.drafted(vouchered()))
    url = f"/api/v1/invoices/{w.invoice.pk}/payments/"
    invoice = client(api, w, "provider_admin").post(url, payment(w, amount="699.60"), format="json").json()
    assert (invoice["status"], invoice["outstanding"]) == ("paid", "0.00")


BAD_PAYMENTS = [
    pytest.param({"amount": "10.005"}, "amount", id="three decimals"),
    pytest.param({"amount": "-5.00"}, "amount", id="negative"),
    pytest.param({"amount": "0"}, "amount", id="zero"),
    pytest.param({"amount": "699.61"}, "amount", id="more than is owed"),
    pytest.param({"amount": "ten"}, "amount", id="not a number"),
    pytest.param({"reference": "  "}, "reference", id="no reference"),
    pytest.param({"reference": "x" * 81}, "reference", id="reference too long"),
    pytest.param({"paid_on": "yesterday"}, "paid_on", id="not a date"),
]


@pytest.mark.parametrize(("overrides", "field"), BAD_PAYMENTS)
def test_bad_payments_are_field_errors_and_write_nothing(api, overrides, field):
    w = W.issued(W.drafted(vouchered()))
    url = f"/api/v1/invoices/{w.invoice.pk}/payments/"
    response = client(api, w, "provider_admin").post(url, payment(w, **overrides), format="json")
    assert response.status_code == 400
    assert set(response.json()) == {field}
    w.invoice.refresh_from_db()
    assert not Payment.objects.exists() and w.invoice.paid_amount == 0


def test_overpayment_says_what_is_still_owed(api):
    w = W.issued(W.drafted(vouchered()))
    url = f"/api/v1/invoices/{w.invoice.pk}/payments/"
    response = client(api, w, "provider_admin").post(url, payment(w, amount="699.61"), format="json")
    assert response.json() == {"amount": [str(invoicing.OVERPAID % {"outstanding": D("699.60")})]}


@pytest.mark.parametrize("state", ["draft", "void"])
def test_a_draft_or_void_invoice_cannot_be_paid(api, state):
    w = W.drafted(W.charged(W.world()))
    if state == "void":
        invoicing.invoice_void(invoice=w.invoice, by=w.provider_admin, reason="作废")
    url = f"/api/v1/invoices/{w.invoice.pk}/payments/"
    response = client(api, w, "provider_admin").post(url, payment(w), format="json")
    assert response.status_code == 400
    label = {"draft": "Draft", "void": "Void"}[state]
    assert response.json() == {"non_field_errors": [str(invoicing.NOT_PAYABLE % {"status": label})]}
    assert not Payment.objects.exists()


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_an_invoice_is_never_edited_or_deleted(api, method):
    w = W.drafted(W.charged(W.world()))
    url = f"/api/v1/invoices/{w.invoice.pk}/"
    assert getattr(client(api, w, "platform_admin"), method)(url, {}, format="json").status_code == 405
