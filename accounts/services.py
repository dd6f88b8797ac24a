from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, Region, User
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


def _as_field(field: str, check, *args) -> None:
    """Run a validator and file its messages under a form field name."""
    try:
        check(*args)
    except ValidationError as error:
        raise ValidationError({field: error.error_list}) from None
