"""Many invoices issued at once: numbers have no gaps and no repeats, and a grant paid by all
of them ends with an exact, never negative, balance. Runs on SQLite and on PostgreSQL
(make test runs both); each thread has its own database connection."""

import datetime as dt
import threading
from decimal import Decimal as D

import pytest
from django.db import close_old_connections, connection

from accounts.models import Organization
from billing import charges, invoicing
from billing.models import Invoice, VoucherGrant, VoucherPayment
from tests import factories as f
from tests.billing.helpers import DAY, granted, programme, rate_card, settled

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
THREADS = 12
OCTOBER = (dt.date(2026, 10, 1), dt.date(2026, 11, 1))
NOW = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)


def run_together(work):
    """Run work(i) in THREADS threads released at once; returns the exceptions raised."""
    barrier, errors = threading.Barrier(THREADS), []

    def target(i):
        try:
            barrier.wait()
            work(i)
        except Exception as error:  # reported to the test below
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_invoices_issued_at_once_are_numbered_without_gaps():
    instrument = f.InstrumentFactory()
    rate_card(instrument)
    drafts = []
    for _ in range(THREADS):
        customer = f.OrganizationFactory(kind=Organization.Kind.ENTERPRISE)
        charges.charge_reservation(settled(instrument, customer=customer))
        drafts.append(invoicing.invoice_draft(provider=instrument.institution, customer=customer,
                                              period_start=OCTOBER[0], period_end=OCTOBER[1]))  # fmt: skip
    assert run_together(lambda i: invoicing.invoice_issue(invoice=drafts[i], now=NOW)) == []
    sequences = sorted(Invoice.objects.values_list("sequence", flat=True))
    assert sequences == list(range(1, THREADS + 1))


def test_one_grant_paid_by_many_invoices_at_once_stays_exact():
    regulator = f.regulator("320100")
    firm = f.OrganizationFactory(kind=Organization.Kind.ENTERPRISE)
    # 40% of 318.00 = 127.20 per invoice; the balance covers 5 of them and 50.00 of a sixth.
    grant = granted(programme(regulator, share=D("40")), firm, amount=D("686.00"))
    drafts = []
    for i in range(THREADS):
        instrument = f.InstrumentFactory()  # one provider each: separate counters, one shared grant
        rate_card(instrument)
        charges.charge_reservation(settled(instrument, customer=firm, start=DAY + dt.timedelta(hours=i)))
        drafts.append(invoicing.invoice_draft(provider=instrument.institution, customer=firm,
                                              period_start=OCTOBER[0], period_end=OCTOBER[1]))  # fmt: skip
    assert run_together(lambda i: invoicing.invoice_issue(invoice=drafts[i], now=NOW)) == []
    grant = VoucherGrant.objects.get(pk=grant.pk)
    paid = sorted(VoucherPayment.objects.values_list("amount", flat=True))
    assert grant.balance == D("0.00")
    assert sum(paid) == D("686.00") and paid.count(D("127.20")) == 5 and D("50.00") in paid
    assert sum(Invoice.objects.values_list("voucher_amount", flat=True)) == D("686.00")
