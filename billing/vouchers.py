"""Innovation vouchers (科技创新券): programmes, grants, what they pay, and providers' claims.

Money only moves under a lock on the row it comes from (the programme's budget, the grant's
balance), inside the transaction that records it, and check constraints forbid a negative
budget or balance, so no interleaving of invoices can overdraw a grant, on PostgreSQL or SQLite.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, Region, User
from accounts.permissions import is_org_admin_of, regulated_region
from billing import ledger, pricing
from billing.charges import eligible, voucher_eligible
from billing.models import (
    Charge,
    ClaimLine,
    Invoice,
    VoucherClaim,
    VoucherGrant,
    VoucherPayment,
    VoucherProgramme,
)
from billing.pricing import AMOUNT_POSITIVE, positive_amount  # noqa: F401 - AMOUNT_POSITIVE is named by the doors

ZERO = pricing.ZERO

NOT_REGULATOR = _("Only a province or city regulator runs voucher programmes, within its own region.")
OUTSIDE_REGION = _("This region is outside the region you regulate.")
PROGRAMME_NOT_OPEN = _("This programme is not open: it runs from %(start)s to %(end)s.")
NOT_ENTERPRISE = _("Only enterprises (start-ups and SMEs) can apply for innovation vouchers.")
NOT_IN_REGION = _("Your organization is registered in %(region)s, outside this programme's region.")
CODE_MISMATCH = _("This is not your organization's unified social credit code.")
OVER_CAP = _("The cap per enterprise in this programme is %(cap)s.")
ALREADY_APPLIED = _("Your organization has already applied to this programme.")
NOT_APPLIED = _("This application has already been decided.")
REASON_REQUIRED = _("Give the applicant a reason.")
BUDGET_EXHAUSTED = _("The programme has %(left)s left to grant.")
NOT_PROGRAMME_REGULATOR = _("Only the regulator running the programme decides on it.")
NOTHING_TO_CLAIM = _("Vouchers paid nothing on your invoices in this period that is not claimed yet.")
LINE_DECIDED = _("This claim line has already been decided.")
CLAIM_NOT_DECIDED = _("Decide every line before recording the payment.")
NOT_PROVIDER_FINANCE = _("Only an admin of the provider institution claims its voucher amounts.")
EXCEPTION_VERIFIED = _("This charge is measured use already; it needs no exception.")
EXCEPTION_INVOICED = _("This charge is on an issued invoice already.")
DATES_ORDER = _("The programme must end on or after the day it starts.")
PERIOD_ORDER = _("The period must end after it starts.")


def _regulator_scope(by: User) -> Region:
    scope = regulated_region(by)
    if scope is None or scope.level > Region.Level.CITY:
        raise PermissionDenied(NOT_REGULATOR)
    return scope


def programme_create(*, by: User, **fields) -> VoucherProgramme:
    scope = _regulator_scope(by)
    for field in ("customer_region", "provider_region"):
        if not scope.contains(fields[field]):
            raise ValidationError({field: OUTSIDE_REGION})
    # Checked here, field by field: the model's check constraints would only name themselves.
    for field in ("budget", "cap_per_enterprise"):
        if field in fields:
            fields[field] = positive_amount(fields[field], field)
    start, end = fields.get("valid_from"), fields.get("valid_until")
    if start and end and end < start:
        raise ValidationError({"valid_until": DATES_ORDER})
    programme = VoucherProgramme(regulator=by.organization, budget_left=fields.get("budget", ZERO), **fields)
    programme.full_clean()
    programme.save()
    ledger.append(
        kind="programme", subject=f"programme:{programme.pk}", amount=programme.budget,
        data={"name": programme.name, "year": programme.year, "by": by.pk},
    )  # fmt: skip
    return programme


def _check_regulator(by: User, programme: VoucherProgramme) -> None:
    if not (by.is_active and by.role == User.Role.REGULATOR and by.organization_id == programme.regulator_id):
        raise PermissionDenied(NOT_PROGRAMME_REGULATOR)


def grant_apply(
    *, by: User, programme: VoucherProgramme, size: str, credit_code: str, requested: Decimal | str, purpose: str,
    today: dt.date | None = None,
) -> VoucherGrant:  # fmt: skip
    today = today or timezone.localdate()
    org = by.organization
    if org is None or org.kind != Organization.Kind.ENTERPRISE:
        raise PermissionDenied(NOT_ENTERPRISE)
    if not programme.valid_from <= today <= programme.valid_until:
        raise ValidationError(PROGRAMME_NOT_OPEN % {"start": programme.valid_from, "end": programme.valid_until})
    if not programme.customer_region.contains(org.region):
        raise ValidationError(NOT_IN_REGION % {"region": org.region})
    if credit_code.strip().upper() != org.code.upper():
        raise ValidationError({"credit_code": CODE_MISMATCH})
    requested = positive_amount(requested, "requested")
    if requested > programme.cap_per_enterprise:
        raise ValidationError({"requested": OVER_CAP % {"cap": programme.cap_per_enterprise}})
    grant = VoucherGrant(
        programme=programme, enterprise=org, applicant=by, size=size, credit_code=org.code,
        requested=requested, purpose=purpose.strip(),
    )  # fmt: skip
    grant.full_clean(validate_unique=False, validate_constraints=False)  # the constraints hold in the database
    try:
        with transaction.atomic():
            grant.save()
    except IntegrityError:
        raise ValidationError(ALREADY_APPLIED) from None
    return grant


def grant_decide(
    *, grant: VoucherGrant, by: User, amount: Decimal | str | None = None, refuse_reason: str = ""
) -> VoucherGrant:
    """Grant `amount` (at most the cap) from the programme's budget, or refuse with a reason."""
    _check_regulator(by, grant.programme)
    with transaction.atomic():
        grant = VoucherGrant.objects.select_for_update().select_related("programme").get(pk=grant.pk)
        if grant.status != VoucherGrant.Status.APPLIED:
            raise ValidationError(NOT_APPLIED)
        now = timezone.now()
        if amount is None:
            if not refuse_reason.strip():
                raise ValidationError({"reason": REASON_REQUIRED})
            grant.status, grant.reason = VoucherGrant.Status.REFUSED, refuse_reason.strip()
        else:
            amount = positive_amount(amount)
            programme = grant.programme
            if amount > programme.cap_per_enterprise:
                raise ValidationError({"amount": OVER_CAP % {"cap": programme.cap_per_enterprise}})
            # Locked: grants decided at once take from the budget one after another.
            programme = VoucherProgramme.objects.select_for_update().get(pk=programme.pk)
            if amount > programme.budget_left:
                raise ValidationError({"amount": BUDGET_EXHAUSTED % {"left": programme.budget_left}})
            programme.budget_left -= amount
            programme.save(update_fields=["budget_left"])
            grant.status, grant.amount, grant.balance = VoucherGrant.Status.GRANTED, amount, amount
        grant.decided_by, grant.decided_at = by, now
        grant.save()
        ledger.append(
            kind="voucher_grant", subject=f"grant:{grant.pk}", amount=grant.amount,
            data={"status": grant.status, "enterprise": grant.enterprise_id, "by": by.pk, "reason": grant.reason},
        )  # fmt: skip
    return grant


