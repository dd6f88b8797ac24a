"""The charges and invoice pages: who sees which charge and invoice, who may draft, issue, void
and record payments, and how a bad request leaves everything as it was."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from billing import charges, invoicing
from billing.models import Charge, Invoice, LedgerEntry, Payment, VoucherGrant
from tests import factories as f
from tests.billing import pages_world as W
from tests.billing.pages_world import EN, ROLES, login

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    return reverse(f"billing:{name}", args=args)


def get(client, w, role: str, path: str, **params):
    return login(client, w, role).get(path, params, **EN)


def post(client, w, role: str, path: str, data: dict | None = None):
    return login(client, w, role).post(path, data or {}, **EN)


def snapshot() -> tuple:
    """Everything the actions may write."""
    invoices = tuple(
        Invoice.objects.order_by("pk").values_list("pk", "status", "number", "paid_amount", "voucher_amount")
    )
    charges = tuple(Charge.objects.order_by("pk").values_list("pk", "invoice_id"))
    return invoices, charges, Payment.objects.count(), LedgerEntry.objects.count(), _balances()


def _balances() -> tuple:
    return tuple(VoucherGrant.objects.order_by("pk").values_list("balance", flat=True))


# Charges

CHARGES_SEEN = {
    "stranger": set(), "stranger_admin": set(), "member": {"measured", "declared"},
    "customer_admin": {"measured", "declared"}, "provider_admin": {"measured", "declared", "internal"},
    "manager": {"measured", "declared", "internal"}, "other_manager": set(),
    "regulator": {"measured", "declared", "internal"}, "far_regulator": set(),
    "platform_admin": {"measured", "declared", "internal"},
}  # fmt: skip


def names(w, charges) -> set[str]:
    ids = {c.pk: name for name, c in (("measured", w.measured), ("declared", w.declared), ("internal", w.internal))}
    return {ids[c.pk] for c in charges}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_exactly_the_charges_it_may(client, role):
    w = W.charged(W.world())
    response = get(client, w, role, url("charges"))
    if role == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
        return
    assert response.status_code == 200
    assert names(w, [row.charge for row in response.context["rows"]]) == CHARGES_SEEN[role]


def test_a_charge_shows_its_lines_its_source_and_whether_use_was_measured(client):
    w = W.charged(W.world())
    page = get(client, w, "manager", url("charges")).content.decode()
    assert "Use: booked time" in page and "2 h × ¥300.00" in page and "¥600.00" in page
    assert "Use: declared time (no reporting gateway)" in page and "1 h × ¥300.00" in page
    assert 'class="tag measured"' in page and 'class="tag declared"' in page
    assert reverse("booking:reservation", args=[w.measured.reservation_id]) in page


def test_a_sample_order_charge_links_its_order_and_says_whether_results_were_confirmed(client):
    w = W.world()
    instrument = f.InstrumentFactory(lab=w.instrument.lab)
    f.RateCardFactory(instrument=instrument, unit="sample", price_enterprise=D("450.00"),
                      valid_from=timezone.localdate() - dt.timedelta(days=30))  # fmt: skip
    done = timezone.now() - dt.timedelta(days=1)
    order = f.SampleOrderFactory(instrument=instrument, requester=w.member, samples=2, status="completed",
                                 decided_at=done, completed_at=done, confirmed_at=done)  # fmt: skip
    charge = charges.charge_sample_order(order)
    response = get(client, w, "customer_admin", url("charges"))
    (row,) = response.context["rows"]
    assert row.charge == charge and row.evidence == "confirmed"
    assert row.url == reverse("booking:sample-order", args=[order.pk])
    assert [(x.label, x.quantity, x.amount) for x in row.lines] == [("Samples tested", "2", D("900.00"))]
    assert "results confirmed" in response.content.decode()


def test_the_totals_are_those_of_the_filtered_charges(client):
    w = W.issued(W.drafted(W.with_grant(W.charged(W.world()))))
    totals = get(client, w, "provider_admin", url("charges")).context["totals"]
    assert (totals.count, totals.net, totals.vat, totals.total) == (3, D("1000.00"), D("54.00"), D("1054.00"))
    assert totals.vouchers == D("254.40")
    outside = get(client, w, "provider_admin", url("charges"), customer_class="enterprise").context["totals"]
    assert (outside.count, outside.net, outside.vat) == (2, D("900.00"), D("54.00"))


FILTERS = [
    ({"invoiced": "no"}, {"internal"}),
    ({"invoiced": "yes"}, {"measured", "declared"}),
    ({"customer_class": "internal"}, {"internal"}),
    ({"customer_class": "internal", "cost_centre": "kj-2026"}, {"internal"}),
    ({"cost_centre": "NOPE"}, set()),
    ({"side": "customer"}, {"internal"}),  # its own researcher's use is billed to the provider
    ({"side": "provider"}, {"measured", "declared", "internal"}),
]


@pytest.mark.parametrize(("params", "expected"), FILTERS)
def test_the_filters_choose_charges(client, params, expected):
    w = W.drafted(W.charged(W.world()))
    response = get(client, w, "provider_admin", url("charges"), **params)
    assert names(w, [row.charge for row in response.context["rows"]]) == expected


def test_filters_by_period_instrument_and_customer(client):
    w = W.charged(W.world())
    day = w.measured.service_date
    later = {"from": (day + dt.timedelta(days=1)).isoformat()}
    assert get(client, w, "manager", url("charges"), **later).context["rows"] == []
    assert len(get(client, w, "manager", url("charges"), **w.period).context["rows"]) == 3
    other = f.InstrumentFactory(lab=w.instrument.lab)
    assert get(client, w, "manager", url("charges"), instrument=other.pk).status_code == 200  # not charged: no choice
    chosen = get(client, w, "manager", url("charges"), instrument=w.instrument.pk, customer=w.customer.pk)
    assert names(w, [row.charge for row in chosen.context["rows"]]) == {"measured", "declared"}


def test_internal_use_is_summed_by_cost_centre(client):
    w = W.charged(W.world())
    response = get(client, w, "provider_admin", url("charges"), customer_class="internal")
    assert response.context["by_cost_centre"] == [{"cost_centre": "KJ-2026-017", "net": D("100.00")}]


def test_a_period_that_ends_before_it_starts_is_an_error_on_the_field(client):
    w = W.charged(W.world())
    response = get(client, w, "manager", url("charges"), **{"from": "2026-05-02", "to": "2026-05-01"})
    assert response.status_code == 200 and "to" in response.context["form"].errors
    assert len(response.context["rows"]) == 3  # unfiltered, with the error shown


# Invoices: who sees them

INVOICE_SEEN = {"member", "customer_admin", "provider_admin", "manager", "regulator", "platform_admin"}


@pytest.mark.parametrize("role", ROLES)
def test_the_invoice_list_and_page_are_scoped(client, role):
    w = W.full()
    listing = get(client, w, role, url("invoices"))
    page = get(client, w, role, url("invoice", w.invoice.pk))
    if role == "anonymous":
        assert listing.status_code == page.status_code == 302
        assert page["Location"].startswith("/accounts/login/")
        return
    assert listing.status_code == 200
    seen = role in INVOICE_SEEN
    assert (w.invoice in list(listing.context["page"])) is seen
    assert page.status_code == (200 if seen else 404)


def test_the_invoice_page_groups_lines_by_charge_with_totals_and_vouchers(client):
    w = W.full()
    response = get(client, w, "provider_admin", url("invoice", w.invoice.pk))
    rows = response.context["rows"]
    assert [row.charge for row in rows] == sorted([w.measured, w.declared], key=lambda c: (c.service_date, c.pk))
    assert {row.evidence for row in rows} == {"measured", "declared"}
    page = response.content.decode()
    assert w.invoice.number in page
    for amount in ("¥900.00", "¥54.00", "¥954.00", "¥254.40", "¥699.60"):
        assert amount in page
    assert "江苏省科技创新券" in page  # the voucher programme that paid
    assert response.context["payment_form"] is not None and response.context["may_void"]


def test_a_customer_reads_what_they_pay_and_what_vouchers_pay(client):
    w = W.full()
    for role in ("customer_admin", "member"):
        page = get(client, w, role, url("invoice", w.invoice.pk)).content.decode()
        assert "You pay <strong>¥699.60</strong>; vouchers pay ¥254.40." in page
        assert "Record a payment" not in page and url("invoice-issue", w.invoice.pk) not in page
    provider = get(client, w, "provider_admin", url("invoice", w.invoice.pk)).content.decode()
    assert "You pay" not in provider


def test_the_list_filters_by_side_status_and_overdue(client):
    w = W.issued(W.drafted(W.with_grant(W.charged(W.world()))), now=timezone.now() - dt.timedelta(days=45))
    listing = get(client, w, "customer_admin", url("invoices"), side="customer", overdue="on")
    assert list(listing.context["page"]) == [w.invoice] and listing.context["page"][0].overdue
    assert "overdue" in listing.content.decode()
    assert list(get(client, w, "customer_admin", url("invoices"), side="provider").context["page"]) == []
    assert list(get(client, w, "provider_admin", url("invoices"), status="paid").context["page"]) == []
    assert list(get(client, w, "provider_admin", url("invoices"), status="issued").context["page"]) == [w.invoice]


def test_an_invoice_not_yet_due_is_not_overdue(client):
    w = W.full()
    assert list(get(client, w, "provider_admin", url("invoices"), overdue="on").context["page"]) == []


# Invoices: drafts

MAY_DRAFT = {"provider_admin", "platform_admin", "customer_admin", "stranger_admin"}  # finance of an owner org


@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_the_draft_form(client, role):
    w = W.charged(W.world())
    response = get(client, w, role, url("invoice-draft"))
    if role == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == (200 if role in MAY_DRAFT else 403)


def test_provider_finance_makes_a_draft_of_a_customer_and_period(client):
    w = W.charged(W.world())
    data = {"provider": w.provider.pk, "customer": w.customer.pk, **w.period}
    response = post(client, w, "provider_admin", url("invoice-draft"), data)
    invoice = Invoice.objects.get()
    assert response.status_code == 302 and response["Location"] == url("invoice", invoice.pk)
    assert invoice.status == "draft" and invoice.total == D("954.00")
    assert set(invoice.charges.all()) == {w.measured, w.declared}  # internal use is not invoiced


def test_a_customer_with_everything_invoiced_is_not_offered(client):
    w = W.drafted(W.charged(W.world()))
    form = get(client, w, "provider_admin", url("invoice-draft")).context["form"]
    assert list(form.fields["customer"].queryset) == []


def test_a_draft_of_a_period_without_charges_is_refused_with_the_reason(client):
    w = W.charged(W.world())
    before = snapshot()
    response = post(client, w, "platform_admin", url("invoice-draft"), {
        "provider": w.provider.pk, "customer": w.customer.pk, "from": "2020-01-01", "to": "2020-02-01"})  # fmt: skip
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [str(invoicing.NOTHING_TO_INVOICE)]
    assert snapshot() == before


def test_a_draft_period_backwards_is_an_error_on_its_end(client):
    w = W.charged(W.world())
    before = snapshot()
    response = post(client, w, "provider_admin", url("invoice-draft"), {
        "provider": w.provider.pk, "customer": w.customer.pk, "from": "2026-05-02", "to": "2026-05-01"})  # fmt: skip
    assert response.status_code == 200 and response.context["form"].errors["to"]
    assert snapshot() == before


def test_an_org_admin_cannot_draft_for_another_provider(client):
    w = W.charged(W.world())
    data = {"provider": w.provider.pk, "customer": w.customer.pk, **w.period}
    response = post(client, w, "customer_admin", url("invoice-draft"), data)
    assert response.status_code == 200 and "provider" in response.context["form"].errors
    assert not Invoice.objects.exists()


# Invoices: issue, void, record a payment

ACTORS = {"provider_admin", "platform_admin"}


def expected_status(role: str) -> int:
    if role == "anonymous":
        return 302
    if role in ACTORS:
        return 302
    return 403 if role in INVOICE_SEEN else 404


@pytest.mark.parametrize("role", ROLES)
def test_who_may_issue_a_draft(client, role):
    w = W.drafted(W.with_grant(W.charged(W.world())))
    response = post(client, w, role, url("invoice-issue", w.invoice.pk))
    assert response.status_code == expected_status(role)
    w.invoice.refresh_from_db()
    assert (w.invoice.status == "issued") is (role in ACTORS)
    if role in ACTORS:
        assert w.invoice.number and w.invoice.voucher_amount == D("254.40")


def test_issuing_twice_says_why_and_changes_nothing(client):
    w = W.full()
    before = snapshot()
    response = post(client, w, "provider_admin", url("invoice-issue", w.invoice.pk))
    assert response.status_code == 302
    page = client.get(response["Location"], **EN).content.decode()
    assert "Only a draft can be issued; this invoice is Issued." in page
    assert snapshot() == before


@pytest.mark.parametrize("role", ROLES)
def test_who_may_void_an_invoice(client, role):
    w = W.full()
    confirm = get(client, w, role, url("invoice-void", w.invoice.pk))
    assert confirm.status_code == (200 if role in ACTORS else expected_status(role))
    response = post(client, w, role, url("invoice-void", w.invoice.pk), {"reason": "开票信息有误"})
    assert response.status_code == expected_status(role)
    w.invoice.refresh_from_db()
    assert (w.invoice.status == "void") is (role in ACTORS)


def test_voiding_asks_to_confirm_then_issues_a_credit_note(client):
    w = W.full()
    confirm = get(client, w, "provider_admin", url("invoice-void", w.invoice.pk)).content.decode()
    assert "A credit note over ¥954.00 is issued" in confirm and "¥254.40" in confirm
    assert Invoice.objects.get(pk=w.invoice.pk).status == "issued"  # looking changes nothing
    response = post(client, w, "provider_admin", url("invoice-void", w.invoice.pk), {"reason": "开票信息有误"})
    note = Invoice.objects.get(kind="credit_note")
    assert response["Location"] == url("invoice", w.invoice.pk)
    assert note.corrects_id == w.invoice.pk and note.total == D("-954.00")
    assert _balances() == (D("10000.00"),)  # the voucher's share went back to the grant
    page = get(client, w, "customer_admin", url("invoice", w.invoice.pk)).content.decode()
    assert note.number in page and "开票信息有误" in page
    note_page = get(client, w, "customer_admin", url("invoice", note.pk))
    assert note_page.status_code == 200 and w.invoice.number in note_page.content.decode()


def test_voiding_without_a_reason_is_an_error_on_the_reason(client):
    w = W.full()
    before = snapshot()
    response = post(client, w, "provider_admin", url("invoice-void", w.invoice.pk), {"reason": "  "})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == [str(invoicing.REASON_REQUIRED)]
    assert snapshot() == before


def test_a_draft_is_discarded_without_a_credit_note(client):
    w = W.drafted(W.charged(W.world()))
    post(client, w, "provider_admin", url("invoice-void", w.invoice.pk), {"reason": "客户要求分开开票"})
    assert Invoice.objects.get(pk=w.invoice.pk).status == "void" and not Invoice.objects.filter(kind="credit_note")
    assert Charge.objects.filter(invoice__isnull=True).count() == 3


def pay(client, w, role="provider_admin", **fields):
    data = {"reference": "BOC-20261130-0042", "paid_on": timezone.localdate().isoformat(), "amount": "699.60"}
    return post(client, w, role, url("invoice-payment", w.invoice.pk), {**data, **fields})


@pytest.mark.parametrize("role", ROLES)
def test_who_may_record_a_payment(client, role):
    w = W.full()
    response = pay(client, w, role)
    assert response.status_code == expected_status(role)
    w.invoice.refresh_from_db()
    assert (w.invoice.status == "paid") is (role in ACTORS)


def test_payments_in_part_then_in_full_mark_the_invoice_paid(client):
    w = W.full()
    pay(client, w, amount="600.00")
    invoice = Invoice.objects.get(pk=w.invoice.pk)
    assert invoice.status == "issued" and invoice.outstanding == D("99.60")
    pay(client, w, reference="BOC-20261201-0007", amount="99.60")
    page = get(client, w, "customer_admin", url("invoice", w.invoice.pk)).content.decode()
    assert Invoice.objects.get(pk=w.invoice.pk).status == "paid"
    assert "BOC-20261130-0042" in page and "BOC-20261201-0007" in page


BAD_PAYMENTS = [
    pytest.param({"amount": "699.61"}, "amount", "This is more than the 699.60 still owed", id="overpaying"),
    pytest.param({"amount": "0"}, "amount", invoicing.AMOUNT_POSITIVE, id="zero"),
    pytest.param({"amount": "-5.00"}, "amount", invoicing.AMOUNT_POSITIVE, id="negative"),
    pytest.param({"amount": "10.005"}, "amount", invoicing.AMOUNT_POSITIVE, id="three decimals"),
    pytest.param({"amount": "ten"}, "amount", invoicing.AMOUNT_POSITIVE, id="not a number"),
    pytest.param({"reference": " "}, "reference", invoicing.REFERENCE_REQUIRED, id="no reference"),
    pytest.param({"paid_on": "yesterday"}, "paid_on", "Enter a valid date.", id="no date"),
]


@pytest.mark.parametrize(("fields", "field", "message"), BAD_PAYMENTS)
def test_a_bad_payment_is_an_error_on_its_field_and_writes_nothing(client, fields, field, message):
    w = W.full()
    before = snapshot()
    response = pay(client, w, **fields)
    assert response.status_code == 200
    assert any(str(message) in error for error in response.context["payment_form"].errors[field])  # in English
    assert snapshot() == before


def test_paying_a_void_invoice_is_refused(client):
    w = W.full()
    invoicing.invoice_void(invoice=w.invoice, by=w.provider_admin, reason="重开")
    before = snapshot()
    response = pay(client, w)
    assert response.status_code == 200
    assert response.context["payment_form"].non_field_errors() == [
        str(invoicing.NOT_PAYABLE % {"status": Invoice.Status.VOID.label})
    ]
    assert snapshot() == before


def test_a_paid_invoice_cannot_be_voided(client):
    w = W.full()
    pay(client, w, amount="10.00")
    before = snapshot()
    response = post(client, w, "provider_admin", url("invoice-void", w.invoice.pk), {"reason": "重开"})
    assert (
        response.status_code == 200 and str(invoicing.PAID_CANNOT_VOID) in response.context["form"].non_field_errors()
    )
    assert snapshot() == before


# The menu and the Chinese pages


def test_the_menu_offers_invoices_to_finance_and_to_those_with_charges(client):
    w = W.charged(W.world())
    link = f'href="{url("invoices")}"'
    for role, shown in (("provider_admin", True), ("member", True), ("manager", True), ("stranger", False),
                        ("other_manager", False)):  # fmt: skip
        client.logout()
        page = get(client, w, role, "/").content.decode()
        assert (link in page) is shown, role


def test_the_pages_speak_chinese_by_default(client):
    w = W.full()
    login(client, w, "provider_admin")
    page = client.get(url("invoice", w.invoice.pk)).content.decode()
    assert '<html lang="zh-hans">' in page and "江苏测试大学" in page and w.invoice.number in page
