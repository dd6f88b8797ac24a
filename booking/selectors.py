from django.db.models import Q, QuerySet

from accounts.permissions import AnyUser, is_org_admin_of, is_platform_admin, region_filter
from booking.models import Reservation, SampleOrder
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


def can_decide(user: AnyUser, reservation: Reservation) -> bool:
    return can_manage_lab(user, reservation.instrument.lab)


def inbox(user: AnyUser) -> QuerySet[Reservation]:
    """Requests waiting for this lab manager's decision."""
    return reservations_visible_to(user).filter(
        instrument__lab__in=managed_labs(user), status=Reservation.Status.PENDING
    )


def my_reservations(user: AnyUser) -> QuerySet[Reservation]:
    return reservations_visible_to(user).filter(requester=user)


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
    if user.organization_id and is_org_admin_of(user, user.organization):
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
