from collections.abc import Callable

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, Region, User
from accounts.permissions import is_org_admin_of, is_platform_admin
from accounts.validators import validate_credit_code

CREDIT_CODE_TAKEN = _("An organization with this credit code is already registered; ask its admin to invite you.")
USERNAME_TAKEN = _("This user name is taken.")


def startup_signup(
    *,
    organization_name: str,
    credit_code: str,
    region: Region,
    username: str,
    email: str,
    password: str,
    full_name: str = "",
) -> User:
    """Register a start-up or SME and its first user, who becomes its admin."""
    credit_code = credit_code.strip().upper()
    _as_field("credit_code", validate_credit_code, credit_code)
    # Both rows or neither: a half-registered firm could never be claimed again.
    with transaction.atomic():
        if Organization.objects.filter(code=credit_code).exists():
            raise ValidationError({"credit_code": CREDIT_CODE_TAKEN})
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError({"username": USERNAME_TAKEN})
        organization = Organization.objects.create(
            code=credit_code, name_zh=organization_name, kind=Organization.Kind.ENTERPRISE, region=region
        )
        user = User(
            username=username, email=email, organization=organization, role=User.Role.ORG_ADMIN, first_name=full_name
        )
        _as_field("password1", validate_password, password, user)
        user.set_password(password)
        user.full_clean()
        user.save()
    return user


def _as_field(field: str, check: Callable[..., object], *args: object) -> None:
    """Run a validator and file its messages under a form field name."""
    try:
        check(*args)
    except ValidationError as error:
        raise ValidationError({field: error.error_list}) from None


MEMBERS_DENIED = _("Only the organization's admins manage its members.")
LAST_ADMIN = _("An organization keeps at least one admin; make someone else admin first.")
NOT_A_MEMBER = _("This person is not a member of your organization.")
MEMBER_ROLES = (User.Role.MEMBER, User.Role.ORG_ADMIN)


def _require_members_admin(by: User, organization: Organization) -> None:
    if not (is_org_admin_of(by, organization) or is_platform_admin(by)):
        raise PermissionDenied(MEMBERS_DENIED)
    if not organization.can_own_instruments:
        # Regulators' accounts are the platform admins' to manage, in the admin site.
        raise PermissionDenied(MEMBERS_DENIED)


def member_invite(*, organization: Organization, by: User, username: str, email: str, full_name: str = "") -> User:
    """Add a colleague. They get no password; the invitation email lets them choose one."""
    _require_members_admin(by, organization)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": USERNAME_TAKEN})
    user = User(username=username, email=email, first_name=full_name, organization=organization, role=User.Role.MEMBER)
    user.set_unusable_password()
    user.full_clean()
    user.save()
    return user


def member_update(*, member: User, role: str, active: bool, by: User) -> User:
    """Set a member's role (member or organization admin) and whether the account is active."""
    organization = member.organization
    if organization is None:
        raise ValidationError(NOT_A_MEMBER)
    _require_members_admin(by, organization)
    if role not in MEMBER_ROLES:
        raise ValidationError({"role": _("Choose member or organization admin.")})
    # Lock the organization's active admins, so that two admins demoting each other at
    # the same moment cannot leave it with none.
    with transaction.atomic():
        admins = User.objects.select_for_update().filter(
            organization=organization, role=User.Role.ORG_ADMIN, is_active=True
        )
        stays_admin = role == User.Role.ORG_ADMIN and active
        if not stays_admin and list(admins.values_list("pk", flat=True)) == [member.pk]:
            raise ValidationError(LAST_ADMIN)
        member.role, member.is_active = role, active
        member.save(update_fields=["role", "is_active", "is_staff", "is_superuser"])
    return member


def organization_create(*, code: str, name_zh: str, kind: str, region: Region, name_en: str = "") -> Organization:
    """A university, institute, enterprise or regulator (platform admins and imports)."""
    organization = Organization(code=code, name_zh=name_zh, name_en=name_en, kind=kind, region=region)
    organization.full_clean()
    organization.save()
    return organization


IMPORTED_REQUESTER_NAME = "imported"
IMPORTED_REQUESTER_LABEL = "历史导入"  # data, like an organization name: the same in every language
IMPORTED_REQUESTER_TAKEN = _("The user name %(username)s is taken by a real account; rename that account first.")


def imported_requester_get(*, organization: Organization) -> User:
    """The stand-in requester of an organization's imported bookings: history names the
    organization, not the person, and a reservation needs a user. It cannot log in
    (inactive, no password), so it can never act; one per organization, made once."""
    username = f"{IMPORTED_REQUESTER_NAME}@{organization.code}"
    user: User | None = User.objects.filter(username=username).first()
    if user is not None:
        if user.organization_id != organization.pk or user.is_active:
            raise ValidationError({"organization": IMPORTED_REQUESTER_TAKEN % {"username": username}})
        return user
    user = User(username=username, organization=organization, role=User.Role.MEMBER, is_active=False,
                first_name=IMPORTED_REQUESTER_LABEL)  # fmt: skip
    user.set_unusable_password()
    user.save()
    return user
