import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from accounts.models import Organization, User
from instruments.models import Instrument, InstrumentPhoto, Lab

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, seeded once for the tests of this module (it takes half a minute), in a
    transaction rolled back after them; each test runs in a savepoint inside it."""
    files = tmp_path_factory.mktemp("demo")
    isolated = override_settings(
        MEDIA_ROOT=files / "media", BROKER_AUTH_DIR=str(files / "broker"), BROKER_PID_FILE="",
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    )  # fmt: skip
    with isolated, django_db_blocker.unblock(), transaction.atomic():
        out = io.StringIO()
        call_command("seed_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def test_demo_is_a_believable_jiangsu_network(seeded):
    institutions = Organization.objects.filter(kind__in=["university", "institute"])
    assert institutions.count() >= 6
    cities = {org.region.code[:4] for org in institutions}
    assert len(cities) >= 3
    assert Instrument.objects.count() >= 60
    assert Instrument.objects.values("category__code").distinct().count() >= 8
    assert Instrument.objects.filter(photos__isnull=False).distinct().count() == Instrument.objects.count()
    assert Organization.objects.filter(kind="enterprise").count() >= 3
    assert Lab.objects.filter(managers__isnull=False).distinct().count() == Lab.objects.count()
    regulators = User.objects.filter(role="regulator")
    assert {u.organization.region.level for u in regulators} >= {1, 2}  # a province and a city regulator


def test_demo_accounts_are_printed_and_can_log_in(seeded, client):
    for username in ("admin", "nju_manager", "nanowei", "province", "suzhou"):
        assert username in seeded
    assert "demo-pass-2026" in seeded
    assert client.login(username="nanowei", password="demo-pass-2026")


def test_seeding_twice_changes_nothing(seeded):
    counts = (Organization.objects.count(), Instrument.objects.count(), InstrumentPhoto.objects.count())
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "already there" in out.getvalue()
    assert counts == (Organization.objects.count(), Instrument.objects.count(), InstrumentPhoto.objects.count())


def test_every_printed_account_exists(seeded):
    from config.demo.catalog import demo_accounts

    names = [a.username for a in demo_accounts()]
    assert User.objects.filter(username__in=names).count() == len(names) == User.objects.count()


def test_the_demo_audit_has_flags_with_evidence_and_a_computed_round(seeded, client):
    from openness.models import EvaluationRound, Flag

    assert Flag.objects.filter(kind=Flag.Kind.GATEWAY).exists()  # most demo instruments have no gateway
    assert all(flag.evidence["numbers"] for flag in Flag.objects.all())
    assert Flag.objects.filter(state=Flag.State.EXPLAINED, instrument__institution__code="NJU").exists()
    (evaluation,) = EvaluationRound.objects.all()
    assert evaluation.state == EvaluationRound.State.COMPUTED and evaluation.results.count() >= 6
    client.login(username="province", password="demo-pass-2026")
    assert client.get("/openness/").status_code == 200


def test_the_demo_bills_through_the_services(seeded):
    from billing import ledger
    from billing.models import Charge, ClaimLine, Invoice, RateCard, Rating, VoucherGrant, VoucherPayment

    assert RateCard.objects.filter(unit=RateCard.Unit.HOUR).count() >= 60
    assert RateCard.objects.filter(unit=RateCard.Unit.SAMPLE).exists()
    for terms in ("sme_discount_percent", "minimum_charge", "setup_fee", "overtime_surcharge_percent"):
        assert RateCard.objects.filter(**{f"{terms}__gt": 0}).exists(), terms
    # Measured and unverified use are both charged; every settled booking with a price is.
    assert Charge.objects.filter(kind=Charge.Kind.USE, verified=True).exists()
    assert Charge.objects.filter(kind=Charge.Kind.USE, verified=False).exists()
    assert Charge.objects.filter(kind=Charge.Kind.SAMPLES, verified=True).exists()
    assert Charge.objects.filter(kind=Charge.Kind.NO_SHOW).exists()
    # Last month invoiced at month end; vouchers paid only for measured use, on the start-up's bill.
    issued = Invoice.objects.exclude(status__in=[Invoice.Status.DRAFT, Invoice.Status.VOID])
    assert issued.count() >= 5
    with_vouchers = issued.filter(voucher_amount__gt=0)
    assert with_vouchers.exists() and {i.customer.kind for i in with_vouchers} == {"enterprise"}
    assert not VoucherPayment.objects.filter(charge__verified=False).exists()
    assert issued.filter(status=Invoice.Status.PAID).exists()
    assert issued.filter(status=Invoice.Status.ISSUED, paid_amount__gt=0).exists()  # partly paid
    assert Invoice.objects.filter(status=Invoice.Status.DRAFT).exists()
    granted = VoucherGrant.objects.get(status=VoucherGrant.Status.GRANTED)
    assert granted.balance == granted.amount - sum(p.amount for p in granted.payments.all())
    assert VoucherGrant.objects.filter(status=VoucherGrant.Status.REFUSED).exclude(reason="").exists()
    decisions = set(ClaimLine.objects.values_list("decision", flat=True))
    assert {"approved", "pending"} <= decisions
    assert Rating.objects.exclude(reply="").exists()
    assert ledger.verify().ok
