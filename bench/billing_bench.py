"""Billing benchmarks on a private PostgreSQL server.

1. Month-end invoicing: 10,000 settled bookings of October (20 provider institutions,
   200 customer organizations, each customer using a few providers; 70% measured; a fifth
   of the customers hold innovation vouchers). The bookings are bulk-created, charged by
   `billing.charges.charges_make` (timed on its own), then `invoicing.invoices_month_end`
   drafts, numbers and issues every invoice and pays the vouchers' shares. Baselines in the
   same run: reading the month's charges, and one hand-written INSERT … SELECT that groups
   the same charges into invoice rows and points the charges at them (rolled back).
2. 100 voucher payments against one grant at once: 100 drafts from 100 providers to one
   enterprise holding one grant that covers about 78 of them, issued from 100 threads
   (each its own connection) released together; then the grant's balance must equal its
   amount less the voucher payments exactly, and no recorded balance may be negative.
   Baseline: another 100 such drafts (a second enterprise, an identical grant) issued one
   after another.

    .venv/bin/python -m bench.billing_bench [--bookings 10000] [--customers 200] [--providers 20]
        [--providers-per-customer 3] [--threads 100] [--profile]
"""

import argparse
import cProfile
import datetime as dt
import itertools
import os
import pstats
import random
import threading
import time
from collections.abc import Callable
from decimal import Decimal as D
from typing import TYPE_CHECKING, Any

from tests.helpers import TEST_SETTINGS
from tests.servers import PostgresServer

if TYPE_CHECKING:  # Django is set up in main(), after the server has started
    from accounts.models import Organization, User
    from billing.models import VoucherGrant, VoucherProgramme
    from booking.models import Reservation
    from instruments.models import Instrument

TZ = dt.timezone(dt.timedelta(hours=8))
OCTOBER = (dt.date(2026, 10, 1), dt.date(2026, 11, 1))
NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=TZ)  # month end has come: October is invoiced
AIM_SECONDS = 10


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bookings", type=int, default=10_000)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--providers", type=int, default=20)
    parser.add_argument("--providers-per-customer", type=int, default=3)
    parser.add_argument("--threads", type=int, default=100)
    parser.add_argument("--profile", action="store_true", help="run the month end under cProfile and print it")
    args = parser.parse_args()
    pg = PostgresServer().start()
    try:
        os.environ.update(TEST_SETTINGS, DATABASE_URL=pg.database_url("postgres"),
                          DJANGO_SETTINGS_MODULE="config.settings", LOG_LEVEL="WARNING")  # fmt: skip
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        print(f"PostgreSQL {pg.port}; {os.cpu_count()} CPUs; load average {_load()}\n")
        _month_end(args)
        _concurrent_vouchers(args.threads)
        from billing import ledger

        verdict = ledger.verify()
        print(
            f"\nledger: {verdict.entries:,} entries, chain {'intact' if verdict.ok else 'BROKEN: ' + verdict.problem}"
        )
    finally:
        pg.stop()


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


class Clock:
    """Wall time, and the CPU time of this process and of its database backend, so that a
    run on a busy machine still says what the work itself costs (CPU) next to what it took."""

    def __init__(self) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self._stat = f"/proc/{cursor.fetchone()[0]}/stat"

    def _backend(self) -> float:
        try:
            with open(self._stat) as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            return float("nan")

    def __enter__(self) -> "Clock":
        self.wall, self.cpu, self.db = time.perf_counter(), time.process_time(), self._backend()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu
        self.db = self._backend() - self.db

    def __str__(self) -> str:
        return f"{self.wall:.2f} s (CPU: Python {self.cpu:.2f} s, PostgreSQL {self.db:.2f} s)"


# Month-end invoicing.


def _orgs(prefix: str, count: int, kind: str, regions: list[str]) -> list["Organization"]:
    from accounts.models import Organization

    return Organization.objects.bulk_create(
        Organization(code=f"{prefix}-{n}", name_zh=f"{prefix}{n}", kind=kind, region_id=regions[n % len(regions)])
        for n in range(count)
    )


