"""Billing test data: rate cards and settled bookings as stored, charged through the services."""

import datetime as dt
from decimal import Decimal as D

from django.utils import timezone

from accounts.models import Organization
from billing.models import RateCard, VoucherGrant, VoucherProgramme
from tests import factories as f

DAY = dt.datetime(2026, 10, 12, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai


def credit_code(n: int) -> str:
    """A valid unified social credit code, one per n."""
    from accounts.validators import credit_code_check_character

    body = f"91320100MA{n:07d}"
    return body + credit_code_check_character(body)


def rate_card(instrument, valid_from=dt.date(2026, 1, 1), **terms) -> RateCard:
    terms = {
        "unit": "hour", "price_internal": D("100"), "price_academic": D("200"), "price_enterprise": D("300"),
        "increment_minutes": 15, **terms,
    }  # fmt: skip
    return RateCard.objects.create(
        instrument=instrument, valid_from=valid_from, created_by=f.lab_manager(instrument.lab), **terms
    )


def settled(instrument, *, customer=None, start=DAY, minutes=60, measured=60.0, overrun=0.0, **fields):
    """A completed booking settled from measured use (or unverified with measured=None)."""
    customer = customer or f.OrganizationFactory(kind=Organization.Kind.ENTERPRISE)
    requester = f.UserFactory(organization=customer)
    fields.setdefault("settled_at", start + dt.timedelta(hours=3))
    return f.ReservationFactory(
        instrument=instrument, requester=requester, start=start, end=start + dt.timedelta(minutes=minutes),
        usage_verified=measured is not None, measured_minutes=measured,
        overrun_minutes=overrun if measured is not None else None, **fields,
    )  # fmt: skip


def programme(regulator, *, budget=D("100000"), share=D("40"), startup_share=D("60"), cap=D("50000"), **fields):
    region = regulator.organization.region
    return VoucherProgramme.objects.create(
        regulator=regulator.organization, name="创新券 2026", year=2026, budget=budget, budget_left=budget,
        customer_region=region, provider_region=region, share_percent=share, startup_share_percent=startup_share,
        cap_per_enterprise=cap, **{"valid_from": dt.date(2026, 1, 1), "valid_until": dt.date(2026, 12, 31), **fields},
    )  # fmt: skip


def granted(programme, enterprise, amount=D("10000"), size=VoucherGrant.Size.SMALL) -> VoucherGrant:
    """A grant as decided, its amount taken from the programme's budget."""
    from django.db.models import F

    VoucherProgramme.objects.filter(pk=programme.pk).update(budget_left=F("budget_left") - amount)
    return VoucherGrant.objects.create(
        programme=programme, enterprise=enterprise, applicant=f.UserFactory(organization=enterprise), size=size,
        credit_code=enterprise.code, requested=amount, purpose="测试", status=VoucherGrant.Status.GRANTED,
        amount=amount, balance=amount, decided_at=timezone.now(),
    )  # fmt: skip
