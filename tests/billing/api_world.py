"""A small billing world for the API tests, built through the services: a university lab
with a rate card and a reporting gateway, an enterprise customer whose booking was measured
and charged, a voucher programme of Nanjing's regulator, a grant, an issued invoice the
voucher paid part of, and the provider's claim. Everyone the permissions tell apart has a
user here."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal as D

from django.utils import timezone

from accounts.models import Organization, Region, User
from accounts.validators import credit_code_check_character
from billing import invoicing, rates, vouchers
from billing.charges import charges_make
from billing.models import Charge, Invoice, RateCard, VoucherClaim, VoucherGrant, VoucherProgramme
from booking import services as booking
from booking.settlement import reservations_settle
from gateway import protocol
from instruments.models import Instrument
from telemetry import services as telemetry
from telemetry.ingest import Directory, Message, store
from tests import factories as f
from tests.booking.helpers import book, story_hour

ROLES = (
    "anonymous", "stranger", "member", "customer_admin", "provider_admin", "manager", "other_manager",
    "regulator", "far_regulator", "platform_admin",
)  # fmt: skip

_codes = iter(range(1, 10**6))


def credit_code() -> str:
    body = f"91320100MA{next(_codes):07d}"
    return body + credit_code_check_character(body)


@dataclass
class World:
    provider: Organization
    customer: Organization
    instrument: Instrument
    card: RateCard
    users: dict[str, User | None]
    now: dt.datetime
    charge: Charge | None = None  # measured use
    unverified: Charge | None = None  # use no gateway measured
    programme: VoucherProgramme | None = None
    grant: VoucherGrant | None = None
    invoice: Invoice | None = None
    claim: VoucherClaim | None = None
    extra: dict = field(default_factory=dict)

    def __getattr__(self, name: str):
        users = self.__dict__.get("users", {})
        if name in users:
            return users[name]
        raise AttributeError(name)

    @property
    def today(self) -> dt.date:
        return timezone.localdate()


def org_admin(organization: Organization) -> User:
    return f.UserFactory(organization=organization, role=User.Role.ORG_ADMIN)


def people(*, provider: Organization, customer: Organization, lab, other_lab) -> dict[str, User | None]:
    stranger_org = f.OrganizationFactory(region=f.region("320500"))
    return {
        "anonymous": None,
        "stranger": f.UserFactory(organization=stranger_org),
        "member": f.UserFactory(organization=customer),
        "customer_admin": org_admin(customer),
        "provider_admin": org_admin(provider),
        "manager": f.lab_manager(lab),
        "other_manager": f.lab_manager(other_lab),
        "regulator": f.regulator("320100"),  # Nanjing, where provider and customer are
        "far_regulator": f.regulator("320500"),  # Suzhou
        "platform_admin": f.platform_admin(),
    }


def world() -> World:
    """People, an instrument with a gateway and a rate card (no charges yet)."""
    provider = f.OrganizationFactory(region=f.region("320102"))
    customer = f.OrganizationFactory(code=credit_code(), kind=Organization.Kind.ENTERPRISE, region=f.region("320102"))
    lab, other_lab = f.LabFactory(institution=provider), f.LabFactory(institution=provider)
    users = people(provider=provider, customer=customer, lab=lab, other_lab=other_lab)
    instrument = f.bookable(f.InstrumentFactory(lab=lab), opening=(range(7), dt.time(0), dt.time(0)))
    gateway, _ = telemetry.gateway_register(lab=lab, code=f"gw-{instrument.code}", by=None)
    telemetry.instrument_bind(instrument=instrument, gateway=gateway, by=None)
    card = rates.rate_card_create(
        by=users["manager"], instrument=instrument, valid_from=dt.date(2020, 1, 1), price_internal=D("100"),
        price_academic=D("200"), price_enterprise=D("300"),
    )  # fmt: skip
    now = story_hour(9)  # the charged story reaches back 9 hours, within one local day
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
    body = protocol.encode(code, events)
    store([Message(protocol.events_topic(code), body, w.now)], Directory(), w.now)


def charged(w: World) -> World:
    """Two settled bookings of the customer's member, charged: one measured (2 h × 300 =
    600.00 + 36.00 VAT), one that no gateway measured (1 h, unverified)."""
    start = w.now - dt.timedelta(hours=6)
    bookings = []
    for begin, hours in ((start, 2), (start - dt.timedelta(hours=3), 1)):
        reservation = book(
            w.instrument, requester=w.member, start=begin, end=begin + dt.timedelta(hours=hours),
            now=begin - dt.timedelta(days=1),
        )  # fmt: skip
        booking.reservation_approve(reservation=reservation, by=w.manager, now=begin - dt.timedelta(hours=20))
        bookings.append(reservation)
    _report(w, start, (-5, -1, "idle"), (0, 119, "running"), (120, 125, "idle"))
    assert reservations_settle(now=w.now) == 2
    assert charges_make(now=w.now) == 2
    w.charge = Charge.objects.get(reservation=bookings[0])
    w.unverified = Charge.objects.get(reservation=bookings[1])
    assert w.charge.verified and not w.unverified.verified
    return w


def programme_fields(w: World, **overrides) -> dict:
    return {
        "name": "南京市科技创新券", "year": w.today.year, "budget": D("100000.00"),
        "customer_region": Region.objects.get(code="320100"), "provider_region": Region.objects.get(code="320100"),
        "share_percent": D("40"), "startup_share_percent": D("60"), "cap_per_enterprise": D("50000.00"),
        "valid_from": w.today - dt.timedelta(days=60), "valid_until": w.today + dt.timedelta(days=300),
        **overrides,
    }  # fmt: skip


def with_programme(w: World) -> World:
    w.programme = vouchers.programme_create(by=w.regulator, **programme_fields(w))
    return w


def with_grant(w: World, *, amount: D | None = D("10000.00")) -> World:
    """The customer applied (and, unless amount is None, was granted)."""
    w.grant = vouchers.grant_apply(
        by=w.member, programme=w.programme, size=VoucherGrant.Size.SMALL, credit_code=w.customer.code,
        requested=D("10000.00"), purpose="材料表征",
    )  # fmt: skip
    if amount is not None:
        w.grant = vouchers.grant_decide(grant=w.grant, by=w.regulator, amount=amount)
    return w


def drafted(w: World) -> World:
    """A draft of the measured charge's and the unverified charge's invoice."""
    day = w.charge.service_date
    w.invoice = invoicing.invoice_draft(
        provider=w.provider, customer=w.customer, period_start=day - dt.timedelta(days=1),
        period_end=day + dt.timedelta(days=1),
    )  # fmt: skip
    return w


def issued(w: World) -> World:
    """Issued: the voucher pays 40% of the measured charge (254.40); the customer owes the rest."""
    w.invoice = invoicing.invoice_issue(invoice=w.invoice)
    return w


def claimed(w: World) -> World:
    w.claim = vouchers.claim_submit(
        by=w.provider_admin, programme=w.programme, period_start=w.today - dt.timedelta(days=1),
        period_end=w.today + dt.timedelta(days=1),
    )  # fmt: skip
    return w


def full() -> World:
    """Everything: charges, programme, grant, issued invoice, claim."""
    return claimed(issued(drafted(with_grant(with_programme(charged(world()))))))


def client(api, w: World, role: str):
    """The API client as `role` (anonymous: as it is), reading English messages."""
    api.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    user = w.users[role]
    if user is not None:
        api.force_authenticate(user)
    return api


def expect(role: str, *, ok: int, seen: set[str], allowed: set[str]) -> int:
    """The status a role gets: 401 anonymous, `ok` if allowed, 403 if it sees the object, else 404."""
    if role == "anonymous":
        return 401
    if role in allowed:
        return ok
    return 403 if role in seen else 404
