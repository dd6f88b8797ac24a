"""The voucher pages: programmes, applications, grants and exceptions for unverified use;
who may open which page, and bad input that writes nothing."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.urls import reverse

from billing import vouchers
from billing.models import LedgerEntry, VoucherGrant, VoucherPayment, VoucherProgramme
from tests import factories as f
from tests.billing.voucher_world import ROLES, apply, grant, invoiced, make_world, today, used

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def w():
    return make_world()


def login(client, user):
    if user is not None:
        client.force_login(user)
    return client


def programme_form(w, **overrides) -> dict:
    return {
        "name": "玄武区创新券", "year": today().year, "budget": "200000", "customer_region": "320102",
        "provider_region": "320100", "share_percent": "40", "startup_share_percent": "60",
        "cap_per_enterprise": "500000", "valid_from": today().isoformat(),
        "valid_until": (today() + dt.timedelta(days=365)).isoformat(), **overrides,
    }  # fmt: skip


def apply_form(w, **overrides) -> dict:
    return {"size": "startup", "credit_code": w.firm.code, "requested": "20000", "purpose": "SEM 表征", **overrides}


# Programmes


@pytest.mark.parametrize("role", ROLES)
def test_everyone_sees_the_programmes_what_they_pay_and_the_budget_left(client, w, role):
    grant(w, "10000")
    login(client, w.role(role))
    listing = client.get(reverse("billing:voucher-programmes"), **EN)
    assert listing.status_code == 200
    assert "科技创新券" in listing.content.decode()
    page = client.get(reverse("billing:voucher-programme", args=[w.programme.pk]), **EN).content.decode()
    assert "40%" in page and "60%" in page
    assert "¥50,000.00" in page  # the cap
    assert "¥90,000.00" in page  # budget left after a grant of 10,000
    assert "Enterprises (start-ups and SMEs) registered in Nanjing" in page
    assert "Vouchers can be used with providers in Nanjing." in page


def test_everyone_finds_the_vouchers_in_the_menu(client, w):
    page = client.get(reverse("home"), **EN).content.decode()
    assert f'<a href="{reverse("billing:voucher-programmes")}">Vouchers</a>' in page


def test_the_programme_pages_speak_chinese_by_default(client, w):
    page = client.get(reverse("billing:voucher-programme", args=[w.programme.pk])).content.decode()
    assert '<html lang="zh-hans">' in page and "南京市" in page


def test_a_province_programme_is_valid_with_any_provider_in_the_province(client, w):
    form = programme_form(w, customer_region="320000", provider_region="320000")
    client.force_login(w.province)
    response = client.post(reverse("billing:voucher-programme-create"), form)
    programme = VoucherProgramme.objects.get(regulator=w.province.organization)
    assert response["Location"] == reverse("billing:voucher-programme", args=[programme.pk])
    page = client.get(response["Location"], **EN).content.decode()
    assert "any provider in Jiangsu" in page and "通用通兑" in page


def test_a_city_regulator_creates_a_programme_with_regions_in_their_city(client, w):
    client.force_login(w.regulator)
    page = client.get(reverse("billing:voucher-programme-create"))
    regions = {r.code for r in page.context["form"].fields["customer_region"].queryset}
    assert "320102" in regions and "320100" in regions
    assert not {"320000", "320500", "320506"} & regions
    response = client.post(reverse("billing:voucher-programme-create"), programme_form(w))
    programme = VoucherProgramme.objects.get(name="玄武区创新券")
    assert response.status_code == 302
    assert programme.regulator == w.regulator.organization
    assert programme.budget_left == D("200000.00")
    assert LedgerEntry.objects.filter(subject=f"programme:{programme.pk}").exists()


@pytest.mark.parametrize(
    ("role", "page", "post", "created"),
    [("anonymous", 302, 302, 0), ("member", 403, 403, 0), ("outsider", 403, 403, 0), ("student", 403, 403, 0),
     ("provider_admin", 403, 403, 0), ("admin", 403, 403, 0), ("other_city", 200, 400, 0), ("province", 200, 302, 1)],
)  # fmt: skip
def test_only_province_and_city_regulators_create_programmes(client, w, role, page, post, created):
    login(client, w.role(role))
    assert client.get(reverse("billing:voucher-programme-create")).status_code == page
    # Jiangsu's customers and Nanjing's providers: Suzhou may choose neither.
    response = client.post(reverse("billing:voucher-programme-create"), programme_form(w, customer_region="320000"))
    assert response.status_code == post
    assert VoucherProgramme.objects.count() == 1 + created


def test_a_county_regulator_runs_no_programmes(client, w):
    client.force_login(f.regulator("320102"))
    assert client.get(reverse("billing:voucher-programme-create")).status_code == 403


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"share_percent": "120"}, "share_percent"),
        ({"startup_share_percent": "-5"}, "startup_share_percent"),
        ({"customer_region": "320506"}, "customer_region"),  # Suzhou, outside Nanjing
        ({"provider_region": "320000"}, "provider_region"),  # the province, above Nanjing
        ({"budget": "0"}, "budget"),
        ({"cap_per_enterprise": "abc"}, "cap_per_enterprise"),
        ({"valid_until": "2000-01-01"}, "valid_until"),
        ({"name": ""}, "name"),
    ],
)
def test_a_bad_programme_shows_the_field_and_writes_nothing(client, w, overrides, field):
    client.force_login(w.regulator)
    entries = LedgerEntry.objects.count()
    response = client.post(reverse("billing:voucher-programme-create"), programme_form(w, **overrides), **EN)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert VoucherProgramme.objects.count() == 1
    assert LedgerEntry.objects.count() == entries


# Applications


def test_an_enterprise_applies_and_follows_its_application(client, w):
    client.force_login(w.member)
    page = client.get(reverse("billing:voucher-programme", args=[w.programme.pk]), **EN)
    assert page.context["can_apply"]
    assert client.get(reverse("billing:voucher-apply", args=[w.programme.pk])).status_code == 200
    response = client.post(reverse("billing:voucher-apply", args=[w.programme.pk]), apply_form(w))
    grant = VoucherGrant.objects.get()
    assert response["Location"] == reverse("billing:voucher-grant", args=[grant.pk])
    assert (grant.enterprise, grant.status, grant.requested, grant.size) == (w.firm, "applied", D("20000"), "startup")
    mine = client.get(reverse("billing:voucher-mine"), **EN).content.decode()
    assert "Applied" in mine and "¥20,000.00" in mine


def test_an_enterprise_in_another_region_is_told_why_and_nothing_is_written(client, w):
    client.force_login(w.outsider)
    form = apply_form(w, credit_code=w.outsider.organization.code)
    response = client.post(reverse("billing:voucher-apply", args=[w.programme.pk]), form, **EN)
    assert response.status_code == 400
    [error] = response.context["form"].non_field_errors()
    assert error == "Your organization is registered in Wuzhong District, outside this programme's region."
    assert not VoucherGrant.objects.exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 302), ("student", 403), ("provider_admin", 403), ("regulator", 403), ("province", 403),
     ("admin", 403)],
)  # fmt: skip
def test_only_enterprises_apply(client, w, role, status):
    login(client, w.role(role))
    assert client.get(reverse("billing:voucher-apply", args=[w.programme.pk])).status_code == status
    assert client.post(reverse("billing:voucher-apply", args=[w.programme.pk]), apply_form(w)).status_code == status
    assert not VoucherGrant.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"requested": "50000.01"}, "requested", "The cap per enterprise in this programme is 50000.00."),
        ({"requested": "0"}, "requested", None),
        ({"requested": "12.345"}, "requested", None),
        ({"credit_code": f.valid_credit_code(999_999)}, "credit_code", vouchers.CODE_MISMATCH),
        ({"credit_code": "91320100XY000000I"}, "credit_code", None),  # 17 characters, one of them never used
        ({"purpose": ""}, "purpose", None),
        ({"size": "huge"}, "size", None),
    ],
)
def test_a_bad_application_shows_the_field_and_writes_nothing(client, w, overrides, field, message):
    client.force_login(w.member)
    response = client.post(reverse("billing:voucher-apply", args=[w.programme.pk]), apply_form(w, **overrides), **EN)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors
    if message:
        assert errors[field] == [str(message)]  # in English
    assert not VoucherGrant.objects.exists()


def test_applying_twice_is_refused(client, w):
    client.force_login(w.member)
    client.post(reverse("billing:voucher-apply", args=[w.programme.pk]), apply_form(w))
    response = client.post(reverse("billing:voucher-apply", args=[w.programme.pk]), apply_form(w), **EN)
    assert response.status_code == 400
    assert str(vouchers.ALREADY_APPLIED) in response.context["form"].non_field_errors()
    assert VoucherGrant.objects.count() == 1


def test_a_programme_that_has_not_opened_takes_no_applications(client, w):
    w.programme.valid_from = today() + dt.timedelta(days=1)
    w.programme.save()
    client.force_login(w.member)
    page = client.get(reverse("billing:voucher-programme", args=[w.programme.pk]), **EN)
    assert not page.context["can_apply"] and "Not open yet" in page.content.decode()
    response = client.post(reverse("billing:voucher-apply", args=[w.programme.pk]), apply_form(w))
    assert response.status_code == 400
    assert not VoucherGrant.objects.exists()


# Decisions


def test_the_regulator_grants_an_amount_and_sees_balances_and_budget_left(client, w):
    application = apply(w, amount="30000")
    client.force_login(w.regulator)
    programme_page = client.get(reverse("billing:voucher-programme", args=[w.programme.pk]), **EN)
    assert programme_page.context["applications"] == [application]
    page = client.get(reverse("billing:voucher-grant", args=[application.pk]))
    assert page.context["can_decide"] and page.context["form"].initial["amount"] == D("30000")
    response = client.post(reverse("billing:voucher-grant-decide", args=[application.pk]), {"amount": "25000"})
    assert response["Location"] == reverse("billing:voucher-programme", args=[w.programme.pk])
    application.refresh_from_db()
    w.programme.refresh_from_db()
    assert (application.status, application.amount, application.balance) == ("granted", D("25000"), D("25000"))
    assert w.programme.budget_left == D("75000")
    page = client.get(reverse("billing:voucher-programme", args=[w.programme.pk]), **EN)
    assert page.context["grants"] == [application]
    assert page.context["totals"] == {"amount": D("25000"), "balance": D("25000")}
    assert "¥75,000.00" in page.content.decode()


def test_the_regulator_refuses_with_a_reason_the_applicant_sees(client, w):
    application = apply(w)
    client.force_login(w.regulator)
    refusal = {"refuse": "1", "reason": "不属于科技型中小企业"}
    client.post(reverse("billing:voucher-grant-decide", args=[application.pk]), refusal)
    application.refresh_from_db()
    assert (application.status, application.reason) == ("refused", "不属于科技型中小企业")
    client.force_login(w.member)
    mine = client.get(reverse("billing:voucher-mine"), **EN).content.decode()
    assert "Refused" in mine and "不属于科技型中小企业" in mine


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"amount": "50000.01"}, "amount", "The cap per enterprise in this programme is 50000.00."),
        ({"amount": "0"}, "amount", None),
        ({"amount": ""}, "amount", vouchers.AMOUNT_POSITIVE),
        ({"refuse": "1", "reason": "  "}, "reason", vouchers.REASON_REQUIRED),
    ],
)
def test_a_bad_decision_shows_the_field_and_writes_nothing(client, w, data, field, message):
    application = apply(w, amount="50000")
    entries = LedgerEntry.objects.count()
    client.force_login(w.regulator)
    response = client.post(reverse("billing:voucher-grant-decide", args=[application.pk]), data, **EN)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    if message:
        assert response.context["form"].errors[field] == [str(message)]  # in English
    application.refresh_from_db()
    w.programme.refresh_from_db()
    assert application.status == "applied" and w.programme.budget_left == D("100000")
    assert LedgerEntry.objects.count() == entries


def test_a_grant_over_the_budget_left_is_refused_and_writes_nothing(client, w):
    w.programme.budget_left = D("5000")  # most of it granted already
    VoucherProgramme.objects.filter(pk=w.programme.pk).update(budget_left=D("5000"))
    application = apply(w, amount="8000")
    client.force_login(w.regulator)
    response = client.post(reverse("billing:voucher-grant-decide", args=[application.pk]), {"amount": "8000"}, **EN)
    assert response.status_code == 400
    assert response.context["form"].errors["amount"] == ["The programme has 5000.00 left to grant."]
    application.refresh_from_db()
    assert application.status == "applied"
    assert VoucherProgramme.objects.get().budget_left == D("5000")


def test_a_decided_application_cannot_be_decided_again(client, w):
    application = grant(w)
    client.force_login(w.regulator)
    response = client.post(reverse("billing:voucher-grant-decide", args=[application.pk]), {"amount": "100"}, **EN)
    assert response.status_code == 400
    assert VoucherProgramme.objects.get().budget_left == D("90000")


@pytest.mark.parametrize(
    ("role", "page", "decide"),
    [("anonymous", 302, 302), ("member", 200, 403), ("outsider", 404, 404), ("student", 404, 404),
     ("provider_admin", 404, 404), ("other_city", 404, 404), ("province", 404, 404), ("admin", 200, 403)],
)  # fmt: skip
def test_only_the_programme_regulator_decides(client, w, role, page, decide):
    application = apply(w)
    login(client, w.role(role))
    response = client.get(reverse("billing:voucher-grant", args=[application.pk]))
    assert response.status_code == page
    if page == 200:
        assert not response.context["can_decide"]
    response = client.post(reverse("billing:voucher-grant-decide", args=[application.pk]), {"amount": "10"})
    assert response.status_code == decide
    application.refresh_from_db()
    assert application.status == "applied"


def test_my_vouchers_show_each_payment_with_its_invoice(client, w):
    voucher = grant(w, "10000")
    used(w)
    invoice = invoiced(w)
    client.force_login(w.member)
    page = client.get(reverse("billing:voucher-mine"), **EN).content.decode()
    assert invoice.number in page
    assert "¥127.20" in page  # 40% of 318.00
    assert "¥9,872.80" in page  # the balance
    detail = client.get(reverse("billing:voucher-grant", args=[voucher.pk]), **EN).content.decode()
    assert invoice.number in detail and "¥127.20" in detail


def test_my_vouchers_for_someone_without_an_enterprise(client, w):
    client.force_login(w.student)
    page = client.get(reverse("billing:voucher-mine"), **EN)
    assert page.status_code == 200 and "granted to enterprises" in page.content.decode()
    assert client.get(reverse("billing:voucher-mine")).status_code == 200
    client.logout()
    assert client.get(reverse("billing:voucher-mine")).status_code == 302


# Exceptions for unverified use


def test_the_regulator_approves_an_unverified_charge_after_a_confirmation(client, w):
    grant(w)
    charge = used(w, measured=False)
    used(w)  # measured: needs no exception
    client.force_login(w.regulator)
    listing = client.get(reverse("billing:voucher-exceptions"), **EN)
    [candidate] = listing.context["candidates"]
    assert candidate.charge == charge and candidate.would_pay == D("127.20")
    confirm = client.get(reverse("billing:voucher-exception-approve", args=[charge.pk]), **EN)
    assert confirm.status_code == 200 and "Approve this charge" in confirm.content.decode()
    charge.refresh_from_db()
    assert charge.voucher_exception_at is None  # not yet: only the POST approves
    response = client.post(reverse("billing:voucher-exception-approve", args=[charge.pk]))
    assert response["Location"] == reverse("billing:voucher-exceptions")
    charge.refresh_from_db()
    assert charge.voucher_exception_by == w.regulator
    assert client.get(reverse("billing:voucher-exceptions")).context["candidates"] == []
    invoice = invoiced(w)
    assert invoice.voucher_amount == D("254.40")  # both charges
    assert VoucherPayment.objects.filter(charge=charge).exists()


def test_unverified_charges_no_voucher_would_pay_are_not_offered(client, w):
    grant(w)
    on_issued_invoice = used(w, measured=False, days_ago=3)
    invoiced(w)
    no_grant = used(w, measured=False, customer_user=f.UserFactory(organization=f.EnterpriseFactory()))
    long_ago = used(w, measured=False, days_ago=90)  # before the programme began
    client.force_login(w.regulator)
    assert client.get(reverse("billing:voucher-exceptions")).context["candidates"] == []
    for charge in (on_issued_invoice, no_grant, long_ago):
        assert client.post(reverse("billing:voucher-exception-approve", args=[charge.pk])).status_code == 404
        charge.refresh_from_db()
        assert charge.voucher_exception_at is None


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 302), ("member", 403), ("outsider", 403), ("student", 403), ("provider_admin", 403),
     ("admin", 403), ("other_city", 404), ("province", 404)],
)  # fmt: skip
def test_only_the_programme_regulator_approves_exceptions(client, w, role, status):
    grant(w)
    charge = used(w, measured=False)
    login(client, w.role(role))
    listing = client.get(reverse("billing:voucher-exceptions"))
    assert listing.status_code == (200 if status == 404 else status)
    if status == 404:
        assert listing.context["candidates"] == []
    assert client.get(reverse("billing:voucher-exception-approve", args=[charge.pk])).status_code == status
    assert client.post(reverse("billing:voucher-exception-approve", args=[charge.pk])).status_code == status
    charge.refresh_from_db()
    assert charge.voucher_exception_at is None
