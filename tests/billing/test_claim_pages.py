"""Providers claim what vouchers paid; the programme's regulator decides each line with a
reason and records the payment. Who may open which page; bad input writes nothing."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.urls import reverse

from billing import vouchers
from billing.models import ClaimLine, LedgerEntry, VoucherClaim
from tests import factories as f
from tests.billing.voucher_world import ROLES, grant, invoiced, make_world, today, used

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def w():
    world = make_world()
    grant(world, "10000")
    return world


def login(client, user):
    if user is not None:
        client.force_login(user)
    return client


def period(w, **overrides) -> dict:
    return {
        "programme": w.programme.pk, "period_start": (today() - dt.timedelta(days=1)).isoformat(),
        "period_end": (today() + dt.timedelta(days=1)).isoformat(), **overrides,
    }  # fmt: skip


def claimed(w) -> VoucherClaim:
    """Two measured hours and one approved exception on one invoice, claimed by the provider."""
    used(w, days_ago=1)
    used(w, days_ago=2)
    exception = used(w, measured=False, days_ago=3)
    vouchers.voucher_exception_approve(charge=exception, by=w.regulator)
    invoiced(w)
    return vouchers.claim_submit(
        by=w.provider_admin, programme=w.programme, period_start=today() - dt.timedelta(days=1),
        period_end=today() + dt.timedelta(days=1),
    )  # fmt: skip


def test_the_provider_claims_the_regulator_decides_each_line_and_records_the_payment(client, w):
    used(w, days_ago=1)
    used(w, days_ago=2)
    invoice = invoiced(w)
    client.force_login(w.provider_admin)
    form = client.get(reverse("billing:voucher-claim-submit"))
    assert list(form.context["form"].fields["programme"].queryset) == [w.programme]
    response = client.post(reverse("billing:voucher-claim-submit"), period(w))
    claim = VoucherClaim.objects.get()
    assert response["Location"] == reverse("billing:voucher-claim", args=[claim.pk])
    assert (claim.provider, claim.amount, claim.lines.count()) == (w.instrument.institution, D("254.40"), 2)
    page = client.get(response["Location"], **EN)
    text = page.content.decode()
    assert invoice.number in text and w.firm.name_en in text and "measured by a gateway" in text
    assert not page.context["can_decide"]

    first, second = claim.lines.order_by("pk")
    client.force_login(w.regulator)
    assert claim in client.get(reverse("billing:voucher-claims")).context["open"]
    assert client.get(reverse("billing:voucher-claim", args=[claim.pk])).context["can_decide"]
    client.post(reverse("billing:voucher-claim-line-decide", args=[first.pk]), {"approve": "1"})
    client.post(reverse("billing:voucher-claim-line-decide", args=[second.pk]), {"reject": "1", "reason": "重复申报"})
    claim.refresh_from_db()
    assert (claim.status, claim.approved_amount) == ("decided", D("127.20"))
    response = client.post(reverse("billing:voucher-claim-paid", args=[claim.pk]), {"reference": "BOC-2026-118"})
    assert response["Location"] == reverse("billing:voucher-claim", args=[claim.pk])
    claim.refresh_from_db()
    assert (claim.status, claim.paid_reference) == ("paid", "BOC-2026-118")

    client.force_login(w.provider_admin)
    listing = client.get(reverse("billing:voucher-claims"), **EN)
    assert list(listing.context["paid"]) == [claim]
    text = client.get(reverse("billing:voucher-claim", args=[claim.pk]), **EN).content.decode()
    assert "Rejected" in text and "重复申报" in text and "BOC-2026-118" in text and "¥127.20" in text


def test_a_line_paid_by_exception_says_so(client, w):
    claim = claimed(w)
    client.force_login(w.regulator)
    page = client.get(reverse("billing:voucher-claim", args=[claim.pk]), **EN)
    bases = [str(basis) for _, basis, _ in page.context["rows"]]
    assert sorted(bases) == ["exception approved by the regulator", "measured by a gateway", "measured by a gateway"]


def test_rejecting_a_line_without_a_reason_writes_nothing(client, w):
    claim = claimed(w)
    line = claim.lines.first()
    entries = LedgerEntry.objects.count()
    client.force_login(w.regulator)
    response = client.post(reverse("billing:voucher-claim-line-decide", args=[line.pk]), {"reject": "1"}, **EN)
    assert response.status_code == 400
    [(_, _, form)] = [row for row in response.context["rows"] if row[0].pk == line.pk]
    assert form.errors["reason"] == [str(vouchers.REASON_REQUIRED)]
    line.refresh_from_db()
    assert line.decision == "pending"
    assert LedgerEntry.objects.count() == entries


def test_a_decided_line_is_not_decided_again(client, w):
    claim = claimed(w)
    line = claim.lines.first()
    client.force_login(w.regulator)
    client.post(reverse("billing:voucher-claim-line-decide", args=[line.pk]), {"approve": "1"})
    response = client.post(reverse("billing:voucher-claim-line-decide", args=[line.pk]), {"reject": "1", "reason": "x"})
    assert response.status_code == 400
    line.refresh_from_db()
    assert line.decision == "approved"


def test_the_payment_waits_for_every_line_and_a_reference(client, w):
    claim = claimed(w)
    client.force_login(w.regulator)
    response = client.post(reverse("billing:voucher-claim-paid", args=[claim.pk]), {"reference": "BOC-1"}, **EN)
    assert response.status_code == 400
    assert list(response.context["paid_form"].non_field_errors()) == [str(vouchers.CLAIM_NOT_DECIDED)]
    for line in claim.lines.all():
        vouchers.claim_line_decide(line=line, by=w.regulator, approve=True)
    response = client.post(reverse("billing:voucher-claim-paid", args=[claim.pk]), {"reference": " "})
    assert response.status_code == 400 and "reference" in response.context["paid_form"].errors
    claim.refresh_from_db()
    assert claim.status == "decided" and claim.paid_at is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"period_end": (today() - dt.timedelta(days=2)).isoformat()}, "period_end"), ({"programme": "999"}, "programme"),
     ({"period_start": "yesterday"}, "period_start")],
)  # fmt: skip
def test_a_bad_claim_shows_the_field_and_writes_nothing(client, w, overrides, field):
    used(w)
    invoiced(w)
    client.force_login(w.provider_admin)
    response = client.post(reverse("billing:voucher-claim-submit"), period(w, **overrides))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not VoucherClaim.objects.exists()


def test_a_claim_with_nothing_to_claim_is_refused(client, w):
    client.force_login(w.provider_admin)
    response = client.post(reverse("billing:voucher-claim-submit"), period(w), **EN)
    assert response.status_code == 400
    assert list(response.context["form"].non_field_errors()) == [str(vouchers.NOTHING_TO_CLAIM)]
    assert not VoucherClaim.objects.exists()


def test_what_is_claimed_once_is_not_claimed_again(client, w):
    claimed(w)
    client.force_login(w.provider_admin)
    assert client.post(reverse("billing:voucher-claim-submit"), period(w)).status_code == 400
    assert VoucherClaim.objects.count() == 1


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 302), ("member", 403), ("outsider", 403), ("student", 403), ("provider_admin", 200),
     ("other_city", 403), ("province", 403), ("admin", 403)],
)  # fmt: skip
def test_only_the_finance_of_a_provider_submits_claims(client, w, role, status):
    used(w)
    invoiced(w)
    login(client, w.role(role))
    assert client.get(reverse("billing:voucher-claim-submit")).status_code == status
    if status != 200:
        assert client.post(reverse("billing:voucher-claim-submit"), period(w)).status_code == status
        assert not VoucherClaim.objects.exists()


def test_the_admin_of_an_enterprise_that_provides_nothing_here_sees_no_programme_of_another_province(client, w):
    admin = f.org_admin(f.EnterpriseFactory(region=f.region("320506")))
    client.force_login(admin)
    form = client.get(reverse("billing:voucher-claim-submit")).context["form"]
    assert list(form.fields["programme"].queryset) == []  # Nanjing's vouchers do not pay in Suzhou


@pytest.mark.parametrize(
    ("role", "listing", "listed", "page"),
    [("anonymous", 302, False, 302), ("member", 403, False, 404), ("outsider", 403, False, 404),
     ("student", 403, False, 404), ("provider_admin", 200, True, 200), ("other_city", 200, False, 404),
     ("province", 200, False, 404), ("admin", 200, True, 200)],
)  # fmt: skip
def test_who_sees_which_claims(client, w, role, listing, listed, page):
    claim = claimed(w)
    login(client, w.role(role))
    response = client.get(reverse("billing:voucher-claims"))
    assert response.status_code == listing
    if listing == 200:
        assert (claim in response.context["open"]) is listed
    response = client.get(reverse("billing:voucher-claim", args=[claim.pk]))
    assert response.status_code == page
    if page == 200:
        assert not response.context["can_decide"]


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 302), ("member", 404), ("outsider", 404), ("student", 404), ("provider_admin", 403),
     ("other_city", 404), ("province", 404), ("admin", 403)],
)  # fmt: skip
def test_only_the_programme_regulator_decides_claims(client, w, role, status):
    claim = claimed(w)
    line = claim.lines.first()
    login(client, w.role(role))
    assert client.post(reverse("billing:voucher-claim-line-decide", args=[line.pk]), {"approve": "1"}).status_code == (
        status
    )
    assert client.post(reverse("billing:voucher-claim-paid", args=[claim.pk]), {"reference": "x"}).status_code == status
    assert set(ClaimLine.objects.values_list("decision", flat=True)) == {"pending"}
    claim.refresh_from_db()
    assert claim.status == "submitted"


def test_another_providers_admin_does_not_see_the_claim(client, w):
    claim = claimed(w)
    client.force_login(f.org_admin(f.OrganizationFactory()))
    assert client.get(reverse("billing:voucher-claim", args=[claim.pk])).status_code == 404
    assert claim not in client.get(reverse("billing:voucher-claims")).context["open"]


@pytest.mark.parametrize("role", ROLES)
def test_the_voucher_tabs_offer_what_each_role_may_open(client, w, role):
    login(client, w.role(role))
    page = client.get(reverse("billing:voucher-programmes")).content.decode()
    offered = {
        name
        for name in ("voucher-mine", "voucher-claims", "voucher-exceptions", "ledger")
        if f'href="{reverse(f"billing:{name}")}"' in page
    }
    expected = {
        "anonymous": set(), "member": {"voucher-mine"}, "outsider": {"voucher-mine"}, "student": set(),
        "provider_admin": {"voucher-claims"}, "other_city": {"voucher-claims", "voucher-exceptions", "ledger"},
        "province": {"voucher-claims", "voucher-exceptions", "ledger"}, "admin": {"voucher-claims", "ledger"},
    }[role]  # fmt: skip
    assert offered == expected
