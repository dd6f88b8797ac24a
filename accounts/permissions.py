"""Who a user is, in the terms every permission check of the project is built from.

Apps build their object checks (may this user edit that instrument?) from these and
nothing else, so that a role means the same thing on every page and endpoint.
"""

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from accounts.models import Organization, Region, User

AnyUser = User | AnonymousUser


def is_platform_admin(user: AnyUser) -> bool:
    return user.is_authenticated and user.is_active and user.role == User.Role.PLATFORM_ADMIN


def is_org_admin_of(user: AnyUser, organization: Organization) -> bool:
    return is_org_admin_of_id(user, organization.pk)


def is_org_admin_of_id(user: AnyUser, organization_id: int | None) -> bool:
    """`is_org_admin_of` for an organization not loaded, known by its id."""
    return (
        user.is_authenticated
        and user.is_active
        and user.role == User.Role.ORG_ADMIN
        and organization_id is not None
        and user.organization_id == organization_id
    )


def belongs_to(user: AnyUser, organization: Organization) -> bool:
    return user.is_authenticated and user.is_active and user.organization_id == organization.pk


def regulated_region(user: AnyUser) -> Region | None:
    """The region subtree a regulator oversees, or None for everyone else."""
    if not (user.is_authenticated and user.is_active and user.role == User.Role.REGULATOR):
        return None
    organization = user.organization
    if organization is None or organization.kind != Organization.Kind.REGULATOR:
        return None
    return organization.region


def regulates(user: AnyUser, region: Region) -> bool:
    scope = regulated_region(user)
    return scope is not None and scope.contains(region)


def region_filter(user: AnyUser, field: str) -> Q:
    """A filter on `field` (a path to a Region) keeping rows inside the user's regulated
    subtree; matches nothing for a user who regulates nothing."""
    scope = regulated_region(user)
    if scope is None:
        return Q(pk__in=[])
    return Q(**{f"{field}__code__startswith": scope.prefix})


def regions_in(region: Region) -> QuerySet[Region]:
    return Region.objects.filter(code__startswith=region.prefix)
