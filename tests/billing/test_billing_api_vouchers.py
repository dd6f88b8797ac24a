"""/api/v1/voucher-programmes/, voucher-grants/, voucher-claims/ and charges/{id}/voucher-exception/:
regulators run programmes, enterprises apply, providers claim; shares over 100%, grants over
the cap and bad amounts are field errors that write nothing."""

import datetime as dt
from decimal import Decimal as D

import pytest

from billing import vouchers
from billing.api_vouchers import SUBMIT_DENIED
from billing.models import ClaimLine, VoucherClaim, VoucherGrant, VoucherProgramme
from billing.serializers import ONE_DECISION
from tests.billing import api_world as W
from tests.billing.api_world import ROLES, client, expect

pytestmark = pytest.mark.django_db

# Programmes


def programme_body(w: W.World, **overrides) -> dict:
    return {
        "name": "南京市科技创新券（第二批）", "year": w.today.year, "budget": "200000.00", "customer_region": "320100",
        "provider_region": "320100", "share_percent": "40", "startup_share_percent": "60.5",
        "cap_per_enterprise": "50000", "valid_from": w.today.isoformat(),
        "valid_until": (w.today + dt.timedelta(days=90)).isoformat(), **overrides,
    }  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_everyone_reads_the_programmes(api, role):
    w = W.with_programme(W.world())
    response = client(api, w, role).get("/api/v1/voucher-programmes/")
    assert response.status_code == 200
    [programme] = response.json()["results"]
    assert programme["id"] == w.programme.pk and programme["regulator"] == w.regulator.organization.code
    assert (programme["budget"], programme["budget_left"], programme["cap_per_enterprise"]) == (
        "100000.00", "100000.00", "50000.00"
    )  # fmt: skip
    assert (programme["share_percent"], programme["customer_region"]) == ("40.00", "320100")
    assert client(api, w, role).get(f"/api/v1/voucher-programmes/{w.programme.pk}/").status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_who_may_create_a_programme(api, role):
    w = W.world()
    response = client(api, w, role).post("/api/v1/voucher-programmes/", programme_body(w), format="json")
    if role == "regulator":
        assert response.status_code == 201
        assert response.json()["budget_left"] == "200000.00" and response.json()["startup_share_percent"] == "60.50"
        assert VoucherProgramme.objects.get().regulator == w.regulator.organization
        return
    if role == "far_regulator":  # Suzhou's regulator, for Nanjing's firms
        assert response.status_code == 400
        assert set(response.json()) == {"customer_region"}
    else:
        assert response.status_code == (401 if role == "anonymous" else 403)
    assert not VoucherProgramme.objects.exists()


BAD_PROGRAMMES = [
    pytest.param("share_percent", "100.5", id="a share over 100%"),
    pytest.param("startup_share_percent", "-1", id="a negative share"),
    pytest.param("share_percent", "40.125", id="a share with three decimals"),
    pytest.param("budget", "-1000.00", id="a negative budget"),
    pytest.param("budget", "1000.001", id="a budget with three decimals"),
    pytest.param("cap_per_enterprise", "0", id="no cap"),
    pytest.param("year", "2026.5", id="a fractional year"),
    pytest.param("customer_region", "999999", id="an unknown region"),
    pytest.param("valid_until", "2000-01-01", id="ending before it starts"),
    pytest.param("name", "", id="no name"),
]


