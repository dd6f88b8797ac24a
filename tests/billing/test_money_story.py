"""The money story end to end, over HTTP to a real daphne process: a city regulator runs a
voucher programme, a start-up applies and is granted, books an instrument, the lab approves,
the gateway measures the use, the booking settles and is charged, the provider invoices it,
the voucher pays its share, the start-up pays the rest, the provider claims the voucher amount
and the regulator approves and pays it, and the ledger checks out. The jobs (settlement,
charges) run here with a `now` after the booking, as the jobs worker would. Runs on SQLite
and on PostgreSQL (make test runs both)."""

import datetime as dt
import http.client
import json
from decimal import Decimal as D
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.models import Organization
from billing.charges import charges_make
from billing.models import LedgerEntry, VoucherGrant
from booking.settlement import reservations_settle
from gateway import protocol
from telemetry import services as telemetry
from telemetry.ingest import Directory, Message, store
from tests import factories as f
from tests.billing.helpers import credit_code
from tests.helpers import WebServers, database_url

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


class Client:
    """JSON over HTTP with a user's token."""

    def __init__(self, base: str, user):
        self.parts, self.token = urlsplit(base), Token.objects.create(user=user).key

    def call(self, method: str, path: str, body: dict | None = None, expect: int = 200) -> dict:
        conn = http.client.HTTPConnection(self.parts.hostname, self.parts.port, timeout=60)
        headers = {"Authorization": f"Token {self.token}", "Content-Type": "application/json",
                   "Accept-Language": "en"}  # fmt: skip
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = conn.getresponse()
        data = response.read()
        conn.close()
        assert response.status == expect, (method, path, response.status, data[:2000])
        return json.loads(data) if data else {}

    def get(self, path: str) -> dict:
        return self.call("GET", path)

    def post(self, path: str, body: dict, expect: int = 200) -> dict:
        return self.call("POST", path, body, expect)


def measured(instrument, start: dt.datetime, minutes: int, now: dt.datetime) -> None:
    """The gateway reports the instrument running for `minutes` from the start, a heartbeat a minute."""
    events = [
        protocol.Event(seq=seq, instrument=instrument.code, ts=start + dt.timedelta(minutes=n),
                       state="running" if 0 <= n < minutes else "idle")
        for seq, n in enumerate(range(-5, minutes + 5), start=1)
    ]  # fmt: skip
    store([Message(protocol.events_topic("gw-story"), protocol.encode("gw-story", events), now)], Directory(), now)