def vouchers_pay(*, invoice: Invoice) -> Decimal:
    """vouchers_pay_many for one invoice; returns what the vouchers pay of it."""
    return vouchers_pay_many(invoices=[invoice]).get(invoice.pk, ZERO)


def vouchers_pay_many(*, invoices: list[Invoice]) -> dict[int, Decimal]:
    """Pay each eligible charge of the invoices (of one provider, being issued) its voucher
    share, up to the grants' balances, from the customer's grants valid on the service date
    whose programme covers the provider's region, the one ending first first. Called inside
    the issuing transaction, under the ledger's lock. Returns the amount paid per invoice."""
    if not invoices:
        return {}
    by_customer = {invoice.customer_id: invoice for invoice in invoices}
    region = invoices[0].provider.region
    # The grants are locked until the issuing transaction ends, in id order. Amounts are
    # computed here, not by the database (SQLite does decimal arithmetic as floats).
    grants: dict[int, list[VoucherGrant]] = {}
    for grant in (
        VoucherGrant.objects.select_for_update(of=("self",))
        .filter(enterprise_id__in=list(by_customer), status=VoucherGrant.Status.GRANTED, balance__gt=0)
        .select_related("programme__provider_region")
        .order_by("pk")
    ):
        if grant.programme.provider_region.contains(region):
            grants.setdefault(grant.enterprise_id, []).append(grant)
    if not grants:
        return {}
    for held in grants.values():
        held.sort(key=lambda g: (g.programme.valid_until, g.pk))
    charges = (
        Charge.objects.filter(invoice__in=[by_customer[c] for c in grants])
        .order_by("invoice_id", "service_date", "pk")
        .values("pk", "invoice_id", "customer_id", "net", "vat", "kind", "verified", "voucher_exception_at",
                "sample_order__confirmed_at", "service_date")
    )  # fmt: skip
    paid: dict[int, Decimal] = {}
    payments, movements, touched = [], [], {}
    for charge in charges:
        if not eligible(
            kind=charge["kind"], verified=charge["verified"], exception_at=charge["voucher_exception_at"],
            confirmed_at=charge["sample_order__confirmed_at"],
        ):  # fmt: skip
            continue
        for grant in grants[charge["customer_id"]]:
            programme = grant.programme
            if not programme.valid_from <= charge["service_date"] <= programme.valid_until:
                continue
            amount = pricing.voucher_share(charge["net"] + charge["vat"], grant.share_percent, grant.balance)
            if amount <= 0:
                continue
            grant.balance -= amount
            touched[grant.pk] = grant
            paid[charge["invoice_id"]] = paid.get(charge["invoice_id"], ZERO) + amount
            payments.append(
                VoucherPayment(grant=grant, charge_id=charge["pk"], invoice_id=charge["invoice_id"], amount=amount)
            )
            movements.append(ledger.Movement(
                "voucher_payment", f"charge:{charge['pk']}", amount,
                {"grant": grant.pk, "invoice": charge["invoice_id"], "share": grant.share_percent,
                 "balance": grant.balance},
            ))  # fmt: skip
            break
    VoucherPayment.objects.bulk_create(payments)
    VoucherGrant.objects.bulk_update(list(touched.values()), ["balance"])
    ledger.append_many(movements)
    return paid


