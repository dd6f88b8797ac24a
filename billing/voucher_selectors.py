"""Reads for the voucher pages: whose programmes, which claims, which charges await an exception."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet

from accounts.models import Organization, Region, User
from accounts.permissions import AnyUser, is_org_admin_of, is_platform_admin, regulated_region
from billing import pricing, vouchers
from billing.models import Charge, CustomerClass, Invoice, VoucherClaim, VoucherGrant, VoucherProgramme


def can_create_programmes(user: AnyUser) -> Region | None:
    """The region a province or city regulator may run programmes in; None for everyone else."""
    scope = regulated_region(user)
    return scope if scope is not None and scope.level <= Region.Level.CITY else None


def programmes_run_by(user: AnyUser) -> QuerySet[VoucherProgramme]:
    if regulated_region(user) is None:
        return VoucherProgramme.objects.none()
    return VoucherProgramme.objects.filter(regulator_id=user.organization_id)


def provider_of(user: AnyUser) -> Organization | None:
    """The institution whose voucher amounts this user claims: its organization admins'."""
    org = getattr(user, "organization", None)
    if org is not None and org.can_own_instruments and is_org_admin_of(user, org):
        return org
    return None


def programmes_paying(provider: Organization) -> QuerySet[VoucherProgramme]:
    """Programmes whose vouchers may pay this provider: its region or a region above it."""
    code = provider.region_id
    return VoucherProgramme.objects.filter(provider_region__code__in={code[:2] + "0000", code[:4] + "00", code})


def visible_claims(user: AnyUser) -> QuerySet[VoucherClaim]:
    claims = VoucherClaim.objects.select_related("programme", "provider")
    if is_platform_admin(user):
        return claims
    if regulated_region(user) is not None:
        return claims.filter(programme__regulator_id=user.organization_id)
    provider = provider_of(user)
    return claims.filter(provider=provider) if provider else claims.none()


def can_decide_claim(user: AnyUser, claim: VoucherClaim) -> bool:
    return (
        user.is_authenticated
        and user.role == User.Role.REGULATOR
        and user.organization_id == claim.programme.regulator_id
        and regulated_region(user) is not None
    )


def exception_candidates(user: AnyUser) -> QuerySet[Charge]:
    """Unverified charges in the regulator's region, not yet on an issued invoice, of enterprises
    holding a grant of the regulator's programmes that would pay them if approved."""
    scope = regulated_region(user)
    if scope is None:
        return Charge.objects.none()
    reach = Q(pk__in=[])
    for programme in programmes_run_by(user).filter(expired_at__isnull=True).select_related("provider_region"):
        holders = programme.grants.filter(status=VoucherGrant.Status.GRANTED, balance__gt=0).values("enterprise_id")
        reach |= Q(
            customer_id__in=holders, provider__region__code__startswith=programme.provider_region.prefix,
            service_date__gte=programme.valid_from, service_date__lte=programme.valid_until,
        )  # fmt: skip
    not_issued = Q(invoice__isnull=True) | Q(invoice__status=Invoice.Status.DRAFT)
    # A sample order confirmed after it was charged is eligible already: it needs no exception.
    confirmed = Q(kind=Charge.Kind.SAMPLES, sample_order__confirmed_at__isnull=False)
    return (
        Charge.objects.filter(vouchers.unverified_charges(region=scope), reach, not_issued)
        .filter(kind__in=(Charge.Kind.USE, Charge.Kind.SAMPLES))
        .exclude(customer_class=CustomerClass.INTERNAL)
        .exclude(confirmed)
        .select_related("instrument", "provider", "customer", "invoice")
    )


@dataclass(frozen=True)
class Candidate:
    charge: Charge
    grant: VoucherGrant | None
    would_pay: Decimal


def with_estimates(charges: list[Charge], user: AnyUser) -> list[Candidate]:
    """What the customer's first grant that fits would pay of each charge if approved now."""
    grants = list(
        VoucherGrant.objects.filter(
            programme__in=programmes_run_by(user), status=VoucherGrant.Status.GRANTED, balance__gt=0,
            enterprise_id__in={c.customer_id for c in charges},
        ).select_related("programme__provider_region").order_by("programme__valid_until", "pk")
    )  # fmt: skip

    def fits(grant: VoucherGrant, charge: Charge) -> bool:
        p = grant.programme
        return (
            grant.enterprise_id == charge.customer_id
            and p.valid_from <= charge.service_date <= p.valid_until
            and charge.provider.region_id.startswith(p.provider_region.prefix)
        )

    result = []
    for charge in charges:
        grant = next((g for g in grants if fits(g, charge)), None)
        amount = pricing.voucher_share(charge.total, grant.share_percent, grant.balance) if grant else pricing.ZERO
        result.append(Candidate(charge, grant, amount))
    return result


def programme_status(programme: VoucherProgramme, today: dt.date) -> str:
    if programme.expired_at or today > programme.valid_until:
        return "ended"
    return "open" if today >= programme.valid_from else "upcoming"