def test_a_start_up_with_a_voucher_pays_only_its_share_of_measured_use():
    nanjing = f.region("320100")
    regulator = f.regulator("320100")
    instrument = f.bookable(f.InstrumentFactory(code="xrd-1"), opening=(range(7), dt.time(0), dt.time(0)),
                            granularity_minutes=30)  # fmt: skip
    provider = instrument.institution
    manager = f.lab_manager(instrument.lab)
    finance = f.UserFactory(organization=provider, role="org_admin")
    gateway, _secret = telemetry.gateway_register(lab=instrument.lab, code="gw-story", by=None)
    telemetry.instrument_bind(instrument=instrument, gateway=gateway, by=None)
    startup = f.OrganizationFactory(kind=Organization.Kind.ENTERPRISE, code=credit_code(7), region=f.region("320102"))
    founder = f.UserFactory(organization=startup)
    today = timezone.localdate()
    local_now = timezone.localtime()
    start = (local_now + dt.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    end = start + dt.timedelta(hours=2)

    with WebServers(1, database_url(connection.settings_dict)) as server:
        base = server.urls[0]
        city, lab, money, firm = (Client(base, u) for u in (regulator, manager, finance, founder))

        # Rates, a programme, an application granted.
        lab.post("/api/v1/rate-cards/", {"instrument": "xrd-1", "valid_from": str(today), "price_internal": "100",
                 "price_academic": "200", "price_enterprise": "300", "increment_minutes": 15}, expect=201)  # fmt: skip
        programme = city.post("/api/v1/voucher-programmes/", {
            "name": "南京市科技创新券", "year": today.year, "budget": "100000", "customer_region": nanjing.code,
            "provider_region": nanjing.code, "share_percent": "40", "startup_share_percent": "60",
            "cap_per_enterprise": "50000", "valid_from": str(today.replace(month=1, day=1)),
            "valid_until": str(today.replace(year=today.year + 1, month=12, day=31)),
        }, expect=201)  # fmt: skip
        grant = firm.post("/api/v1/voucher-grants/", {
            "programme": programme["id"], "size": "startup", "credit_code": startup.code, "requested": "20000",
            "purpose": "材料表征",
        }, expect=201)  # fmt: skip
        assert city.post(f"/api/v1/voucher-grants/{grant['id']}/decide/", {"amount": "20000"})["status"] == "granted"

        # Book, approve, use 90 minutes of the 2 hours booked.
        booking = firm.post("/api/v1/reservations/", {"instrument": instrument.pk, "start": start.isoformat(),
                            "end": end.isoformat(), "purpose": "薄膜物相分析"}, expect=201)  # fmt: skip
        assert lab.post(f"/api/v1/reservations/{booking['id']}/approve/", {})["status"] == "approved"
        after = end + dt.timedelta(minutes=settings.SETTLE_AFTER_MINUTES + 1)
        measured(instrument, start, 90, now=end)
        assert reservations_settle(now=after) == 1
        assert charges_make(now=after) == 1
        settled = firm.get(f"/api/v1/reservations/{booking['id']}/")
        assert (settled["outcome"], settled["measured_hours"]) == ("completed", "1.50")

        # Billed on the larger of booked and measured time: 2 h × 300 = 600 + 6% VAT = 636.00.
        day = start.date()
        draft = money.post("/api/v1/invoices/", {"customer": startup.code, "period_start": str(day),
                           "period_end": str(day + dt.timedelta(days=1))}, expect=201)  # fmt: skip
        issued = money.post(f"/api/v1/invoices/{draft['id']}/issue/", {})
        assert (issued["status"], issued["total"]) == ("issued", "636.00")

        # The start-up sees the voucher's 60% and pays the rest.
        seen = firm.get(f"/api/v1/invoices/{draft['id']}/")
        assert (seen["voucher_amount"], seen["customer_due"], seen["outstanding"]) == ("381.60", "254.40", "254.40")
        [charge] = firm.get("/api/v1/charges/")["results"]
        assert charge["verified"] and [line["basis"] for line in charge["lines"]] == ["booked"]
        payment = {"reference": "CMB-20261201-0001", "paid_on": str(today), "amount": "254.40"}
        money.post(f"/api/v1/invoices/{draft['id']}/payments/", payment, expect=201)
        assert firm.get(f"/api/v1/invoices/{draft['id']}/")["status"] == "paid"

        # The provider claims the voucher amount; the city approves and pays it.
        claim = money.post("/api/v1/voucher-claims/", {"programme": programme["id"], "period_start": str(today),
                           "period_end": str(today + dt.timedelta(days=1))}, expect=201)  # fmt: skip
        assert claim["amount"] == "381.60" and len(claim["lines"]) == 1
        decided = city.post(f"/api/v1/voucher-claims/claim-lines/{claim['lines'][0]['id']}/decide/", {"approve": True})
        assert (decided["status"], decided["approved_amount"]) == ("decided", "381.60")
        paid = city.post(f"/api/v1/voucher-claims/{claim['id']}/paid/", {"reference": "NJ-KJQ-2026-001"})
        assert paid["status"] == "paid"

        assert city.get("/api/v1/ledger/verify/") == {
            "entries": LedgerEntry.objects.count(),
            "ok": True,
            "first_bad": None,
            "problem": "",
        }
        assert server.output().count("Traceback") == 0
    assert VoucherGrant.objects.get(pk=grant["id"]).balance == D("20000.00") - D("381.60")
