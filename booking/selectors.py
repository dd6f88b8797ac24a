import datetime as dt
import operator
from collections.abc import Collection, Iterable
from functools import reduce

from django.db.models import Count, Q, QuerySet

from accounts.models import Organization, User
from accounts.permissions import AnyUser, is_org_admin_of, is_platform_admin, region_filter
from booking.models import BookingPolicy, Reservation, SampleOrder
from instruments.models import Instrument
from instruments.permissions import can_manage_lab, managed_labs


def reservations_visible_to(user: AnyUser) -> QuerySet[Reservation]:
    """The requester, the instrument's lab managers (and its institution's admins), the
    regulators of its region and platform admins see a reservation; nobody else."""
    reservations = Reservation.objects.select_related(
        "instrument__lab__institution", "instrument__region", "requester", "organization"
    )
    if not (user.is_authenticated and user.is_active):
        return reservations.none()
    if is_platform_admin(user):
        return reservations.all()
    visible = Q(requester=user) | Q(instrument__lab__in=managed_labs(user)) | region_filter(user, "instrument__region")
    return reservations.filter(visible).distinct()


def can_see(user: AnyUser, reservation: Reservation) -> bool:
    return reservations_visible_to(user).filter(pk=reservation.pk).exists()


def can_decide(user: AnyUser, reservation: Reservation, *, managers: Collection[User] | None = None) -> bool:
    """`managers`: as `can_manage_lab` takes them."""
    return can_manage_lab(user, reservation.instrument.lab, managers=managers)


def inbox(user: AnyUser) -> QuerySet[Reservation]:
    """Requests waiting for this lab manager's decision."""
    return reservations_visible_to(user).filter(
        instrument__lab__in=managed_labs(user), status=Reservation.Status.PENDING
    )


def inbox_filtered(
    user: AnyUser,
    *,
    instrument: Instrument | None = None,
    first_day: dt.date | None = None,
    last_day: dt.date | None = None,
) -> tuple[QuerySet[Reservation], QuerySet[SampleOrder]]:
    """The inbox of one instrument, or of requests starting within some days (Beijing
    dates). Sample orders take no time on the calendar: only the instrument narrows them."""
    pending = inbox(user)
    orders = sample_order_inbox(user)
    if instrument is not None:
        pending, orders = pending.filter(instrument=instrument), orders.filter(instrument=instrument)
    if first_day is not None:
        pending = pending.filter(start__date__gte=first_day)
    if last_day is not None:
        pending = pending.filter(start__date__lte=last_day)
    return pending, orders


def inbox_instruments(user: AnyUser) -> QuerySet[Instrument]:
    """Instruments with something waiting for this manager: the inbox's instrument choices."""
    waiting = Q(reservations__in=inbox(user).values("pk")) | Q(sample_orders__in=sample_order_inbox(user).values("pk"))
    return Instrument.objects.filter(waiting).distinct().order_by("code")


HISTORY_STATUSES = (Reservation.Status.COMPLETED, Reservation.Status.NO_SHOW, Reservation.Status.CANCELLED)


def requester_history_attach(items: Iterable[Reservation], *, user: AnyUser) -> None:
    """Set `requester_history` on each request: how its requester's bookings at this
    manager's labs ended (completed, no-shows, cancelled), counted in one query."""
    items = list(items)
    counts: dict[int, dict[str, int]] = {}
    rows = (
        Reservation.objects.filter(
            requester_id__in={i.requester_id for i in items}, instrument__lab__in=managed_labs(user),
            status__in=HISTORY_STATUSES,
        ).values("requester_id", "status").annotate(n=Count("pk"))
    )  # fmt: skip
    for row in rows:
        counts.setdefault(row["requester_id"], {})[row["status"]] = row["n"]
    for item in items:
        mine = counts.get(item.requester_id, {})
        item.requester_history = {status.value: mine.get(status.value, 0) for status in HISTORY_STATUSES}


def my_reservations(user: AnyUser) -> QuerySet[Reservation]:
    visible = reservations_visible_to(user)
    if not user.is_authenticated:
        return visible  # none for an anonymous visitor
    return visible.filter(requester=user)


def sample_orders_visible_to(user: AnyUser) -> QuerySet[SampleOrder]:
    """The requester, their organization's admins, the instrument's lab managers, the
    regulators of its region and platform admins see a sample order; nobody else."""
    orders = SampleOrder.objects.select_related(
        "instrument__lab__institution", "instrument__region", "requester", "organization"
    )
    if not (user.is_authenticated and user.is_active):
        return orders.none()
    if is_platform_admin(user):
        return orders.all()
    visible = _sample_orders_of(user) | region_filter(user, "instrument__region")
    return orders.filter(visible).distinct()


