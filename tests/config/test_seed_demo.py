import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from accounts.models import Organization, User
from instruments.models import Instrument, InstrumentPhoto, Lab

# One worker seeds the demo once for all of them (make test runs two workers).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("seeded-demo")]


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory):
    """Where the seeded demo keeps its files (photos in media/)."""
    return tmp_path_factory.mktemp("demo")


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, demo_files):
    """The demo, seeded once for the tests of this module (it takes half a minute), in a
    transaction rolled back after them; each test runs in a savepoint inside it."""
    files = demo_files
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


def test_the_demo_labs_close_on_public_holidays(seeded):
    from schedule.models import Event

    from booking.models import BookingPolicy

    policies = BookingPolicy.objects.count()
    for holiday in ("元旦", "劳动节", "国庆节"):
        assert Event.objects.filter(title=holiday, calendar__slug__startswith="closed-").count() == policies


def test_every_instrument_is_drawn_in_the_style_of_its_category(seeded, demo_files, settings):
    """One illustration each, marked as one; the wall of the drawing is its second-level
    category's colour, and pictures of different categories differ."""
    from PIL import Image, ImageChops, ImageStat

    from config.demo.photo_canvas import HEIGHT, shade
    from config.demo.photos import style_of

    settings.MEDIA_ROOT = demo_files / "media"
    x, y = 950, 72  # a corner of the wall that no drawing covers
    one_per_subclass = {}
    for instrument in Instrument.objects.select_related("category").prefetch_related("photos"):
        (photo,) = instrument.photos.all()
        assert "示意图" in photo.caption and "illustration" in photo.caption
        with photo.image.open() as file, Image.open(file) as image:
            wall = image.convert("RGB").getpixel((x, y))
        expected = shade(style_of(instrument.category.code).colours.wall, 1.02 - 0.08 * (y - y % 4) / HEIGHT)
        assert max(abs(a - b) for a, b in zip(wall, expected, strict=True)) <= 6, instrument.category.code
        one_per_subclass.setdefault(instrument.category.code[:4], photo)
    assert len(one_per_subclass) >= 15
    thumbnails = {}
    for subclass, photo in one_per_subclass.items():
        with photo.thumbnail.open() as file, Image.open(file) as image:
            thumbnails[subclass] = image.convert("L")
    codes = sorted(thumbnails)
    for n, a in enumerate(codes):
        for b in codes[n + 1 :]:
            difference = ImageStat.Stat(ImageChops.difference(thumbnails[a], thumbnails[b])).mean[0]
            assert difference > 8, (a, b)


def test_start_ups_book_for_their_own_purposes(seeded):
    from booking.models import Reservation
    from config.demo.purposes import STARTUP_PURPOSES

    bookings = Reservation.objects.filter(organization__kind="enterprise").select_related(
        "requester", "instrument__category"
    )
    assert {r.requester.username for r in bookings} >= {"nanowei", "xince", "lvyuan", "qineng"}
    for reservation in bookings:
        written = STARTUP_PURPOSES[reservation.requester.username][reservation.instrument.category.code[:4]]
        assert reservation.purpose in {purpose for purpose, _samples in written}
        assert reservation.sample_description and "{n}" not in reservation.sample_description


def test_the_simulated_gateways_run_their_instruments_during_approved_bookings(seeded, tmp_path):
    """The plan of every gateway's instruments for two days: exactly the approved bookings,
    and at most one short unbooked spell a day, clear of every booking; a booking approved
    while the demo runs joins the plan at the next refresh."""
    import datetime as dt

    from django.utils import timezone

    from booking import services
    from booking.models import Reservation
    from config.demo.live import MARGIN, UNBOOKED_MINUTES, plans_refresh, scheduled_agents
    from config.demo.telemetry import credentials_file

    agents = scheduled_agents(credentials=credentials_file(), broker="mqtt://127.0.0.1:1", outbox_dir=tmp_path,
                              heartbeat_seconds=30)  # fmt: skip
    probes = {item.code: item.probe for agent in agents for item in agent.watched}
    assert len(agents) == 4 and len(probes) >= 16
    reservations = Reservation.objects.filter(instrument__code__in=probes)
    upcoming = reservations.filter(status="approved", start__gt=timezone.now()).order_by("start").first()
    assert upcoming is not None
    day = timezone.localtime(upcoming.start).date()
    start = dt.datetime.combine(day, dt.time(), timezone.get_current_timezone())
    end = start + dt.timedelta(days=2)

    def check_plans() -> None:
        plans_refresh(agents, now=start + dt.timedelta(hours=12))
        for code, probe in probes.items():
            ran = {(dt.datetime.fromtimestamp(s, dt.UTC), dt.datetime.fromtimestamp(e, dt.UTC)) for s, e in probe.plan}
            approved = set(reservations.filter(instrument__code=code, status="approved", start__lt=end, end__gt=start)
                           .values_list("start", "end"))  # fmt: skip
            assert approved <= ran, code
            unbooked = sorted(ran - approved)
            assert len({timezone.localtime(s).date() for s, _ in unbooked}) == len(unbooked) <= 2, code
            for s, e in unbooked:
                assert dt.timedelta(minutes=UNBOOKED_MINUTES[0]) <= e - s <= dt.timedelta(minutes=UNBOOKED_MINUTES[1])
                assert all(e + MARGIN <= b or s - MARGIN >= f for b, f in approved), code
            for s, e in ran:  # the probe reports what the plan says
                assert probe.read(s.timestamp()).state == "running"
                if not any(b <= e < f for b, f in ran):
                    assert probe.read(e.timestamp()).state != "running"

    check_plans()
    pending = reservations.filter(status="pending", start__gt=timezone.now()).select_related("instrument").first()
    if pending is not None:  # approved now: used from the next refresh on
        manager = pending.instrument.lab.managers.first()
        services.reservation_approve(reservation=pending, by=manager)
        day = timezone.localtime(pending.start).date()
        start = dt.datetime.combine(day, dt.time(), timezone.get_current_timezone())
        end = start + dt.timedelta(days=2)
        check_plans()
        pending_span = (pending.start.timestamp(), pending.end.timestamp())
        assert pending_span in probes[pending.instrument.code].plan