@pytest.mark.parametrize(("field", "value"), BAD_PROGRAMMES)
def test_bad_programmes_are_field_errors_and_write_nothing(api, field, value):
    w = W.world()
    body = programme_body(w, **{field: value})
    response = client(api, w, "regulator").post("/api/v1/voucher-programmes/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {field}
    assert not VoucherProgramme.objects.exists()


# Grants

SEES_GRANT = {"member", "customer_admin", "regulator", "platform_admin"}


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_the_grants(api, role):
    w = W.with_grant(W.with_programme(W.world()))
    response = client(api, w, role).get("/api/v1/voucher-grants/")
    if role == "anonymous":
        assert response.status_code == 401
        return
    assert {row["id"] for row in response.json()["results"]} == ({w.grant.pk} if role in SEES_GRANT else set())
    assert client(api, w, role).get(f"/api/v1/voucher-grants/{w.grant.pk}/").status_code == (
        200 if role in SEES_GRANT else 404
    )


def application(w: W.World, **overrides) -> dict:
    return {
        "programme": w.programme.pk, "size": "small", "credit_code": w.customer.code, "requested": "5000.00",
        "purpose": "委托测试与表征", **overrides,
    }  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_who_may_apply_for_vouchers(api, role):
    w = W.with_programme(W.world())
    response = client(api, w, role).post("/api/v1/voucher-grants/", application(w), format="json")
    applicants = {"member", "customer_admin"}  # the enterprise's people
    assert response.status_code == (401 if role == "anonymous" else 201 if role in applicants else 403)
    if role in applicants:
        grant = response.json()
        assert (grant["status"], grant["requested"], grant["amount"], grant["balance"]) == (
            "applied", "5000.00", "0.00", "0.00"
        )  # fmt: skip
        assert grant["enterprise"] == w.customer.code and grant["applicant"] == w.users[role].username
    else:
        assert not VoucherGrant.objects.exists()


BAD_APPLICATIONS = [
    pytest.param({"requested": "50000.01"}, "requested", id="over the cap"),
    pytest.param({"requested": "100.005"}, "requested", id="three decimals"),
    pytest.param({"requested": "-100"}, "requested", id="negative"),
    pytest.param({"credit_code": "91320100MA0000000X"}, "credit_code", id="a bad credit code"),
    pytest.param({"size": "huge"}, "size", id="an unknown size"),
    pytest.param({"purpose": ""}, "purpose", id="no purpose"),
    pytest.param({"programme": 999999}, "programme", id="an unknown programme"),
]


@pytest.mark.parametrize(("overrides", "field"), BAD_APPLICATIONS)
def test_bad_applications_are_field_errors_and_write_nothing(api, overrides, field):
    w = W.with_programme(W.world())
    response = client(api, w, "member").post("/api/v1/voucher-grants/", application(w, **overrides), format="json")
    assert response.status_code == 400
    assert set(response.json()) == {field}
    assert not VoucherGrant.objects.exists()


def test_a_grant_over_the_cap_names_the_cap(api):
    w = W.with_programme(W.world())
    body = application(w, requested="50000.01")
    response = client(api, w, "member").post("/api/v1/voucher-grants/", body, format="json")
    assert response.json() == {"requested": [str(vouchers.OVER_CAP % {"cap": D("50000.00")})]}


def test_an_enterprise_applies_once_per_programme(api):
    w = W.with_grant(W.with_programme(W.world()))
    response = client(api, w, "customer_admin").post("/api/v1/voucher-grants/", application(w), format="json")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [str(vouchers.ALREADY_APPLIED)]}


DECIDES = {"regulator"}  # the programme's regulator, nobody else


@pytest.mark.parametrize("role", ROLES)
def test_who_may_decide_an_application(api, role):
    w = W.with_grant(W.with_programme(W.world()), amount=None)
    url = f"/api/v1/voucher-grants/{w.grant.pk}/decide/"
    response = client(api, w, role).post(url, {"amount": "8000.00"}, format="json")
    assert response.status_code == expect(role, ok=200, seen=SEES_GRANT, allowed=DECIDES)
    w.grant.refresh_from_db()
    w.programme.refresh_from_db()
    if role in DECIDES:
        assert (response.json()["status"], response.json()["balance"]) == ("granted", "8000.00")
        assert w.programme.budget_left == D("92000.00")
    else:
        assert w.grant.status == VoucherGrant.Status.APPLIED and w.programme.budget_left == D("100000.00")
    if response.status_code == 403:
        assert response.json()["detail"] == str(vouchers.NOT_PROGRAMME_REGULATOR)


def test_a_refusal_says_why(api):
    w = W.with_grant(W.with_programme(W.world()), amount=None)
    url = f"/api/v1/voucher-grants/{w.grant.pk}/decide/"
    grant = client(api, w, "regulator").post(url, {"refuse_reason": "非本市注册企业"}, format="json").json()
    assert (grant["status"], grant["reason"], grant["amount"]) == ("refused", "非本市注册企业", "0.00")


BAD_DECISIONS = [  # the errors as a function: messages are read in the test's language
    pytest.param({"amount": "50000.01"}, lambda: {"amount": [vouchers.OVER_CAP % {"cap": D("50000.00")}]},
                 id="over the cap"),
    pytest.param({"amount": "8000.001"}, lambda: {"amount": ["Ensure that there are no more than 2 decimal places."]},
                 id="three decimals"),
    pytest.param({"amount": "-1"}, lambda: {"amount": [vouchers.AMOUNT_POSITIVE]}, id="negative"),
    pytest.param({"refuse_reason": "  "}, lambda: {"refuse_reason": [vouchers.REASON_REQUIRED]}, id="a blank reason"),
    pytest.param({}, lambda: {"non_field_errors": [ONE_DECISION]}, id="neither"),
    pytest.param({"amount": "1", "refuse_reason": "x"}, lambda: {"non_field_errors": [ONE_DECISION]}, id="both"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "errors"), BAD_DECISIONS)
