"""Who may read openness figures, and of which instruments.

A regulator sees exactly their region subtree (by the instrument's region, as the
reservations of booking.selectors are scoped), an institution admin their institution's
instruments (a self-audit), a platform admin everything; nobody else sees any.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, Region
from accounts.permissions import AnyUser, is_org_admin_of, is_platform_admin, regulated_region
from instruments.models import Category, Instrument

NOT_ALLOWED = _("Openness figures are for regulators, institution admins and platform admins.")
OUTSIDE_REGION = _("You oversee %(scope)s (%(code)s); ask for that region or one inside it.")
OUTSIDE_INSTITUTION = _("You may see the figures of your own institution only.")


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    region: Region | None = None  # a regulator's subtree
    institution: Organization | None = None  # an institution admin's own

    def as_q(self) -> Q:
        if self.everything:
            return Q()
        if self.region is not None:
            return Q(region__code__startswith=self.region.prefix)
        assert self.institution is not None
        return Q(institution=self.institution)


def scope_for(*, user: AnyUser) -> Scope | None:
    """The user's scope, or None when they may see no openness figures."""
    if is_platform_admin(user):
        return Scope(everything=True)
    if (region := regulated_region(user)) is not None:
        return Scope(region=region)
    organization = getattr(user, "organization", None)
    if organization is not None and organization.can_own_instruments and is_org_admin_of(user, organization):
        return Scope(institution=organization)
    return None


def instruments_in_scope(
    *,
    scope: Scope,
    region: Region | None = None,
    institution: Organization | None = None,
    category: Category | None = None,
) -> QuerySet[Instrument]:
    """The instruments of the scope, narrowed by the filters. Asking for a region or an
    institution outside one's scope is refused rather than silently narrowed: a city
    regulator asking for the province must not take their city's figures for it."""
    instruments = Instrument.objects.filter(scope.as_q())
    if region is not None:
        if scope.region is not None and not scope.region.contains(region):
            raise PermissionDenied(OUTSIDE_REGION % {"scope": scope.region.name, "code": scope.region.code})
        instruments = instruments.filter(region__code__startswith=region.prefix)
    if institution is not None:
        if scope.institution is not None and scope.institution != institution:
            raise PermissionDenied(OUTSIDE_INSTITUTION)
        instruments = instruments.filter(institution=institution)
    if category is not None:
        instruments = instruments.filter(category__code__startswith=category.prefix)
    return instruments.order_by("code")
