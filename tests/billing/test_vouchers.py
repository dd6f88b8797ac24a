"""Vouchers pay their share of measured use only, within the grant's balance, and the
budget and balances never go below zero."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from accounts.models import Organization
from billing import charges, invoicing, vouchers
from billing.models import VoucherGrant, VoucherPayment, VoucherProgramme
from tests import factories as f
from tests.billing.helpers import DAY, credit_code, granted, programme, rate_card, settled

pytestmark = pytest.mark.django_db
OCTOBER = (dt.date(2026, 10, 1), dt.date(2026, 11, 1))
NOW = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)


@pytest.fixture
def regulator():
    return f.regulator("320100")  # Nanjing


@pytest.fixture
def instrument():
    instrument = f.InstrumentFactory()  # in Xuanwu, Nanjing
    rate_card(instrument)
    return instrument


@pytest.fixture
def firm():
    return f.OrganizationFactory(kind=Organization.Kind.ENTERPRISE, code=credit_code(1))


def issue(instrument, customer):
    draft = invoicing.invoice_draft(
        provider=instrument.institution, customer=customer, period_start=OCTOBER[0], period_end=OCTOBER[1]
    )
    return invoicing.invoice_issue(invoice=draft, now=NOW)


def test_the_voucher_pays_its_share_of_measured_use(regulator, instrument, firm):
    grant = granted(programme(regulator, share=D("40")), firm, amount=D("10000"))
    charges.charge_reservation(settled(instrument, customer=firm))  # 300 + 18 VAT
    invoice = issue(instrument, firm)
    assert invoice.voucher_amount == D("127.20")  # 40% of 318
    assert invoice.customer_due == D("190.80")
    grant.refresh_from_db()
    assert grant.balance == D("9872.80")


def test_start_ups_get_their_share(regulator, instrument, firm):
    granted(programme(regulator, startup_share=D("60")), firm, size=VoucherGrant.Size.STARTUP)
    charges.charge_reservation(settled(instrument, customer=firm))
    assert issue(instrument, firm).voucher_amount == D("190.80")


def test_unverified_use_is_not_paid_without_an_exception(regulator, instrument, firm):
    granted(programme(regulator), firm)
    charges.charge_reservation(settled(instrument, customer=firm, measured=None))
    assert issue(instrument, firm).voucher_amount == 0
    other = charges.charge_reservation(settled(instrument, customer=firm, measured=None, start=DAY + dt.timedelta(1)))
    vouchers.voucher_exception_approve(charge=other, by=regulator)
    draft = invoicing.invoice_draft(
        provider=instrument.institution, customer=firm, period_start=OCTOBER[0], period_end=OCTOBER[1]
    )
    assert invoicing.invoice_issue(invoice=draft, now=NOW).voucher_amount == D("127.20")


def test_an_exception_is_for_the_regions_regulator_and_unverified_charges_only(regulator, instrument, firm):
    measured = charges.charge_reservation(settled(instrument, customer=firm))
    declared = charges.charge_reservation(settled(instrument, customer=firm, measured=None))
    with pytest.raises(ValidationError, match="measured use already"):
        vouchers.voucher_exception_approve(charge=measured, by=regulator)
    with pytest.raises(PermissionDenied):
        vouchers.voucher_exception_approve(charge=declared, by=f.regulator("320500"))  # Suzhou


def test_the_balance_limits_what_the_voucher_pays(regulator, instrument, firm):
    grant = granted(programme(regulator, share=D("40")), firm, amount=D("50"))
    charges.charge_reservation(settled(instrument, customer=firm))
    assert issue(instrument, firm).voucher_amount == D("50.00")
    grant.refresh_from_db()
    assert grant.balance == 0


def test_providers_outside_the_programme_region_are_not_paid(regulator, firm):
    granted(programme(regulator), firm)  # Nanjing providers only
    suzhou = f.InstrumentFactory(lab__institution__region=f.region("320505"))
    rate_card(suzhou)
    charges.charge_reservation(settled(suzhou, customer=firm))
    assert issue(suzhou, firm).voucher_amount == 0


def test_voiding_gives_the_voucher_back(regulator, instrument, firm):
    grant = granted(programme(regulator), firm)
    charges.charge_reservation(settled(instrument, customer=firm))
    invoice = issue(instrument, firm)
    invoicing.invoice_void(invoice=invoice, by=f.platform_admin(), reason="wrong", now=NOW)
    grant.refresh_from_db()
    assert grant.balance == D("10000") and VoucherPayment.objects.get().reversed_at is not None
    assert issue(instrument, firm).voucher_amount == D("127.20")  # paid again, once
    assert VoucherPayment.objects.filter(reversed_at__isnull=True).count() == 1


def test_granting_takes_from_the_budget_and_never_overdraws_it(regulator, firm):
    p = programme(regulator, budget=D("1000"), cap=D("800"))
    apply = vouchers.grant_apply(
        by=f.UserFactory(organization=firm), programme=p, size="small", credit_code=firm.code, requested="800",
        purpose="测试", today=dt.date(2026, 6, 1),
    )  # fmt: skip
    vouchers.grant_decide(grant=apply, by=regulator, amount="700")
    p.refresh_from_db()
    assert p.budget_left == D("300.00")
    other = f.OrganizationFactory(kind=Organization.Kind.ENTERPRISE, code=credit_code(2))
    second = vouchers.grant_apply(
        by=f.UserFactory(organization=other), programme=p, size="small", credit_code=other.code, requested="500",
        purpose="测试", today=dt.date(2026, 6, 1),
    )  # fmt: skip
    with pytest.raises(ValidationError, match=r"300\.00 left"):
        vouchers.grant_decide(grant=second, by=regulator, amount="500")
    second.refresh_from_db()
    assert second.status == "applied"
    with pytest.raises(IntegrityError), transaction.atomic():
        VoucherProgramme.objects.filter(pk=p.pk).update(budget_left=D("-1"))


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [("requested", "600000", "cap"), ("requested", "-1", "above zero"), ("requested", "1.001", "above zero"),
     ("credit_code", "91320100MA1XXXXXXX", "not your organization")],
)  # fmt: skip
def test_bad_applications_are_refused_and_write_nothing(regulator, firm, field, value, error):
    p = programme(regulator)
    kwargs = {"size": "small", "credit_code": firm.code, "requested": "1000", "purpose": "测试", field: value}
    with pytest.raises(ValidationError, match=error):
        vouchers.grant_apply(by=f.UserFactory(organization=firm), programme=p, today=dt.date(2026, 6, 1), **kwargs)
    assert not VoucherGrant.objects.exists()


def test_only_enterprises_in_the_region_apply_once(regulator, firm):
    p = programme(regulator)
    args = {"programme": p, "size": "small", "requested": "1000", "purpose": "x", "today": dt.date(2026, 6, 1)}
    with pytest.raises(PermissionDenied):
        vouchers.grant_apply(by=f.UserFactory(), credit_code="x", **args)
    far = f.OrganizationFactory(kind=Organization.Kind.ENTERPRISE, code=credit_code(2), region=f.region("320505"))
    with pytest.raises(ValidationError, match="outside this programme"):
        vouchers.grant_apply(by=f.UserFactory(organization=far), credit_code=far.code, **args)
    vouchers.grant_apply(by=f.UserFactory(organization=firm), credit_code=firm.code, **args)
    with pytest.raises(ValidationError, match="already applied"):
        vouchers.grant_apply(by=f.UserFactory(organization=firm), credit_code=firm.code, **args)


def test_a_grant_over_the_cap_or_by_another_regulator_is_refused(regulator, firm):
    p = programme(regulator, cap=D("5000"))
    grant = vouchers.grant_apply(
        by=f.UserFactory(organization=firm), programme=p, size="small", credit_code=firm.code, requested="5000",
        purpose="x", today=dt.date(2026, 6, 1),
    )  # fmt: skip
    with pytest.raises(ValidationError, match="cap"):
        vouchers.grant_decide(grant=grant, by=regulator, amount="5000.01")
    with pytest.raises(PermissionDenied):
        vouchers.grant_decide(grant=grant, by=f.regulator("320100"), amount="100")
    with pytest.raises(ValidationError, match="reason"):
        vouchers.grant_decide(grant=grant, by=regulator, refuse_reason=" ")
    grant.refresh_from_db()
    assert grant.status == "applied"


def test_a_programme_share_over_100_percent_is_refused(regulator):
    region = regulator.organization.region
    with pytest.raises(ValidationError) as error:
        vouchers.programme_create(
            by=regulator, name="x", year=2026, budget=D("1000"), customer_region=region, provider_region=region,
            share_percent=D("140"), startup_share_percent=D("60"), cap_per_enterprise=D("100"),
            valid_from=dt.date(2026, 1, 1), valid_until=dt.date(2026, 12, 31),
        )  # fmt: skip
    assert "share_percent" in error.value.message_dict
    assert not VoucherProgramme.objects.exists()


def test_a_county_regulator_runs_no_programme():
    county = f.regulator("320102")
    with pytest.raises(PermissionDenied):
        vouchers.programme_create(by=county, customer_region=county.organization.region)


def test_expiry_releases_unused_balances(regulator, instrument, firm):
    p = programme(regulator, budget=D("20000"))
    grant = granted(p, firm, amount=D("10000"))
    charges.charge_reservation(settled(instrument, customer=firm))
    issue(instrument, firm)  # pays 127.20
    assert vouchers.programmes_expire(today=dt.date(2027, 1, 1)) == 1
    grant.refresh_from_db()
    p.refresh_from_db()
    assert grant.status == "expired" and grant.balance == 0
    assert p.budget_left == D("19872.80")
    assert vouchers.programmes_expire(today=dt.date(2027, 1, 2)) == 0


def test_claims_are_decided_line_by_line_and_paid(regulator, instrument, firm):
    granted(programme(regulator), firm)
    charges.charge_reservation(settled(instrument, customer=firm))
    charges.charge_reservation(settled(instrument, customer=firm, start=DAY + dt.timedelta(days=1)))
    issue(instrument, firm)
    finance = f.UserFactory(organization=instrument.institution, role="org_admin")
    p = VoucherProgramme.objects.get()
    claim = vouchers.claim_submit(by=finance, programme=p, period_start=dt.date(2026, 11, 1),
                                  period_end=dt.date(2026, 12, 1))  # fmt: skip
    assert claim.amount == D("254.40") and claim.lines.count() == 2
    with pytest.raises(ValidationError, match="Vouchers paid nothing"):
        vouchers.claim_submit(
            by=finance, programme=p, period_start=dt.date(2026, 11, 1), period_end=dt.date(2026, 12, 1)
        )
    first, second = claim.lines.all()
    with pytest.raises(ValidationError):
        vouchers.claim_line_decide(line=second, by=regulator, approve=False, reason="")
    vouchers.claim_line_decide(line=first, by=regulator, approve=True)
    with pytest.raises(ValidationError, match="Decide every line"):
        vouchers.claim_paid(claim=claim, by=regulator, reference="PAY-1")
    vouchers.claim_line_decide(line=second, by=regulator, approve=False, reason="duplicate")
    claim.refresh_from_db()
    assert claim.status == "decided" and claim.approved_amount == D("127.20")
    vouchers.claim_paid(claim=claim, by=regulator, reference="PAY-1")
    claim.refresh_from_db()
    assert claim.status == "paid" and claim.paid_reference == "PAY-1"


def test_only_the_providers_admin_claims(regulator, instrument, firm):
    p = programme(regulator)
    for who in (f.UserFactory(organization=instrument.institution), regulator):
        with pytest.raises(PermissionDenied):
            vouchers.claim_submit(
                by=who, programme=p, period_start=dt.date(2026, 11, 1), period_end=dt.date(2026, 12, 1)
            )


def test_a_county_regulator_approves_no_exception(instrument, firm):
    declared = charges.charge_reservation(settled(instrument, customer=firm, measured=None))
    with pytest.raises(PermissionDenied):
        vouchers.voucher_exception_approve(charge=declared, by=f.regulator("320102"))  # the county of the provider