def vouchers_reverse(*, invoice: Invoice, now: dt.datetime) -> None:
    """Give a voided invoice's voucher payments back to their grants."""
    for payment in invoice.voucher_payments.filter(reversed_at__isnull=True).select_for_update():
        grant = VoucherGrant.objects.select_for_update().get(pk=payment.grant_id)
        grant.balance += payment.amount
        grant.save(update_fields=["balance"])
        VoucherPayment.objects.filter(pk=payment.pk).update(reversed_at=now)
        ledger.append(
            kind="voucher_reversal", subject=f"charge:{payment.charge_id}", amount=-payment.amount,
            data={"grant": payment.grant_id, "invoice": invoice.pk},
        )  # fmt: skip


def voucher_exception_approve(*, charge: Charge, by: User) -> Charge:
    """A province or city regulator of the provider's region lets a voucher pay this one
    unverified charge."""
    scope = _regulator_scope(by)
    if not scope.contains(charge.provider.region):
        raise PermissionDenied(OUTSIDE_REGION)
    with transaction.atomic():
        locked = Charge.objects.select_for_update(of=("self",))
        charge = locked.select_related("invoice", "sample_order").get(pk=charge.pk)
        if voucher_eligible(charge):
            raise ValidationError(EXCEPTION_VERIFIED)
        if charge.invoice and charge.invoice.status != Invoice.Status.DRAFT:
            raise ValidationError(EXCEPTION_INVOICED)
        charge.voucher_exception_by, charge.voucher_exception_at = by, timezone.now()
        charge.save(update_fields=["voucher_exception_by", "voucher_exception_at"])
        ledger.append(kind="voucher_exception", subject=f"charge:{charge.pk}", amount=charge.total, data={"by": by.pk})
    return charge


def programmes_expire(*, today: dt.date | None = None) -> int:
    """Close programmes past their end: unused grant balances go back to the budget (the jobs worker)."""
    today = today or timezone.localdate()
    expired = 0
    for programme in VoucherProgramme.objects.filter(valid_until__lt=today, expired_at__isnull=True):
        with transaction.atomic():
            programme = VoucherProgramme.objects.select_for_update().get(pk=programme.pk)
            for grant in programme.grants.select_for_update().filter(status=VoucherGrant.Status.GRANTED):
                released = grant.balance
                VoucherGrant.objects.filter(pk=grant.pk).update(balance=ZERO, status=VoucherGrant.Status.EXPIRED)
                programme.budget_left += released
                programme.save(update_fields=["budget_left"])
                ledger.append(
                    kind="voucher_expiry", subject=f"grant:{grant.pk}", amount=released,
                    data={"programme": programme.pk},
                )  # fmt: skip
            programme.grants.filter(status=VoucherGrant.Status.APPLIED).update(
                status=VoucherGrant.Status.REFUSED, reason=str(_("The programme ended before a decision."))
            )
            VoucherProgramme.objects.filter(pk=programme.pk).update(expired_at=timezone.now())
        expired += 1
    return expired


