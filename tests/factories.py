"""Test data. Each factory makes a valid row with the fewest decisions possible;
tests set what they are about."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import Organization, Region, User
from booking.models import Reservation
from instruments.models import Category, Instrument, Lab
from instruments.search.index import search_entry_save
from telemetry import partitions
from telemetry.models import Binding, Event, Gateway, ReportingGap, UsageSession

PASSWORD = "correct horse battery staple"


def region(code: str = "320102") -> Region:
    return Region.objects.get(code=code)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    code = factory.Sequence(lambda n: f"org{n}")
    name_zh = factory.Sequence(lambda n: f"测试大学{n}")
    name_en = factory.Sequence(lambda n: f"Test University {n}")
    kind = Organization.Kind.UNIVERSITY
    region = factory.LazyFunction(lambda: region("320102"))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    organization = factory.SubFactory(OrganizationFactory)
    role = User.Role.MEMBER
    password = factory.django.Password(PASSWORD)


class LabFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lab
        skip_postgeneration_save = True

    institution = factory.SubFactory(OrganizationFactory)
    code = factory.Sequence(lambda n: f"lab{n}")
    name_zh = factory.Sequence(lambda n: f"实验室{n}")
    name_en = factory.Sequence(lambda n: f"Lab {n}")

    @factory.post_generation
    def managers(self, create, extracted, **kwargs):
        if create and extracted:
            self.managers.add(*extracted)


class InstrumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Instrument

    lab = factory.SubFactory(LabFactory)
    code = factory.Sequence(lambda n: f"inst-{n}")
    name_zh = factory.Sequence(lambda n: f"扫描电子显微镜{n}")
    name_en = factory.Sequence(lambda n: f"Scanning electron microscope {n}")
    inner_id = factory.Sequence(lambda n: f"A{n:06d}")
    category = factory.LazyFunction(lambda: Category.objects.get(code="010100"))
    original_value = Decimal("1250000.00")
    region = factory.LazyAttribute(lambda i: i.lab.institution.region)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Like instrument_create: the catalog search finds what the factory made.
        instrument = super()._create(model_class, *args, **kwargs)
        search_entry_save(instrument)
        return instrument


def lab_manager(lab: Lab | None = None, **kwargs) -> User:
    """A member of the lab's institution who manages the lab."""
    lab = lab or LabFactory()
    user = UserFactory(organization=lab.institution, **kwargs)
    lab.managers.add(user)
    return user


def regulator(region_code: str = "320000", **kwargs) -> User:
    agency = OrganizationFactory(kind=Organization.Kind.REGULATOR, region=region(region_code))
    return UserFactory(organization=agency, role=User.Role.REGULATOR, **kwargs)


def platform_admin(**kwargs) -> User:
    return UserFactory(organization=None, role=User.Role.PLATFORM_ADMIN, **kwargs)


def bookable(instrument: Instrument | None = None, **policy_fields):
    """An instrument open for booking every day 08:00–20:00 unless told otherwise."""
    import datetime as dt

    from booking.policies import policy_create

    instrument = instrument or InstrumentFactory()
    opening = policy_fields.pop("opening", (range(7), dt.time(8, 0), dt.time(20, 0)))
    policy_fields.setdefault("min_notice_minutes", 0)
    policy_create(instrument=instrument, by=None, opening=opening, **policy_fields)
    return instrument


# Recorded facts, written directly: tests of what is derived from them (openness) need
# exact sessions, gaps and bookings, not the path that produces them.


class GatewayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Gateway

    lab = factory.SubFactory(LabFactory)
    code = factory.Sequence(lambda n: f"gw-{n}")
    secret_hash = "!"
    broker_hash = "!"


class BindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Binding

    instrument = factory.SubFactory(InstrumentFactory)
    gateway = factory.SubFactory(GatewayFactory, lab=factory.SelfAttribute("..instrument.lab"))


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    gateway = factory.SubFactory(GatewayFactory)
    seq = factory.Sequence(lambda n: n + 1)
    instrument = factory.SubFactory(InstrumentFactory)
    ts = factory.LazyFunction(lambda: dt.datetime.now(dt.UTC))
    state = "idle"
    received_at = factory.LazyAttribute(lambda e: e.ts)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Written directly, not through ingest, which makes its months' partitions itself.
        partitions.make([partitions.month_start(kwargs["ts"])])
        return super()._create(model_class, *args, **kwargs)


class UsageSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UsageSession

    instrument = factory.SubFactory(InstrumentFactory)
    start = factory.LazyFunction(lambda: dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    end = factory.LazyAttribute(lambda s: s.start + dt.timedelta(hours=1))


class ReportingGapFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportingGap

    instrument = factory.SubFactory(InstrumentFactory)
    start = factory.LazyFunction(lambda: dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    end = factory.LazyAttribute(lambda g: g.start + dt.timedelta(hours=1))


class ReservationFactory(factory.django.DjangoModelFactory):
    """A booking as stored, past the booking rules (history, imports): an outside
    start-up's unless told otherwise."""

    class Meta:
        model = Reservation

    instrument = factory.SubFactory(InstrumentFactory)
    requester = factory.SubFactory(UserFactory, organization__kind=Organization.Kind.ENTERPRISE)
    organization = factory.LazyAttribute(lambda r: r.requester.organization)
    is_external = factory.LazyAttribute(lambda r: r.organization.pk != r.instrument.institution_id)
    start = factory.LazyFunction(lambda: dt.datetime.now(dt.UTC) - dt.timedelta(hours=2))
    end = factory.LazyAttribute(lambda r: r.start + dt.timedelta(hours=1))
    blocked_until = factory.LazyAttribute(lambda r: r.end)
    status = Reservation.Status.COMPLETED
    usage_verified = True
    purpose = "材料表征"


def reporting(instrument: Instrument, first: dt.datetime, last: dt.datetime) -> Binding:
    """A gateway bound to the instrument that was heard from `first` to `last` (the span of
    its events is what openness counts as known time)."""
    binding = BindingFactory(instrument=instrument)
    for ts in (first, last):
        EventFactory(gateway=binding.gateway, instrument=instrument, ts=ts)
    return binding


class SampleOrderFactory(factory.django.DjangoModelFactory):
    """A sample order as stored, past the service (a pending one of an outside start-up's
    unless told otherwise); tests of the lifecycle order through booking.samples."""

    class Meta:
        model = "booking.SampleOrder"

    instrument = factory.SubFactory(InstrumentFactory)
    requester = factory.SubFactory(UserFactory, organization__kind=Organization.Kind.ENTERPRISE)
    organization = factory.LazyAttribute(lambda o: o.requester.organization)
    is_external = factory.LazyAttribute(lambda o: o.organization.pk != o.instrument.institution_id)
    samples = 3
    description = "粉末样品 XRD 物相分析"
    status = "pending"


def org_admin(organization: Organization | None = None, **kwargs) -> User:
    """An admin of the organization (a new start-up unless told)."""
    organization = organization or OrganizationFactory(kind=Organization.Kind.ENTERPRISE)
    return UserFactory(organization=organization, role=User.Role.ORG_ADMIN, **kwargs)


def valid_credit_code(n: int) -> str:
    """A unified social credit code that passes its check character, one per n."""
    from accounts.validators import credit_code_check_character

    body = f"91320100XY{n:07d}"
    return body + credit_code_check_character(body)


class EnterpriseFactory(OrganizationFactory):
    """A start-up or SME whose code is a valid unified social credit code (as at sign-up)."""

    code = factory.Sequence(valid_credit_code)
    name_zh = factory.Sequence(lambda n: f"测试科技有限公司{n}")
    name_en = factory.Sequence(lambda n: f"Test Technology Co. {n}")
    kind = Organization.Kind.ENTERPRISE


class CreditMarkFactory(factory.django.DjangoModelFactory):
    """A mark against a user and their organization, with an invoice-like reference unless
    it is about a booking (booking.credit.credit_mark_add wants one or the other)."""

    class Meta:
        model = "booking.CreditMark"

    user = factory.SubFactory(UserFactory, organization__kind=Organization.Kind.ENTERPRISE)
    organization = factory.LazyAttribute(lambda m: m.user.organization)
    kind = "no_show"
    reference = factory.Sequence(lambda n: f"REF-{n}")
    at = factory.LazyFunction(lambda: dt.datetime.now(dt.UTC) - dt.timedelta(days=1))


class RatingFactory(factory.django.DjangoModelFactory):
    """A customer's rating of their completed booking."""

    class Meta:
        model = "billing.Rating"

    reservation = factory.SubFactory(ReservationFactory)
    instrument = factory.LazyAttribute(lambda r: r.reservation.instrument)
    customer = factory.LazyAttribute(lambda r: r.reservation.requester)
    service = 4
    condition = 4
    timeliness = 4


class RateCardFactory(factory.django.DjangoModelFactory):
    """A rate card as stored, past billing.rates (history, several versions at once): hourly,
    100 / 200 / 300 CNY by customer class, in force since the first of this year."""

    class Meta:
        model = "billing.RateCard"

    instrument = factory.SubFactory(InstrumentFactory)
    valid_from = factory.LazyFunction(lambda: dt.date(timezone.localdate().year, 1, 1))
    unit = "hour"
    price_internal = Decimal("100.00")
    price_academic = Decimal("200.00")
    price_enterprise = Decimal("300.00")
    created_by = factory.LazyAttribute(lambda c: lab_manager(c.instrument.lab))