def test_bad_decisions_are_field_errors_and_change_nothing(api, body, errors):
    w = W.with_grant(W.with_programme(W.world()), amount=None)
    url = f"/api/v1/voucher-grants/{w.grant.pk}/decide/"
    response = client(api, w, "regulator").post(url, body, format="json")
    assert response.status_code == 400
    assert response.json() == {field: [str(m) for m in messages] for field, messages in errors().items()}
    w.grant.refresh_from_db()
    w.programme.refresh_from_db()
    assert w.grant.status == VoucherGrant.Status.APPLIED and w.programme.budget_left == D("100000.00")


def test_a_grant_is_decided_once(api):
    w = W.with_grant(W.with_programme(W.world()))
    url = f"/api/v1/voucher-grants/{w.grant.pk}/decide/"
    response = client(api, w, "regulator").post(url, {"amount": "1.00"}, format="json")
    assert response.json() == {"non_field_errors": [str(vouchers.NOT_APPLIED)]}


# Exceptions for unverified use

SEES_UNVERIFIED = {"member", "customer_admin", "provider_admin", "manager", "regulator", "platform_admin"}
GRANTS_EXCEPTIONS = {"regulator"}  # of the provider's region


@pytest.mark.parametrize("role", ROLES)
def test_who_may_let_vouchers_pay_unverified_use(api, role):
    w = W.drafted(W.with_grant(W.with_programme(W.charged(W.world()))))
    url = f"/api/v1/charges/{w.unverified.pk}/voucher-exception/"
    response = client(api, w, role).post(url)
    assert response.status_code == expect(role, ok=200, seen=SEES_UNVERIFIED, allowed=GRANTS_EXCEPTIONS)
    w.unverified.refresh_from_db()
    assert (w.unverified.voucher_exception_by == w.regulator) is (role in GRANTS_EXCEPTIONS)
    if role in GRANTS_EXCEPTIONS:
        assert response.json()["voucher_exception"] is True
        # Issued now, the voucher pays 40% of the unverified charge too: 254.40 + 127.20.
        issued = client(api, w, "provider_admin").post(f"/api/v1/invoices/{w.invoice.pk}/issue/").json()
        assert issued["voucher_amount"] == "381.60"


def test_measured_use_needs_no_exception(api):
    w = W.charged(W.world())
    response = client(api, w, "regulator").post(f"/api/v1/charges/{w.charge.pk}/voucher-exception/")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [str(vouchers.EXCEPTION_VERIFIED)]}


# Claims

SEES_CLAIM = {"provider_admin", "regulator", "platform_admin"}


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_the_claims(api, role):
    w = W.full()
    response = client(api, w, role).get("/api/v1/voucher-claims/")
    if role == "anonymous":
        assert response.status_code == 401
        return
    assert {row["id"] for row in response.json()["results"]} == ({w.claim.pk} if role in SEES_CLAIM else set())
    detail = client(api, w, role).get(f"/api/v1/voucher-claims/{w.claim.pk}/")
    assert detail.status_code == (200 if role in SEES_CLAIM else 404)
    if role in SEES_CLAIM:
        claim = detail.json()
        assert (claim["amount"], claim["status"], claim["provider"]) == ("254.40", "submitted", w.provider.code)
        [line] = claim["lines"]
        assert (line["charge"], line["amount"], line["invoice_number"], line["enterprise"], line["decision"]) == (
            w.charge.pk, "254.40", w.invoice.number, w.customer.code, "pending"
        )  # fmt: skip


def claim_body(w: W.World, **overrides) -> dict:
    start, end = w.today - dt.timedelta(days=1), w.today + dt.timedelta(days=1)
    return {"programme": w.programme.pk, "period_start": start.isoformat(), "period_end": end.isoformat(), **overrides}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_claim(api, role):
    w = W.issued(W.drafted(W.with_grant(W.with_programme(W.charged(W.world())))))
    response = client(api, w, role).post("/api/v1/voucher-claims/", claim_body(w), format="json")
    if role == "provider_admin":
        assert response.status_code == 201
        assert response.json()["amount"] == "254.40" and len(response.json()["lines"]) == 1
    elif role == "customer_admin":  # an enterprise may provide services too; this one was paid nothing
        assert response.status_code == 400
        assert response.json() == {"non_field_errors": [str(vouchers.NOTHING_TO_CLAIM)]}
    else:
        assert response.status_code == (401 if role == "anonymous" else 403)
    if response.status_code == 403:
        assert response.json()["detail"] == str(SUBMIT_DENIED)
    assert VoucherClaim.objects.count() == (1 if role == "provider_admin" else 0)


