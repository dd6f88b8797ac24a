"""Invoices gather external charges, are numbered without gaps when issued, are paid in
parts but never overpaid, and are corrected only by credit notes."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Organization
from billing import charges, invoicing
from billing.models import Charge, Invoice, LedgerEntry
from tests import factories as f
from tests.billing.helpers import DAY, rate_card, settled

pytestmark = pytest.mark.django_db
OCTOBER = (dt.date(2026, 10, 1), dt.date(2026, 11, 1))
NOW = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)


@pytest.fixture
def instrument():
    instrument = f.InstrumentFactory()
    rate_card(instrument)
    return instrument


@pytest.fixture
def customer():
    return f.OrganizationFactory(kind=Organization.Kind.ENTERPRISE)


@pytest.fixture
def finance(instrument):
    return f.UserFactory(organization=instrument.institution, role="org_admin")


def charged(instrument, customer, **kw):
    return charges.charge_reservation(settled(instrument, customer=customer, **kw))


def draft(instrument, customer):
    return invoicing.invoice_draft(
        provider=instrument.institution, customer=customer, period_start=OCTOBER[0], period_end=OCTOBER[1]
    )


def test_a_draft_gathers_the_periods_external_charges(instrument, customer):
    a = charged(instrument, customer)
    b = charged(instrument, customer, start=DAY + dt.timedelta(days=3), minutes=120, measured=120)
    charged(instrument, customer, start=DAY + dt.timedelta(days=30))  # November
    charged(instrument, instrument.institution)  # internal: charged to a cost centre, not invoiced
    invoice = draft(instrument, customer)
    assert set(invoice.charges.all()) == {a, b}
    assert (invoice.net, invoice.vat, invoice.total) == (D("900.00"), D("54.00"), D("954.00"))
    assert invoice.status == "draft" and invoice.number == ""


def test_nothing_to_invoice_is_a_clear_error(instrument, customer):
    with pytest.raises(ValidationError, match="no uninvoiced charges"):
        draft(instrument, customer)
    assert not Invoice.objects.exists()


def test_a_charge_is_on_one_invoice_only(instrument, customer):
    charged(instrument, customer)
    draft(instrument, customer)
    with pytest.raises(ValidationError):
        draft(instrument, customer)


def test_issuing_numbers_per_provider_without_gaps(instrument, customer):
    other = f.OrganizationFactory(kind=Organization.Kind.ENTERPRISE)
    charged(instrument, customer)
    charged(instrument, other)
    first = invoicing.invoice_issue(invoice=draft(instrument, customer), now=NOW)
    second = invoicing.invoice_issue(invoice=draft(instrument, other), now=NOW)
    code = instrument.institution.code.upper()
    assert (first.number, second.number) == (f"INV-{code}-2026-000001", f"INV-{code}-2026-000002")
    assert first.due_date == dt.date(2026, 12, 2) and first.status == "issued"
    assert LedgerEntry.objects.filter(kind="invoice_issued").count() == 2


def test_an_issued_invoice_cannot_be_issued_again(instrument, customer):
    charged(instrument, customer)
    invoice = invoicing.invoice_issue(invoice=draft(instrument, customer), now=NOW)
    with pytest.raises(ValidationError, match="Only a draft"):
        invoicing.invoice_issue(invoice=invoice, now=NOW)


def test_partial_payments_then_paid(instrument, customer, finance):
    charged(instrument, customer)  # 300 + 18 VAT
    invoice = invoicing.invoice_issue(invoice=draft(instrument, customer), now=NOW)
    invoicing.payment_record(invoice=invoice, by=finance, reference="TX1", paid_on=dt.date(2026, 11, 5), amount="100")
    invoice.refresh_from_db()
    assert invoice.status == "issued" and invoice.outstanding == D("218.00")
    invoicing.payment_record(invoice=invoice, by=finance, reference="TX2", paid_on=dt.date(2026, 11, 6), amount="218")
    invoice.refresh_from_db()
    assert invoice.status == "paid" and invoice.outstanding == 0


@pytest.mark.parametrize("amount", ["318.01", "0", "-5", "10.001", "abc", "NaN", "Infinity"])
def test_bad_or_excess_payments_are_refused_and_write_nothing(instrument, customer, finance, amount):
    charged(instrument, customer)
    invoice = invoicing.invoice_issue(invoice=draft(instrument, customer), now=NOW)
    with pytest.raises(ValidationError) as error:
        invoicing.payment_record(
            invoice=invoice, by=finance, reference="TX", paid_on=dt.date(2026, 11, 5), amount=amount
        )
    assert "amount" in error.value.message_dict
    invoice.refresh_from_db()
    assert invoice.paid_amount == 0 and not invoice.payments.exists()


def test_a_draft_or_void_invoice_cannot_be_paid(instrument, customer, finance):
    charged(instrument, customer)
    invoice = draft(instrument, customer)
    with pytest.raises(ValidationError, match="issued invoices"):
        invoicing.payment_record(invoice=invoice, by=finance, reference="T", paid_on=dt.date(2026, 11, 5), amount="1")
    invoicing.invoice_void(invoice=invoice, by=finance, reason="wrong period")
    with pytest.raises(ValidationError, match="issued invoices"):
        invoicing.payment_record(invoice=invoice, by=finance, reference="T", paid_on=dt.date(2026, 11, 5), amount="1")


def test_voiding_an_issued_invoice_issues_a_credit_note_and_frees_its_charges(instrument, customer, finance):
    charge = charged(instrument, customer)
    invoice = invoicing.invoice_issue(invoice=draft(instrument, customer), now=NOW)
    note = invoicing.invoice_void(invoice=invoice, by=finance, reason="wrong customer", now=NOW)
    invoice.refresh_from_db()
    assert invoice.status == "void" and invoice.number.endswith("000001") and invoice.total == D("318.00")
    assert note.kind == "credit_note" and note.corrects == invoice and note.total == D("-318.00")
    assert note.number.endswith("000002")  # numbered in the same sequence: no gap
    charge.refresh_from_db()
    assert charge.invoice is None
    again = invoicing.invoice_issue(invoice=draft(instrument, customer), now=NOW)
    assert again.number.endswith("000003") and list(again.charges.all()) == [charge]


def test_voiding_needs_a_reason_and_no_payments(instrument, customer, finance):
    charged(instrument, customer)
    invoice = invoicing.invoice_issue(invoice=draft(instrument, customer), now=NOW)
    with pytest.raises(ValidationError):
        invoicing.invoice_void(invoice=invoice, by=finance, reason="  ")
    invoicing.payment_record(invoice=invoice, by=finance, reference="TX", paid_on=dt.date(2026, 11, 5), amount="1")
    with pytest.raises(ValidationError, match="Payments are recorded"):
        invoicing.invoice_void(invoice=invoice, by=finance, reason="oops")


def test_month_end_invoices_last_month_once_per_pair(instrument, customer):
    other = f.OrganizationFactory(kind=Organization.Kind.INSTITUTE)
    charged(instrument, customer)
    charged(instrument, customer, start=DAY + dt.timedelta(days=1))
    charged(instrument, other)
    assert invoicing.invoices_month_end(now=NOW) == 2
    assert invoicing.invoices_month_end(now=NOW) == 0
    assert set(Invoice.objects.values_list("status", flat=True)) == {"issued"}
    assert not Charge.objects.filter(invoice__isnull=True).exclude(customer_class="internal").exists()


def test_an_invoice_is_overdue_after_its_term(instrument, customer):
    charged(instrument, customer)
    invoice = invoicing.invoice_issue(invoice=draft(instrument, customer), now=NOW)
    assert not invoicing.is_overdue(invoice, today=dt.date(2026, 12, 2))
    assert invoicing.is_overdue(invoice, today=dt.date(2026, 12, 3))


def test_a_payment_dated_in_the_future_is_refused(instrument, customer, finance):
    charged(instrument, customer)
    invoice = invoicing.invoice_issue(invoice=draft(instrument, customer), now=NOW)
    after_tomorrow = timezone.localdate() + dt.timedelta(days=2)
    with pytest.raises(ValidationError) as error:
        invoicing.payment_record(invoice=invoice, by=finance, reference="TX", paid_on=after_tomorrow, amount="1")
    assert "paid_on" in error.value.message_dict and not invoice.payments.exists()


def test_the_customers_admins_are_reminded_of_an_overdue_invoice_once(instrument, customer, mailoutbox):
    admin = f.UserFactory(organization=customer, role="org_admin", email="boss@example.com")
    f.UserFactory(organization=customer, email="staff@example.com")  # not an admin: not mailed
    charged(instrument, customer)
    invoice = invoicing.invoice_issue(invoice=draft(instrument, customer), now=NOW)
    from billing.reminders import invoices_remind

    assert invoices_remind(now=NOW + dt.timedelta(days=30)) == 0  # due on 2 December: not yet
    assert invoices_remind(now=NOW + dt.timedelta(days=32)) == 1
    assert invoices_remind(now=NOW + dt.timedelta(days=33)) == 0
    (mail,) = mailoutbox
    assert mail.to == [admin.email] and invoice.number in mail.subject and "318.00" in mail.body
