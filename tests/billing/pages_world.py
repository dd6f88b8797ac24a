"""A billing world for the HTML pages, the invoice PDF and the statements, made through the
services: a university lab with a rate card and a reporting gateway; an enterprise whose
member booked twice (one booking measured by the gateway, one no gateway measured) and the
provider's own researcher once (internal use on a grant); the bookings settled from
telemetry and charged; a voucher grant; and, when asked, a draft or issued invoice.

The measured booking: 2 h × 300.00 = 600.00 + 36.00 VAT; the unmeasured one: 1 h declared ×
300.00 = 300.00 + 18.00 VAT; the internal one: 1 h × 100.00, no VAT. Issued, the voucher pays
40% of the measured charge's 636.00 = 254.40; the customer pays 954.00 − 254.40 = 699.60.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal as D

from django.utils import timezone

from accounts.models import Organization, Region, User
from billing import charges, invoicing, rates, vouchers
from billing.models import Charge, Invoice, RateCard, VoucherGrant
from booking import services as booking
from booking.models import Reservation
from booking.settlement import reservations_settle
from gateway import protocol
from instruments.models import Instrument
from telemetry import services as telemetry
from telemetry.ingest import Directory, Message, store
from tests import factories as f
from tests.booking.helpers import book, story_hour

ROLES = (
    "anonymous", "stranger", "stranger_admin", "member", "customer_admin", "provider_admin", "manager",
    "other_manager", "regulator", "far_regulator", "platform_admin",
)  # fmt: skip
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@dataclass
class World:
    provider: Organization
    customer: Organization
    instrument: Instrument
    card: RateCard
    users: dict[str, User | None]
    now: dt.datetime
    measured: Charge | None = None
    declared: Charge | None = None
    internal: Charge | None = None
    grant: VoucherGrant | None = None
    invoice: Invoice | None = None
    extra: dict = field(default_factory=dict)

    def __getattr__(self, name: str):
        users = self.__dict__.get("users", {})
        if name in users:
            return users[name]
        raise AttributeError(name)

    @property
    def period(self) -> dict[str, str]:
        """A period holding every charge of the world."""
        today = timezone.localdate()
        return {"from": (today - dt.timedelta(days=2)).isoformat(), "to": (today + dt.timedelta(days=1)).isoformat()}


def people(*, provider: Organization, customer: Organization, lab, other_lab) -> dict[str, User | None]:
    stranger_org = f.EnterpriseFactory(region=f.region("320102"))
    return {
        "anonymous": None,
        "stranger": f.UserFactory(organization=stranger_org),
        "stranger_admin": f.org_admin(stranger_org),
        "member": f.UserFactory(organization=customer, first_name="Lei", last_name="Wang"),
        "customer_admin": f.org_admin(customer),
        "provider_admin": f.org_admin(provider),
        "manager": f.lab_manager(lab),
        "other_manager": f.lab_manager(other_lab),
        "researcher": f.UserFactory(organization=provider),
        "regulator": f.regulator("320000"),  # Jiangsu, where provider and customer are
        "far_regulator": f.regulator("320500"),  # Suzhou
        "platform_admin": f.platform_admin(),
    }


def world() -> World:
    """People and an instrument with a gateway and a rate card; no charges yet."""
    provider = f.OrganizationFactory(name_zh="江苏测试大学", name_en="Jiangsu Test University")
    customer = f.EnterpriseFactory(name_zh="南京微纳科技有限公司", name_en="Nanjing Micro-Nano Tech Co.")
    lab, other_lab = f.LabFactory(institution=provider), f.LabFactory(institution=provider)
    users = people(provider=provider, customer=customer, lab=lab, other_lab=other_lab)
    instrument = f.bookable(f.InstrumentFactory(lab=lab, name_en="Field-emission SEM", name_zh="场发射扫描电镜"),
                            opening=(range(7), dt.time(0), dt.time(0)))  # fmt: skip
    gateway, _ = telemetry.gateway_register(lab=lab, code=f"gw-{instrument.code}", by=None)
    telemetry.instrument_bind(instrument=instrument, gateway=gateway, by=None)
    card = rates.rate_card_create(
        by=users["manager"], instrument=instrument, valid_from=timezone.localdate() - dt.timedelta(days=90),
        price_internal=D("100"), price_academic=D("200"), price_enterprise=D("300"),
    )  # fmt: skip
    now = story_hour(10)  # the charged story reaches back 10 hours, within one local day
    return World(provider=provider, customer=customer, instrument=instrument, card=card, users=users, now=now)


def _report(w: World, start: dt.datetime, *spans: tuple[int, int, str]) -> None:
    """Heartbeats every minute over (first minute, last minute, state) after `start`."""
    code = w.instrument.binding.gateway.code
    events, seq = [], 1
    for first, last, state in spans:
        for minute in range(first, last + 1):
            ts = start + dt.timedelta(minutes=minute)
            events.append(protocol.Event(seq=seq, instrument=w.instrument.code, ts=ts, state=state))
            seq += 1
    store([Message(protocol.events_topic(code), protocol.encode(code, events), w.now)], Directory(), w.now)


def _approved(w: World, requester: User, begin: dt.datetime, hours: int) -> Reservation:
    reservation = book(
        w.instrument, requester=requester, start=begin, end=begin + dt.timedelta(hours=hours),
        now=begin - dt.timedelta(days=1),
    )  # fmt: skip
    return booking.reservation_approve(reservation=reservation, by=w.manager, now=begin - dt.timedelta(hours=20))


def charged(w: World) -> World:
    """Three bookings settled from telemetry and charged one by one (charge_reservation)."""
    start = w.now - dt.timedelta(hours=7)
    measured = _approved(w, w.member, start, 2)
    declared = _approved(w, w.member, start - dt.timedelta(hours=3), 1)  # before the gateway was heard
    internal = _approved(w, w.researcher, start + dt.timedelta(hours=3), 1)
    Reservation.objects.filter(pk=internal.pk).update(cost_centre="KJ-2026-017")
    _report(w, start, (-5, -1, "idle"), (0, 119, "running"), (120, 180, "idle"), (181, 240, "running"))
    assert reservations_settle(now=w.now) == 3
    made = [charges.charge_reservation(Reservation.objects.get(pk=r.pk)) for r in (measured, declared, internal)]
    w.measured, w.declared, w.internal = made
    assert w.measured.verified and not w.declared.verified and w.internal.customer_class == "internal"
    return w


def with_grant(w: World, amount: D = D("10000.00")) -> World:
    today = timezone.localdate()
    programme = vouchers.programme_create(
        by=w.regulator, name="江苏省科技创新券", year=today.year, budget=D("100000.00"),
        customer_region=Region.objects.get(code="320000"), provider_region=Region.objects.get(code="320000"),
        share_percent=D("40"), startup_share_percent=D("60"), cap_per_enterprise=D("50000.00"),
        valid_from=today - dt.timedelta(days=60), valid_until=today + dt.timedelta(days=300),
    )  # fmt: skip
    grant = vouchers.grant_apply(
        by=w.member, programme=programme, size=VoucherGrant.Size.SMALL, credit_code=w.customer.code,
        requested=amount, purpose="材料表征",
    )  # fmt: skip
    w.grant = vouchers.grant_decide(grant=grant, by=w.regulator, amount=amount)
    return w


def drafted(w: World) -> World:
    today = timezone.localdate()
    w.invoice = invoicing.invoice_draft(
        provider=w.provider, customer=w.customer, period_start=today - dt.timedelta(days=2),
        period_end=today + dt.timedelta(days=1),
    )  # fmt: skip
    return w


def issued(w: World, now: dt.datetime | None = None) -> World:
    w.invoice = invoicing.invoice_issue(invoice=w.invoice, now=now)
    return w


def full() -> World:
    """Charges, a grant, and the customer's invoice issued (the voucher paid its share)."""
    return issued(drafted(with_grant(charged(world()))))


def login(client, w: World, role: str):
    user = w.users[role]
    if user is not None:
        client.force_login(user)
    return client