BAD_CLAIMS = [
    pytest.param({"period_end": "2020-01-01", "period_start": "2020-01-01"}, "period_end", id="an empty period"),
    pytest.param({"period_start": "May"}, "period_start", id="not a date"),
    pytest.param({"programme": 999999}, "programme", id="an unknown programme"),
    pytest.param({"period_start": "2020-01-01", "period_end": "2020-02-01"}, "non_field_errors", id="nothing paid"),
]


@pytest.mark.parametrize(("overrides", "field"), BAD_CLAIMS)
def test_bad_claims_are_field_errors_and_write_nothing(api, overrides, field):
    w = W.issued(W.drafted(W.with_grant(W.with_programme(W.charged(W.world())))))
    body = claim_body(w, **overrides)
    response = client(api, w, "provider_admin").post("/api/v1/voucher-claims/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {field}
    assert not VoucherClaim.objects.exists()


def line_url(w: W.World) -> str:
    return f"/api/v1/voucher-claims/claim-lines/{w.claim.lines.get().pk}/decide/"


@pytest.mark.parametrize("role", ROLES)
def test_who_may_decide_a_claim_line(api, role):
    w = W.full()
    response = client(api, w, role).post(line_url(w), {"approve": True}, format="json")
    assert response.status_code == expect(role, ok=200, seen=SEES_CLAIM, allowed=DECIDES)
    line = w.claim.lines.get()
    if role in DECIDES:
        claim = response.json()
        assert (claim["status"], claim["approved_amount"], claim["lines"][0]["decision"]) == (
            "decided", "254.40", "approved"
        )  # fmt: skip
    else:
        assert line.decision == ClaimLine.Decision.PENDING


def test_rejecting_a_line_needs_a_reason(api):
    w = W.full()
    response = client(api, w, "regulator").post(line_url(w), {"approve": False}, format="json")
    assert response.status_code == 400
    assert response.json() == {"reason": [str(vouchers.REASON_REQUIRED)]}
    assert w.claim.lines.get().decision == ClaimLine.Decision.PENDING


@pytest.mark.parametrize("body", [{}, {"approve": "perhaps"}])
def test_a_line_decision_says_approve_or_not(api, body):
    w = W.full()
    response = client(api, w, "regulator").post(line_url(w), body, format="json")
    assert response.status_code == 400 and set(response.json()) == {"approve"}


def test_an_unknown_claim_line_is_404(api):
    w = W.full()
    url = "/api/v1/voucher-claims/claim-lines/999999/decide/"
    assert client(api, w, "regulator").post(url, {"approve": True}, format="json").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_who_may_record_that_a_claim_was_paid(api, role):
    w = W.full()
    vouchers.claim_line_decide(line=w.claim.lines.get(), by=w.regulator, approve=True)
    url = f"/api/v1/voucher-claims/{w.claim.pk}/paid/"
    response = client(api, w, role).post(url, {"reference": "财政拨付-2026-17"}, format="json")
    assert response.status_code == expect(role, ok=200, seen=SEES_CLAIM, allowed=DECIDES)
    w.claim.refresh_from_db()
    if role in DECIDES:
        assert (response.json()["status"], response.json()["paid_reference"]) == ("paid", "财政拨付-2026-17")
    else:
        assert w.claim.status == VoucherClaim.Status.DECIDED


def test_a_claim_is_paid_once_every_line_is_decided_and_with_a_reference(api):
    w = W.full()
    url = f"/api/v1/voucher-claims/{w.claim.pk}/paid/"
    response = client(api, w, "regulator").post(url, {"reference": "PAY-1"}, format="json")
    assert response.json() == {"non_field_errors": [str(vouchers.CLAIM_NOT_DECIDED)]}
    vouchers.claim_line_decide(line=w.claim.lines.get(), by=w.regulator, approve=True)
    response = client(api, w, "regulator").post(url, {"reference": " "}, format="json")
    assert response.status_code == 400 and set(response.json()) == {"reference"}
    w.claim.refresh_from_db()
    assert w.claim.status == VoucherClaim.Status.DECIDED and w.claim.paid_reference == ""


@pytest.mark.parametrize(
    "url",
    ["/api/v1/voucher-programmes/{programme}/", "/api/v1/voucher-grants/{grant}/", "/api/v1/voucher-claims/{claim}/"],
)
@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_voucher_records_change_only_through_their_actions(api, url, method):
    w = W.full()
    path = url.format(programme=w.programme.pk, grant=w.grant.pk, claim=w.claim.pk)
    assert getattr(client(api, w, "regulator"), method)(path, {}, format="json").status_code == 405
