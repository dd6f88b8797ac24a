"""Who may see and do what with money, built from accounts' and instruments' checks.

- Institution finance is the institution's organization admins: they issue, void and record
  payments for their institution's invoices, and claim voucher amounts.
- Lab managers see their labs' charges and set their instruments' rates.
- Customers: an organization admin sees all of the organization's invoices; a member sees
  the invoices that carry their own bookings or orders.
- Regulators run their voucher programmes and see the charges of providers in their region.
"""

from django.db.models import Q, QuerySet

from accounts.permissions import AnyUser, belongs_to, is_org_admin_of, is_platform_admin, regulated_region
from billing.models import Charge, Invoice, VoucherGrant, VoucherProgramme
from instruments.models import Instrument
from instruments.permissions import can_edit_instrument, managed_labs


def can_set_rates(user: AnyUser, instrument: Instrument) -> bool:
    return can_edit_instrument(user, instrument)


def is_finance_of(user: AnyUser, organization) -> bool:
    return is_org_admin_of(user, organization) or is_platform_admin(user)


def visible_charges(user: AnyUser) -> QuerySet[Charge]:
    if not user.is_authenticated or not user.is_active:
        return Charge.objects.none()
    if is_platform_admin(user):
        return Charge.objects.all()
    mine = Q(reservation__requester=user) | Q(sample_order__requester=user)
    labs = Q(instrument__lab__in=managed_labs(user))
    finance = Q(provider_id=user.organization_id) | Q(customer_id=user.organization_id)
    scope = mine | labs
    if user.role == user.Role.ORG_ADMIN:
        scope |= finance
    region = regulated_region(user)
    if region is not None:
        scope |= Q(provider__region__code__startswith=region.prefix)
    return Charge.objects.filter(scope)


def visible_invoices(user: AnyUser) -> QuerySet[Invoice]:
    if not user.is_authenticated or not user.is_active:
        return Invoice.objects.none()
    if is_platform_admin(user):
        return Invoice.objects.all()
    scope = Q(charges__in=visible_charges(user).values("pk"))
    if user.role == user.Role.ORG_ADMIN:
        scope |= Q(provider_id=user.organization_id) | Q(customer_id=user.organization_id)
    # A credit note carries no charges: it is seen by whoever sees the invoice it corrects.
    seen = Invoice.objects.filter(scope).values("pk")
    return Invoice.objects.filter(Q(pk__in=seen) | Q(corrects__in=seen))


def can_see_invoice(user: AnyUser, invoice: Invoice) -> bool:
    return visible_invoices(user).filter(pk=invoice.pk).exists()


def can_bill(user: AnyUser, invoice: Invoice) -> bool:
    """Issue, void and record payments: the provider's finance."""
    return is_finance_of(user, invoice.provider)


def can_run_programme(user: AnyUser, programme: VoucherProgramme) -> bool:
    return regulated_region(user) is not None and belongs_to(user, programme.regulator)


def visible_programmes(user: AnyUser) -> QuerySet[VoucherProgramme]:
    """Programmes are public calls for applications: everyone sees them."""
    return VoucherProgramme.objects.select_related("regulator", "customer_region", "provider_region")


def visible_grants(user: AnyUser) -> QuerySet[VoucherGrant]:
    if not user.is_authenticated or not user.is_active:
        return VoucherGrant.objects.none()
    if is_platform_admin(user):
        return VoucherGrant.objects.all()
    if regulated_region(user) is not None:
        return VoucherGrant.objects.filter(programme__regulator_id=user.organization_id)
    return VoucherGrant.objects.filter(enterprise_id=user.organization_id)
