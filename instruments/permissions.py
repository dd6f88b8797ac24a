"""Who may change which lab's instruments. Every door (pages, API, admin actions,
imports) asks these, so the answer is the same everywhere."""

from collections.abc import Collection

from django.db.models import QuerySet

from accounts.models import Organization, User
from accounts.permissions import AnyUser, is_org_admin_of, is_org_admin_of_id, is_platform_admin
from instruments.models import Instrument, Lab


def can_manage_lab(user: AnyUser, lab: Lab, *, managers: Collection[User] | None = None) -> bool:
    """`managers`: the lab's active managers (or, for a lab without, its institution's
    admins: booking.notifications.managers_of), when the caller has them; saves a query."""
    if not (user.is_authenticated and user.is_active):
        return False
    if is_platform_admin(user) or is_org_admin_of_id(user, lab.institution_id):
        return True
    if managers is not None:
        return any(manager.pk == user.pk for manager in managers)
    return lab.managers.filter(pk=user.pk).exists()


def can_admin_labs(user: AnyUser, institution: Organization) -> bool:
    """Set up labs and name their managers: the institution's admins and platform admins."""
    return is_platform_admin(user) or is_org_admin_of(user, institution)


def can_edit_instrument(user: AnyUser, instrument: Instrument) -> bool:
    return can_manage_lab(user, instrument.lab)


def managed_labs(user: AnyUser) -> QuerySet[Lab]:
    labs = Lab.objects.select_related("institution")
    if not (user.is_authenticated and user.is_active):
        return labs.none()
    if is_platform_admin(user):
        return labs.all()
    if user.organization_id and is_org_admin_of(user, user.organization):
        return labs.filter(institution_id=user.organization_id)
    return labs.filter(managers=user)


def editable_instruments(user: AnyUser) -> QuerySet[Instrument]:
    return Instrument.objects.filter(lab__in=managed_labs(user))
