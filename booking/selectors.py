from django.db.models import Q, QuerySet

from accounts.permissions import AnyUser, is_platform_admin, region_filter
from booking.models import Reservation
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