def _instruments(providers: list["Organization"], per_provider: int) -> list["Instrument"]:
    from instruments.models import Category, Instrument, Lab

    category = Category.objects.get(code="010100")
    labs = Lab.objects.bulk_create(Lab(institution=p, code="lab", name_zh="测试中心") for p in providers)
    return Instrument.objects.bulk_create(
        Instrument(lab=lab, institution_id=lab.institution_id, code=f"{lab.institution.code}-i{k}", name_zh="仪器",
                   inner_id=f"{k}", category=category, region_id=lab.institution.region_id, original_value=800_000)
        for lab in labs for k in range(per_provider)
    )  # fmt: skip


def _rate_cards(instruments: list["Instrument"], rng: random.Random, **fixed: D) -> None:
    from accounts.models import User
    from billing.models import RateCard

    admin = User.objects.filter(username="bench-admin").first() or User.objects.create(
        username="bench-admin", role=User.Role.PLATFORM_ADMIN
    )
    cards = []
    for instrument in instruments:
        academic = rng.choice([100, 150, 200, 300, 450, 600])
        terms = {
            "price_internal": D(academic * 2 // 3), "price_academic": D(academic),
            "price_enterprise": D(academic * 3 // 2), "sme_discount_percent": D(rng.choice([0, 0, 10, 20])),
            "minimum_charge": D(academic // 2), "setup_fee": D(rng.choice([0, 0, 0, 200])),
            "overtime_surcharge_percent": D(50), "assisted_extra": D(academic // 5), "no_show_fee": D(academic // 2),
        }  # fmt: skip
        terms.update(fixed)
        cards.append(RateCard(instrument=instrument, valid_from=dt.date(2026, 1, 1), created_by=admin, **terms))
    RateCard.objects.bulk_create(cards)


def _programme(budget: D) -> "VoucherProgramme":
    from accounts.models import Organization
    from billing.models import VoucherProgramme

    regulator, _ = Organization.objects.get_or_create(
        code="bench-reg", defaults={"name_zh": "省科技厅", "kind": "regulator", "region_id": "320000"}
    )
    return VoucherProgramme.objects.create(
        regulator=regulator, name="创新券", year=2026, budget=budget, budget_left=budget, customer_region_id="320000",
        provider_region_id="320000", share_percent=D(40), startup_share_percent=D(60),
        cap_per_enterprise=budget, valid_from=dt.date(2026, 1, 1), valid_until=dt.date(2026, 12, 31),
    )  # fmt: skip


def _grant(
    programme: "VoucherProgramme", enterprise: "Organization", user: "User", amount: D, size: str = "small"
) -> "VoucherGrant":
    """A grant as decided (the budget taken, the balance the amount): setup, not what is measured."""
    from django.db.models import F

    from billing.models import VoucherGrant, VoucherProgramme

    VoucherProgramme.objects.filter(pk=programme.pk).update(budget_left=F("budget_left") - amount)
    return VoucherGrant.objects.create(
        programme=programme, enterprise=enterprise, applicant=user, size=size, credit_code=enterprise.code[:18],
        requested=amount, purpose="基准", status=VoucherGrant.Status.GRANTED, amount=amount, balance=amount,
    )  # fmt: skip


def _settled(
    instrument: "Instrument", user: "User", start: dt.datetime, minutes: int, rng: random.Random, *,
    verified: bool, exact: bool = False,
) -> "Reservation":  # fmt: skip
    """A booking settled as the telemetry would settle it; `exact`: used as booked, no extras."""
    from booking.models import Reservation

    end = start + dt.timedelta(minutes=minutes)
    measured = overrun = None
    if verified:
        measured = float(max(0, minutes - (0 if exact else rng.choice([0, 0, 5, 10, 20]))))
        overrun = 0.0 if exact else float(rng.choice([0] * 8 + [15, 35]))
    return Reservation(
        instrument=instrument, requester=user, organization_id=user.organization_id, is_external=True, start=start,
        end=end, blocked_until=end, status=Reservation.Status.COMPLETED, purpose="基准",
        service_way="use" if exact else rng.choice(["use"] * 4 + ["technical"]), usage_verified=verified,
        measured_minutes=measured,
        overrun_minutes=overrun, settled_at=end + dt.timedelta(hours=2),
    )  # fmt: skip


def month_data(args: argparse.Namespace) -> tuple[int, "Clock"]:
    """October's settled bookings, bulk-created, and their charges made by charges_make
    (timed); returns the number of charges and the clock of charging."""
    from django.db import connection

    from accounts.models import User
    from billing import charges
    from booking.models import Reservation

    rng = random.Random(2026)
    regions = ["320102", "320106", "320115", "320211", "320506", "320508", "320412"]
    providers = _orgs("uni", args.providers, "university", regions)
    customers = _orgs("firm", args.customers * 4 // 5, "enterprise", regions) + _orgs(
        "inst", args.customers - args.customers * 4 // 5, "institute", regions
    )
    users = User.objects.bulk_create(User(username=f"u-{c.code}", organization=c) for c in customers)
    per_provider = max(1, -(-args.bookings // (args.providers * 70)))  # about 70 bookings per instrument
    instruments = _instruments(providers, per_provider)
    _rate_cards(instruments, rng)
    programme = _programme(D("100000000"))
    enterprises = [u for u in users if u.organization.kind == "enterprise"]
    for user in enterprises[: len(users) // 5]:
        _grant(programme, user.organization, user, D("200000"), size=rng.choice(["startup", "small"]))
    by_provider = {p.pk: [i for i in instruments if i.institution_id == p.pk] for p in providers}
    usual = {u.pk: rng.sample(providers, min(args.providers_per_customer, len(providers))) for u in users}

    began = time.perf_counter()
    slots = {i.pk: 0 for i in instruments}
    made = []
    for n in range(args.bookings):
        user = users[n % len(users)]
        provider = rng.choice(usual[user.pk])
        instrument = min(by_provider[provider.pk], key=lambda i: slots[i.pk])  # its least booked one
        k = slots[instrument.pk]
        slots[instrument.pk] += 1
        if k >= 31 * 5:
            raise SystemExit("more bookings than 2-hour slots in October: add providers")
        start = dt.datetime.combine(OCTOBER[0] + dt.timedelta(days=k // 5), dt.time(8 + 2 * (k % 5)), TZ)
        made.append(_settled(instrument, user, start, rng.choice([60, 90, 120]), rng, verified=rng.random() < 0.7))
    Reservation.objects.bulk_create(made, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    generated = time.perf_counter() - began
    print(f"Month-end invoicing: {len(made):,} settled bookings of October on {len(instruments)} instruments, "
          f"{len(providers)} providers, {len(customers)} customers ({len(users) // 5} with vouchers), "
          f"each using {args.providers_per_customer} providers; bulk-created in {generated:.1f} s")  # fmt: skip

    with Clock() as clock:
        charged = charges.charges_make(now=NOW)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return charged, clock


def _month_end(args: argparse.Namespace) -> None:
    from django.db import connection, transaction

    from billing import invoicing
    from billing.models import Charge, Invoice, VoucherPayment

    charged, charging_clock = month_data(args)
    charging = charging_clock.wall
    month = Charge.objects.filter(service_date__gte=OCTOBER[0], service_date__lt=OCTOBER[1], invoice__isnull=True)
    pairs = month.values_list("provider_id", "customer_id").distinct().count()

    def read_charges():
        return len(list(month.values_list("pk", "provider_id", "customer_id", "net", "vat", "verified")))

    insert_select = """
        INSERT INTO billing_invoice (provider_id, customer_id, kind, status, number, period_start, period_end,
                                     net, vat, total, voucher_amount, customer_due, paid_amount, created_at,
                                     void_reason)
        SELECT provider_id, customer_id, 'invoice', 'draft', '', %(start)s, %(end)s, sum(net), sum(vat),
               sum(net) + sum(vat), 0, 0, 0, now(), ''
        FROM billing_charge
        WHERE invoice_id IS NULL AND service_date >= %(start)s AND service_date < %(end)s
          AND customer_class <> 'internal'
        GROUP BY provider_id, customer_id
    """
    point = """
        UPDATE billing_charge c SET invoice_id = i.id FROM billing_invoice i
        WHERE i.provider_id = c.provider_id AND i.customer_id = c.customer_id AND i.status = 'draft'
          AND i.period_start = %(start)s AND c.invoice_id IS NULL AND c.service_date >= %(start)s
          AND c.service_date < %(end)s AND c.customer_class <> 'internal'
    """

    def hand_sql():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(insert_select, {"start": OCTOBER[0], "end": OCTOBER[1]})
            rows = cursor.rowcount
            cursor.execute(point, {"start": OCTOBER[0], "end": OCTOBER[1]})
            transaction.set_rollback(True)  # the month end below still finds every charge
        return rows

    read_s, _rows = _best(read_charges)
    sql_s, sql_rows = _best(hand_sql)

    queries = [0]

    def count(execute, sql, params, many, context):
        queries[0] += 1
        return execute(sql, params, many, context)

    profiler = cProfile.Profile() if args.profile else None
    with connection.execute_wrapper(count), Clock() as clock:
        if profiler:
            profiler.enable()
        issued = invoicing.invoices_month_end(now=NOW)
        if profiler:
            profiler.disable()
    month_end = clock.wall

    invoices = Invoice.objects.filter(period_start=OCTOBER[0], kind="invoice")
    totals = sum(invoices.values_list("total", flat=True))
    charged_total = sum(c.net + c.vat for c in Charge.objects.filter(service_date__lt=OCTOBER[1]))
    vouchers_paid = sum(VoucherPayment.objects.values_list("amount", flat=True))
    print(f"  charges made: {charged:,} in {charging_clock} ({charged / charging:,.0f}/s, "
          f"{1000 * charging / max(charged, 1):.2f} ms each)")  # fmt: skip
    print(f"  month end: {clock}")
    print(f"  invoices issued: {issued:,} for {pairs:,} provider–customer pairs (hand-written SQL: {sql_rows:,}); "
          f"invoiced {totals:,.2f} of {charged_total:,.2f} charged; vouchers paid {vouchers_paid:,.2f} "
          f"in {VoucherPayment.objects.count():,} payments")  # fmt: skip
    print(f"  {queries[0]:,} queries in the month end ({queries[0] / max(issued, 1):.1f} per invoice)\n")
    print(f"  {'run':<62}{'seconds':>9}{'ratio':>9}")
    for name, seconds in (
        ("read the month's charges (baseline)", read_s),
        ("hand-written INSERT … SELECT + UPDATE into invoice rows", sql_s),
        (f"invoices_month_end (draft, number, issue, vouchers; aim {AIM_SECONDS} s)", month_end),
    ):
        print(f"  {name:<62}{seconds:>9.3f}{seconds / read_s:>9.1f}")
    print(
        f"  month end / hand-written SQL: {month_end / sql_s:.0f}×; "
        f"{1000 * month_end / max(issued, 1):.1f} ms per invoice, {1000 * month_end / charged:.2f} ms per charge"
    )
    if profiler:
        print("\n  cProfile of the month end, by own time:")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


def _best(function: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        began = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - began)
    return best, result


# Concurrent voucher payments.


def _concurrent_vouchers(count: int) -> None:
    from django.db import close_old_connections, connection

    from accounts.models import User
    from billing import charges, invoicing
    from billing.models import Invoice, LedgerEntry, VoucherGrant, VoucherPayment
    from booking.models import Reservation

    rng = random.Random(7)
    providers = _orgs("lab", count, "institute", ["320102", "320506"])
    instruments = _instruments(providers, 1)
    # 1 h at 300.00 + 6% VAT = 318.00; a small firm's voucher pays 40%: 127.20 a charge.
    _rate_cards(instruments, rng, price_enterprise=D(300), sme_discount_percent=D(0), minimum_charge=D(0),
                setup_fee=D(0), assisted_extra=D(0))  # fmt: skip
    programme = _programme(D("1000000"))
    amount = D("10000.00")  # 78 charges in full, 78.40 of the 79th, nothing of the rest
    firms = _orgs("sme", 2, "enterprise", ["320102"])
    runs = []
    for firm in firms:
        user = User.objects.create(username=f"u-{firm.code}", organization=firm)
        grant = _grant(programme, firm, user, amount)
        start = dt.datetime(2026, 10, 12, 10, 0, tzinfo=TZ) + dt.timedelta(days=len(runs))
        bookings = Reservation.objects.bulk_create(
            _settled(i, user, start, 60, rng, verified=True, exact=True) for i in instruments
        )  # fmt: skip
        for reservation in Reservation.objects.filter(pk__in=[b.pk for b in bookings]).select_related(
            "instrument", "organization"
        ):
            charges.charge_reservation(reservation)
        drafts = [
            invoicing.invoice_draft(provider=p, customer=firm, period_start=OCTOBER[0], period_end=OCTOBER[1])
            for p in providers
        ]
        runs.append((grant, drafts))

    (grant_together, together), (grant_serial, serial) = runs
    began = time.perf_counter()
    for draft in serial:
        invoicing.invoice_issue(invoice=draft, now=NOW)
    serial_s = time.perf_counter() - began

    barrier, errors, finished = threading.Barrier(count + 1), [], []

    def issue(draft):
        try:
            connection.ensure_connection()  # connected before the start, as a pool would be
            barrier.wait()
            invoicing.invoice_issue(invoice=draft, now=NOW)
            finished.append(time.perf_counter())
        except Exception as error:
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=issue, args=(draft,)) for draft in together]
    for thread in threads:
        thread.start()
    barrier.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    together_s = (max(finished) if finished else time.perf_counter()) - began

    print(f"\n{count} voucher payments against one grant of {amount:,.2f} (a charge of 318.00, 40% each)")
    print(f"  {'run':<50}{'seconds':>9}{'ratio':>9}")
    print(f"  {'one after another (baseline)':<50}{serial_s:>9.3f}{1:>9.2f}")
    print(f"  {f'{count} threads at once, one connection each':<50}{together_s:>9.3f}{together_s / serial_s:>9.2f}")
    for name, grant, drafts in (("at once", grant_together, together), ("one after another", grant_serial, serial)):
        grant = VoucherGrant.objects.get(pk=grant.pk)
        payments = VoucherPayment.objects.filter(grant=grant, reversed_at__isnull=True)
        paid = sum(payments.values_list("amount", flat=True))
        on_invoices = sum(Invoice.objects.filter(customer=grant.enterprise).values_list("voucher_amount", flat=True))
        balances = [
            D(str(e.data["balance"]))
            for e in LedgerEntry.objects.filter(kind="voucher_payment", data__grant=grant.pk).order_by("pk")
        ]
        issued = Invoice.objects.filter(pk__in=[d.pk for d in drafts]).exclude(status="draft").count()
        exact = grant.balance == grant.amount - paid == grant.amount - on_invoices
        falling = all(a > b for a, b in itertools.pairwise(balances))
        print(f"  {name}: {issued} issued, {len(errors) if name == 'at once' else 0} errors; {payments.count()} "
              f"payments of {paid:,.2f}; balance {grant.balance:,.2f} = {grant.amount:,.2f} − {paid:,.2f}: "
              f"{'exact' if exact else 'NOT EXACT'}; lowest recorded balance {min(balances, default=grant.amount)}"
              f"{' (never negative' if min(balances, default=0) >= 0 else ' (NEGATIVE'}, "
              f"{'each lower than the one before)' if falling else 'NOT FALLING)'}")  # fmt: skip
    if errors:
        print(f"  first error: {errors[0]!r}")


if __name__ == "__main__":
    main()
