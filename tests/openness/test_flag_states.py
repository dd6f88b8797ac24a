"""A flag goes open → explained (by the institution) → closed (by a regulator of its
region), or open → closed directly; each step needs a note and the right person."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import User
from openness import services
from openness.models import Flag
from tests import factories as f
from tests.openness.flag_stories import detect

pytestmark = pytest.mark.django_db


@pytest.fixture
def nanjing_flag() -> Flag:
    nju = f.OrganizationFactory(code="nju", region=f.region("320104"))
    instrument = f.InstrumentFactory(lab=f.LabFactory(institution=nju))
    return detect(instrument)[Flag.Kind.GATEWAY]


def org_admin(flag: Flag) -> User:
    return f.UserFactory(organization=flag.instrument.institution, role=User.Role.ORG_ADMIN)


def test_the_institution_explains_and_the_regulator_closes(nanjing_flag):
    admin, regulator = org_admin(nanjing_flag), f.regulator("320100")
    explained = services.flag_explain(flag=nanjing_flag, by=admin, note="网关更换中")
    assert (explained.state, explained.explanation, explained.explained_by) == ("explained", "网关更换中", admin)
    closed = services.flag_close(flag=explained, by=regulator, note="已核实")
    assert (closed.state, closed.closing_note, closed.closed_by) == ("closed", "已核实", regulator)
    assert closed.explanation == "网关更换中" and closed.closed_at is not None


def test_a_regulator_may_close_an_open_flag_directly(nanjing_flag):
    assert services.flag_close(flag=nanjing_flag, by=f.regulator("320000"), note="抽查无误").state == "closed"


def test_a_suzhou_regulator_cannot_close_a_nanjing_flag(nanjing_flag):
    with pytest.raises(PermissionDenied) as denied:
        services.flag_close(flag=nanjing_flag, by=f.regulator("320500"), note="x")
    assert str(denied.value) == str(services.CLOSE_DENIED)
    nanjing_flag.refresh_from_db()
    assert nanjing_flag.state == Flag.State.OPEN


def test_an_institution_admin_cannot_close_only_explain(nanjing_flag):
    with pytest.raises(PermissionDenied):
        services.flag_close(flag=nanjing_flag, by=org_admin(nanjing_flag), note="自行关闭")


@pytest.mark.parametrize(
    "who",
    [lambda flag: f.regulator("320100"), lambda flag: f.UserFactory(organization=flag.instrument.institution),
     lambda flag: f.UserFactory(role=User.Role.ORG_ADMIN), lambda flag: f.platform_admin()],
    ids=["regulator", "member of the institution", "admin of another institution", "platform admin"],
)  # fmt: skip
def test_only_the_institutions_admin_explains(nanjing_flag, who):
    with pytest.raises(PermissionDenied):
        services.flag_explain(flag=nanjing_flag, by=who(nanjing_flag), note="说明")


def test_a_note_is_required(nanjing_flag):
    with pytest.raises(ValidationError) as invalid:
        services.flag_explain(flag=nanjing_flag, by=org_admin(nanjing_flag), note="  ")
    assert invalid.value.message_dict == {"note": [str(services.NOTE_REQUIRED)]}


def test_a_closed_flag_cannot_change_any_more(nanjing_flag):
    services.flag_close(flag=nanjing_flag, by=f.regulator("320100"), note="关闭")
    with pytest.raises(ValidationError):
        services.flag_explain(flag=nanjing_flag, by=org_admin(nanjing_flag), note="补充说明")
    with pytest.raises(ValidationError):
        services.flag_close(flag=nanjing_flag, by=f.regulator("320100"), note="再次关闭")


def test_an_explanation_may_be_rewritten_until_closed(nanjing_flag):
    admin = org_admin(nanjing_flag)
    services.flag_explain(flag=nanjing_flag, by=admin, note="初步说明")
    assert services.flag_explain(flag=nanjing_flag, by=admin, note="补充说明").explanation == "补充说明"
