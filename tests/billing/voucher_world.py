"""Voucher test data, made through the services: a Nanjing city programme, its regulator and
everyone else who may knock on its pages."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal as D

from django.utils import timezone

from accounts.models import Organization, User
from billing import charges, invoicing, rates, vouchers
from billing.models import Charge, Invoice, VoucherGrant, VoucherProgramme
from booking.models import Reservation
from instruments.models import Instrument
from tests import factories as f


@dataclass
class World:
    regulator: User  # Nanjing's, runs the programme
    other_city: User  # Suzhou's
    province: User  # Jiangsu's
    admin: User  # platform admin
    firm: Organization  # a start-up in Xuanwu, Nanjing
    member: User  # of the firm
    outsider: User  # member of a Suzhou enterprise
    student: User  # member of a university
    provider_admin: User  # org admin of the instrument's university
    instrument: Instrument  # in Xuanwu, Nanjing, 300 CNY/h to enterprises
    programme: VoucherProgramme  # 40% (60% for start-ups), cap 50,000, budget 100,000

    def role(self, name: str) -> User | None:
        return None if name == "anonymous" else getattr(self, name)


ROLES = ["anonymous", "member", "outsider", "student", "provider_admin", "other_city", "province", "admin"]


def today() -> dt.date:
    return timezone.localdate()


def make_world(**programme_fields) -> World:
    regulator = f.regulator("320100")
    instrument = f.InstrumentFactory()
    rates.rate_card_create(
        by=f.lab_manager(instrument.lab), instrument=instrument, valid_from=today() - dt.timedelta(days=90),
        price_internal="100", price_academic="200", price_enterprise="300",
    )  # fmt: skip
    firm = f.EnterpriseFactory(region=f.region("320102"))
    return World(
        regulator=regulator, other_city=f.regulator("320500"), province=f.regulator("320000"),
        admin=f.platform_admin(), firm=firm, member=f.UserFactory(organization=firm),
        outsider=f.UserFactory(organization=f.EnterpriseFactory(region=f.region("320506"))),
        student=f.UserFactory(), provider_admin=f.org_admin(instrument.institution), instrument=instrument,
        programme=programme(regulator, **programme_fields),
    )  # fmt: skip


def programme(regulator: User, **fields) -> VoucherProgramme:
    region = regulator.organization.region
    fields = {
        "name": "科技创新券", "year": today().year, "budget": D("100000.00"), "customer_region": region,
        "provider_region": region, "share_percent": D("40"), "startup_share_percent": D("60"),
        "cap_per_enterprise": D("50000.00"), "valid_from": today() - dt.timedelta(days=60),
        "valid_until": today() + dt.timedelta(days=60), **fields,
    }  # fmt: skip
    return vouchers.programme_create(by=regulator, **fields)


def apply(w: World, *, by: User | None = None, amount: str = "10000") -> VoucherGrant:
    by = by or w.member
    return vouchers.grant_apply(
        by=by, programme=w.programme, size=VoucherGrant.Size.SMALL, credit_code=by.organization.code,
        requested=amount, purpose="XRD 物相分析",
    )  # fmt: skip


def grant(w: World, amount: str = "10000") -> VoucherGrant:
    return vouchers.grant_decide(grant=apply(w, amount=amount), by=w.regulator, amount=amount)


def used(w: World, *, measured: bool = True, days_ago: int = 1, customer_user: User | None = None) -> Charge:
    """One hour of use of the instrument by the firm's member, settled and charged (318.00 with VAT)."""
    start = timezone.now().replace(microsecond=0) - dt.timedelta(days=days_ago)
    requester = customer_user or w.member
    reservation = f.ReservationFactory(
        instrument=w.instrument, requester=requester, start=start, end=start + dt.timedelta(hours=1),
        status=Reservation.Status.COMPLETED, usage_verified=measured, measured_minutes=60.0 if measured else None,
        overrun_minutes=0.0 if measured else None, settled_at=start + dt.timedelta(hours=2),
    )  # fmt: skip
    charge = charges.charge_reservation(reservation)
    assert charge is not None
    return charge


def invoiced(w: World, customer: Organization | None = None) -> Invoice:
    draft = invoicing.invoice_draft(
        provider=w.instrument.institution, customer=customer or w.firm,
        period_start=today() - dt.timedelta(days=30), period_end=today() + dt.timedelta(days=1),
    )  # fmt: skip
    return invoicing.invoice_issue(invoice=draft)
