"""Institutions' admins set up labs and name lab managers among their members."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import User
from instruments import services
from instruments.models import Lab
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def university():
    return f.OrganizationFactory(kind="university")


def test_admin_creates_a_lab_and_names_its_managers(client, university):
    admin = f.UserFactory(organization=university, role=User.Role.ORG_ADMIN)
    colleague = f.UserFactory(organization=university)
    client.force_login(admin)
    response = client.post(reverse("instruments:labs"), {"code": "nmr", "name_zh": "核磁中心"})
    lab = Lab.objects.get(institution=university, code="nmr")
    assert response["Location"] == reverse("instruments:lab", args=[lab.pk])
    client.post(reverse("instruments:lab", args=[lab.pk]), {"managers": [colleague.pk]})
    assert list(lab.managers.all()) == [colleague]
    client.force_login(colleague)
    assert client.get(reverse("instruments:create")).status_code == 200  # now a lab manager


def test_duplicate_lab_code_is_a_form_error(client, university):
    f.LabFactory(institution=university, code="nmr")
    client.force_login(f.UserFactory(organization=university, role=User.Role.ORG_ADMIN))
    response = client.post(reverse("instruments:labs"), {"code": "nmr", "name_zh": "又一个"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Lab.objects.filter(institution=university).count() == 1


@pytest.mark.parametrize("who", ["member", "lab manager", "regulator", "admin elsewhere"])
def test_others_cannot_set_up_labs(client, university, who):
    lab = f.LabFactory(institution=university)
    person = {
        "member": lambda: f.UserFactory(organization=university),
        "lab manager": lambda: f.lab_manager(lab),
        "regulator": lambda: f.regulator(),
        "admin elsewhere": lambda: f.UserFactory(role=User.Role.ORG_ADMIN),
    }[who]()
    client.force_login(person)
    created = client.post(reverse("instruments:labs"), {"code": "x", "name_zh": "X"})
    assert created.status_code == (302 if who == "admin elsewhere" else 403)  # an admin sets up their own labs
    assert not Lab.objects.filter(institution=university, code="x").exists()
    response = client.post(reverse("instruments:lab", args=[lab.pk]), {"managers": [person.pk]})
    assert response.status_code == (404 if who == "admin elsewhere" else 403)
    assert list(lab.managers.all()) == ([person] if who == "lab manager" else [])


def test_managers_must_belong_to_the_institution(university):
    lab = f.LabFactory(institution=university)
    with pytest.raises(ValidationError):
        services.lab_set_managers(lab=lab, managers=[f.UserFactory()], by=None)