def my_sample_orders(user: AnyUser) -> QuerySet[SampleOrder]:
    """Orders a person deals with: their own, their organization's (an org admin) and
    their labs' (a lab manager). Regulators see more, but only on purpose."""
    if is_platform_admin(user):
        return sample_orders_visible_to(user)
    return sample_orders_visible_to(user).filter(_sample_orders_of(user))


def _sample_orders_of(user: AnyUser) -> Q:
    mine = Q(requester=user) | Q(instrument__lab__in=managed_labs(user))
    if user.is_authenticated and user.organization is not None and is_org_admin_of(user, user.organization):
        mine |= Q(organization_id=user.organization_id)
    return mine


def sample_order_inbox(user: AnyUser) -> QuerySet[SampleOrder]:
    """Sample orders waiting for this lab manager: to accept, and accepted ones to complete."""
    return sample_orders_visible_to(user).filter(
        instrument__lab__in=managed_labs(user),
        status__in=(SampleOrder.Status.PENDING, SampleOrder.Status.ACCEPTED),
    )


def can_decide_sample_order(user: AnyUser, order: SampleOrder) -> bool:
    return can_manage_lab(user, order.instrument.lab)


def can_confirm_sample_order(user: AnyUser, order: SampleOrder) -> bool:
    """The customer: the requester, or an admin of the organization the order is for."""
    if not (user.is_authenticated and user.is_active):
        return False
    return order.requester_id == user.pk or is_org_admin_of(user, order.organization)


def can_download_results(user: AnyUser, order: SampleOrder) -> bool:
    """Results are the customer's and the lab's, not the regulators'."""
    return can_confirm_sample_order(user, order) or can_decide_sample_order(user, order)


SEARCH_LIMIT = 10
USER_FIELDS = ("username", "first_name", "last_name", "organization__name_zh", "organization__name_en")


def _words_match(text: str, *fields: str) -> Q:
    """Every word of `text` in one of `fields`."""
    match = Q()
    for word in text.split():
        match &= reduce(operator.or_, (Q(**{f"{field}__icontains": word}) for field in fields))
    return match


def policy_users_search(user: AnyUser, instrument: Instrument, text: str) -> QuerySet[User]:
    """People a manager may name as trained or approved automatically, by name, user name
    or organization: members of the instrument's institution, those who booked or ordered
    at its lab, and those already named. Anyone else only by their exact user name or
    email, so that nobody can list the network's users by searching."""
    people = User.objects.filter(is_active=True, organization__isnull=False).exclude(role=User.Role.REGULATOR)
    exact = Q(username__iexact=text) | Q(email__iexact=text)
    if not is_platform_admin(user):
        policy = BookingPolicy.objects.filter(instrument=instrument).first()
        named = [] if policy is None else [
            *policy.trained_users.values_list("pk", flat=True), *policy.auto_approve_users.values_list("pk", flat=True)
        ]  # fmt: skip
        lab = instrument.lab_id
        known = (
            Q(organization_id=instrument.institution_id) | Q(pk__in=named)
            | Q(pk__in=Reservation.objects.filter(instrument__lab_id=lab).values("requester_id"))
            | Q(pk__in=SampleOrder.objects.filter(instrument__lab_id=lab).values("requester_id"))
        )  # fmt: skip
        people = people.filter(known & _words_match(text, *USER_FIELDS) | exact)
    else:
        people = people.filter(_words_match(text, *USER_FIELDS) | exact)
    return people.select_related("organization").order_by("username")[:SEARCH_LIMIT]


def policy_organizations_search(text: str) -> QuerySet[Organization]:
    """Universities, institutes and firms by name or code (regulators book nothing)."""
    return (
        Organization.objects.exclude(kind=Organization.Kind.REGULATOR)
        .filter(_words_match(text, "code", "name_zh", "name_en"))
        .order_by("code")[:SEARCH_LIMIT]
    )


def approved_periods(
    *, instrument_codes: Iterable[str], start: dt.datetime, end: dt.datetime
) -> dict[str, list[tuple[dt.datetime, dt.datetime]]]:
    """[start, end) of the approved reservations of these instruments that overlap
    [start, end), by instrument code, in time order (what a lab's schedule holds)."""
    periods: dict[str, list[tuple[dt.datetime, dt.datetime]]] = {}
    rows = Reservation.objects.filter(
        instrument__code__in=list(instrument_codes), status=Reservation.Status.APPROVED, start__lt=end, end__gt=start
    ).order_by("start")
    for code, s, e in rows.values_list("instrument__code", "start", "end"):
        periods.setdefault(code, []).append((s, e))
    return periods
