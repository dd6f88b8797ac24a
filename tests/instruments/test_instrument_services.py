from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from instruments import services
from instruments.models import Category
from tests import factories as f

pytestmark = pytest.mark.django_db


def create(lab, by=None, **fields):
    data = {"name_zh": "色谱仪", "inner_id": "Q-1", "category": Category.objects.get(code="010500"),
            "original_value": Decimal("500000.00"), **fields}  # fmt: skip
    return services.instrument_create(lab=lab, by=by, **data)


def test_new_instrument_gets_a_stable_code_and_its_institutions_region():
    lab = f.LabFactory(institution=f.OrganizationFactory(code="SUDA", region=f.region("320508")))
    instrument = create(lab, inner_id="2019/00 12")
    assert instrument.code == "suda-201900-12"
    assert instrument.region.code == "320508"
    assert instrument.institution == lab.institution
    assert create(lab, inner_id="201900 12").code == "suda-201900-12-2"  # same slug, new suffix


def test_value_at_the_threshold_is_in_scope(settings):
    lab = f.LabFactory()
    assert create(lab, inner_id="a", original_value=Decimal("500000.00")).in_scope
    assert not create(lab, inner_id="b", original_value=Decimal("499999.99")).in_scope


def test_asset_numbers_are_unique_per_institution_not_globally():
    lab = f.LabFactory()
    create(lab, inner_id="X")
    with pytest.raises(ValidationError) as caught:
        create(f.LabFactory(institution=lab.institution), inner_id="X")
    assert "inner_id" in caught.value.message_dict
    create(f.LabFactory(), inner_id="X")  # another institution may use the same number


def test_only_lab_managers_write_through_the_service():
    lab = f.LabFactory()
    with pytest.raises(PermissionDenied):
        create(lab, by=f.lab_manager())
    instrument = create(lab, by=f.lab_manager(lab))
    with pytest.raises(PermissionDenied):
        services.instrument_update(instrument=instrument, by=f.regulator(), name_zh="x")


def test_enterprises_can_own_labs_but_regulators_cannot():
    services.lab_create(institution=f.OrganizationFactory(kind="enterprise"), code="qa", name_zh="质检室")
    with pytest.raises(ValidationError):
        services.lab_create(institution=f.OrganizationFactory(kind="regulator"), code="qa", name_zh="质检室")


def test_money_is_exact():
    instrument = create(f.LabFactory(), original_value=Decimal("1234567.89"))
    instrument.refresh_from_db()
    assert instrument.original_value == Decimal("1234567.89")
