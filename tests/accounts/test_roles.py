import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from accounts import permissions
from accounts.models import Region, User
from accounts.validators import validate_credit_code
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_jiangsu_and_all_its_cities_are_seeded():
    jiangsu = Region.objects.get(code="320000")
    cities = Region.objects.filter(parent=jiangsu)
    assert cities.count() == 13
    assert {"南京市", "苏州市", "无锡市", "宿迁市"} <= set(cities.values_list("name_zh", flat=True))
    assert Region.objects.get(code="320102").parent.code == "320100"


def test_a_regulator_sees_exactly_its_region_subtree():
    city = f.regulator("320500")
    assert permissions.regulates(city, Region.objects.get(code="320508"))  # Gusu district of Suzhou
    assert permissions.regulates(city, Region.objects.get(code="320500"))
    assert not permissions.regulates(city, Region.objects.get(code="320106"))  # Nanjing
    assert not permissions.regulates(city, Region.objects.get(code="320000"))  # the province above
    province = f.regulator("320000")
    assert permissions.regulates(province, Region.objects.get(code="320106"))


def test_only_regulators_regulate():
    region = Region.objects.get(code="320106")
    for user in (f.UserFactory(), f.platform_admin(), f.UserFactory(role="org_admin")):
        assert permissions.regulated_region(user) is None
        assert not permissions.regulates(user, region)


def test_regulator_must_belong_to_a_regulator_organization():
    user = f.UserFactory.build(organization=f.OrganizationFactory(kind="university"), role=User.Role.REGULATOR)
    with pytest.raises(ValidationError):
        user.full_clean()


def test_everyone_but_platform_admins_needs_an_organization():
    with pytest.raises(IntegrityError):
        f.UserFactory(organization=None, role=User.Role.MEMBER)


def test_admin_site_flags_follow_the_role():
    admin = f.platform_admin()
    assert admin.is_staff and admin.is_superuser
    admin.role = User.Role.MEMBER
    admin.organization = f.OrganizationFactory()
    admin.save()
    assert not admin.is_staff and not admin.is_superuser


def test_createsuperuser_makes_a_platform_admin():
    user = User.objects.create_superuser("root", "root@example.com", "pw-for-root-2026")
    assert user.role == User.Role.PLATFORM_ADMIN


@pytest.mark.parametrize("code", ["914403001922038216", "91330100716105852F", "9144030071526726XG"])
def test_real_credit_codes_pass(code):
    validate_credit_code(code)
