"""A start-up holding an innovation voucher books an instrument in the browser, uses it (its
gateway measures the use), and then sees the invoice with the voucher's share; the lab's
institution sees its claim for that share. Against a real daphne process, in Chinese, on a
phone-sized screen for the start-up and a desktop one for the institution. The jobs
(settlement, charges, month-end invoicing) run here with a `now` after the booking."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from selenium.webdriver.common.by import By

from accounts.models import Organization
from billing import charges, invoicing, vouchers
from billing.models import Invoice, VoucherGrant
from booking import services
from booking.models import Reservation
from booking.settlement import reservations_settle
from gateway import protocol
from telemetry import services as telemetry
from telemetry.ingest import Directory, Message, store
from tests import factories as f
from tests.billing.helpers import credit_code, programme, rate_card
from tests.browser.pages import click_and_load, log_in, with_password
from tests.helpers import WebServers, database_url

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_start_up_sees_the_voucher_share_and_the_lab_sees_the_claim(browser, desk):
    instrument = f.bookable(f.InstrumentFactory(name_zh="X射线衍射仪"), opening=(range(7), dt.time(0), dt.time(0)))
    rate_card(instrument, valid_from=timezone.localdate() - dt.timedelta(days=1))
    gateway, _secret = telemetry.gateway_register(lab=instrument.lab, code="gw-b", by=None)
    telemetry.instrument_bind(instrument=instrument, gateway=gateway, by=None)
    finance = with_password(f.UserFactory(username="finance", organization=instrument.institution, role="org_admin"))
    firm = f.OrganizationFactory(kind=Organization.Kind.ENTERPRISE, code=credit_code(9), name_zh="纳微科技")
    founder = with_password(f.UserFactory(username="founder", organization=firm))
    city = f.regulator("320100")
    running = programme(city, valid_until=dt.date(2099, 12, 31))
    grant = vouchers.grant_apply(by=founder, programme=running, size="startup", credit_code=firm.code,
                                 requested="10000", purpose="材料表征")  # fmt: skip
    vouchers.grant_decide(grant=grant, by=city, amount="10000")

    with WebServers(1, database_url(connection.settings_dict)) as server:
        base = server.urls[0]
        log_in(browser, base, "founder", f.PASSWORD)
        browser.get(f"{base}/instruments/{instrument.code}/calendar/")
        click_and_load(browser, (By.CSS_SELECTOR, "a.next-week"))
        click_and_load(browser, (By.CSS_SELECTOR, "#week .blk.free a.slot"))
        browser.find_element(By.ID, "id_purpose").send_keys("薄膜物相分析")
        click_and_load(browser, (By.CSS_SELECTOR, "main form button[type=submit]"))
        booking = Reservation.objects.get()
        services.reservation_approve(reservation=booking, by=f.lab_manager(instrument.lab))

        # The gateway reports the whole booking running; the jobs settle, charge and invoice it.
        minutes = int((booking.end - booking.start).total_seconds() // 60)
        events = [
            protocol.Event(seq=i + 1, instrument=instrument.code, ts=booking.start + dt.timedelta(minutes=i),
                           state="running" if i < minutes else "idle")
            for i in range(minutes + 3)
        ]  # fmt: skip
        store([Message(protocol.events_topic("gw-b"), protocol.encode("gw-b", events), booking.end)],
              Directory(), booking.end)  # fmt: skip
        later = booking.end + dt.timedelta(minutes=settings.SETTLE_AFTER_MINUTES + 1)
        assert reservations_settle(now=later) == 1 and charges.charges_make(now=later) == 1
        day = timezone.localtime(booking.start).date()
        draft = invoicing.invoice_draft(provider=instrument.institution, customer=firm, period_start=day,
                                        period_end=day + dt.timedelta(days=1))  # fmt: skip
        invoice = invoicing.invoice_issue(invoice=draft)
        assert invoice.voucher_amount == (invoice.total * D("0.6")).quantize(D("0.01"))

        # The start-up finds the invoice and sees what the voucher pays and what it pays.
        browser.get(f"{base}/billing/invoices/")
        click_and_load(browser, (By.PARTIAL_LINK_TEXT, invoice.number))
        page = browser.find_element(By.TAG_NAME, "main").text
        assert f"{invoice.voucher_amount:,.2f}" in page and f"{invoice.customer_due:,.2f}" in page
        assert "创新券" in page

        # The institution claims the voucher's share and sees the claim.
        log_in(desk, base, "finance", f.PASSWORD)
        today = timezone.localdate()
        claim = vouchers.claim_submit(by=finance, programme=grant.programme, period_start=today,
                                      period_end=today + dt.timedelta(days=1))  # fmt: skip
        desk.get(f"{base}/billing/vouchers/claims/")
        click_and_load(desk, (By.CSS_SELECTOR, f"a[href$='/billing/vouchers/claims/{claim.pk}/']"))
        claim_page = desk.find_element(By.TAG_NAME, "main").text
        assert invoice.number in claim_page and f"{invoice.voucher_amount:,.2f}" in claim_page
        assert server.output().count("Traceback") == 0
    assert Invoice.objects.get(pk=invoice.pk).status == "issued"
    assert VoucherGrant.objects.get(pk=grant.pk).balance == D("10000.00") - invoice.voucher_amount
