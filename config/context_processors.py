from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from accounts.models import User
from accounts.permissions import AnyUser, is_org_admin_of, is_platform_admin
from billing.permissions import visible_charges
from booking.models import Notification
from instruments.permissions import managed_labs
from openness.scopes import scope_for


def navigation(request: HttpRequest) -> dict:
    """What the menu offers this user; computed only if a template asks."""
    if not hasattr(request, "user"):  # refused before authentication (a bad Host header): no menu
        return {}
    user = request.user
    return {
        "nav_manages_labs": SimpleLazyObject(lambda: managed_labs(user).exists()),
        "nav_platform_admin": SimpleLazyObject(lambda: is_platform_admin(user)),
        # Regulators, institution admins and platform admins audit openness; others see
        # the public pages.
        "nav_openness": SimpleLazyObject(lambda: scope_for(user=user) is not None),
        "nav_org_admin": SimpleLazyObject(
            lambda: bool(
                user.is_authenticated
                and user.organization
                and is_org_admin_of(user, user.organization)
                and user.organization.can_own_instruments
            )
        ),
        "nav_invoices": SimpleLazyObject(lambda: _has_invoices(user)),
        "openness_threshold": settings.OPENNESS_THRESHOLD_CNY,
        "nav_unread": SimpleLazyObject(
            lambda: Notification.objects.filter(user=user, read_at__isnull=True).count() if user.is_authenticated else 0
        ),
    }


def _has_invoices(user: AnyUser) -> bool:
    """Finance always has the invoice pages; anyone else once there is a charge they may see
    (one EXISTS query, made only when a page shows the menu)."""
    if not user.is_authenticated:
        return False
    if is_platform_admin(user) or user.role == User.Role.ORG_ADMIN:
        return True
    return visible_charges(user).exists()