def claim_submit(*, by: User, programme: VoucherProgramme, period_start: dt.date, period_end: dt.date) -> VoucherClaim:
    """Claim what vouchers of the programme paid on the provider's invoices issued in the period."""
    provider = by.organization
    if provider is None or not provider.can_own_instruments or not is_org_admin_of(by, provider):
        raise PermissionDenied(NOT_PROVIDER_FINANCE)
    if period_end <= period_start:
        raise ValidationError({"period_end": PERIOD_ORDER})
    try:
        return _claim(by=by, provider=provider, programme=programme, period_start=period_start, period_end=period_end)
    except IntegrityError:  # a claim submitted at the same moment took these payments first
        raise ValidationError(NOTHING_TO_CLAIM) from None


def _claim(*, by: User, provider, programme: VoucherProgramme, period_start: dt.date, period_end: dt.date):
    with transaction.atomic():
        payments = VoucherPayment.objects.select_for_update(of=("self",)).filter(
            grant__programme=programme, invoice__provider=provider, reversed_at__isnull=True,
            claim_line__isnull=True, invoice__issued_at__date__gte=period_start,
            invoice__issued_at__date__lt=period_end,
        )  # fmt: skip
        chosen = list(payments)
        if not chosen:
            raise ValidationError(NOTHING_TO_CLAIM)
        claim = VoucherClaim.objects.create(
            programme=programme, provider=provider, period_start=period_start, period_end=period_end,
            amount=sum((p.amount for p in chosen), ZERO), submitted_by=by,
        )  # fmt: skip
        ClaimLine.objects.bulk_create(ClaimLine(claim=claim, payment=p) for p in chosen)
        ledger.append(
            kind="claim", subject=f"claim:{claim.pk}", amount=claim.amount,
            data={"programme": programme.pk, "provider": provider.pk, "lines": len(chosen)},
        )  # fmt: skip
    return claim


def claim_line_decide(*, line: ClaimLine, by: User, approve: bool, reason: str = "") -> ClaimLine:
    claim = line.claim
    _check_regulator(by, claim.programme)
    if not approve and not reason.strip():
        raise ValidationError({"reason": REASON_REQUIRED})
    with transaction.atomic():
        line = ClaimLine.objects.select_for_update().select_related("payment").get(pk=line.pk)
        if line.decision != ClaimLine.Decision.PENDING:
            raise ValidationError(LINE_DECIDED)
        line.decision = ClaimLine.Decision.APPROVED if approve else ClaimLine.Decision.REJECTED
        line.reason, line.decided_by, line.decided_at = reason.strip(), by, timezone.now()
        line.save()
        approved = claim.lines.filter(decision=ClaimLine.Decision.APPROVED).aggregate(s=Sum("payment__amount"))["s"]
        pending = claim.lines.filter(decision=ClaimLine.Decision.PENDING).exists()
        VoucherClaim.objects.filter(pk=claim.pk).update(
            approved_amount=approved or ZERO,
            status=VoucherClaim.Status.SUBMITTED if pending else VoucherClaim.Status.DECIDED,
        )
        ledger.append(
            kind="claim_decision", subject=f"claim_line:{line.pk}", amount=line.payment.amount,
            data={"decision": line.decision, "reason": line.reason, "by": by.pk},
        )  # fmt: skip
    return line


def claim_paid(*, claim: VoucherClaim, by: User, reference: str) -> VoucherClaim:
    _check_regulator(by, claim.programme)
    with transaction.atomic():
        claim = VoucherClaim.objects.select_for_update().get(pk=claim.pk)
        if claim.status != VoucherClaim.Status.DECIDED:
            raise ValidationError(CLAIM_NOT_DECIDED)
        if not reference.strip():
            raise ValidationError({"reference": _("Enter the payment reference.")})
        claim.status, claim.paid_at, claim.paid_reference = VoucherClaim.Status.PAID, timezone.now(), reference.strip()
        claim.save()
        ledger.append(
            kind="claim_paid", subject=f"claim:{claim.pk}", amount=claim.approved_amount,
            data={"reference": claim.paid_reference, "by": by.pk},
        )  # fmt: skip
    return claim


def unverified_charges(*, region: Region) -> Q:
    """Charges in the region a voucher would not pay without an exception."""
    return Q(provider__region__code__startswith=region.prefix, verified=False, voucher_exception_at__isnull=True)
