"""Jiangsu's functional zones in the region tree: coded zones are county-level nodes under
their city; zones without a code are other names of the county or city they lie in."""

import io

import pytest
from django.core.management import call_command

from accounts.models import Organization, Region, RegionAlias
from instruments.models import Instrument
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_a_coded_zone_is_a_county_level_node_under_its_city():
    sip = Region.objects.get(code="320571")
    assert (sip.name_zh, sip.level, sip.kind, sip.parent_id) == ("苏州工业园区", 3, "zone", "320500")
    assert f.region("320500").contains(sip) and f.region("320000").contains(sip)
    assert not f.region("320100").contains(sip)
    assert Region.objects.filter(kind="zone", parent__isnull=True).count() == 0


def test_zones_without_a_code_name_the_county_or_city_they_lie_in():
    assert RegionAlias.objects.get(name_zh="昆山开发区").region_id == "320583"
    assert RegionAlias.objects.get(name_zh="江阴高新区").region_id == "320281"
    assert RegionAlias.objects.get(name_zh="常州武进国家高新区").region_id == "320412"
    assert RegionAlias.objects.get(name_zh="苏州高新区").region_id == "320505"  # 虎丘区, the same area
    assert RegionAlias.objects.get(name_zh="南京江北新区").region_id == "320100"  # spans several districts


def test_an_organization_in_a_zone_imports_with_the_zone_code(tmp_path):
    path = tmp_path / "organizations.csv"
    path.write_text(
        "code,name_zh,name_en,kind,region\nSIPLAB,苏州工业园区某研究院,SIP Institute,institute,320571\n",
        encoding="utf-8",
    )
    call_command("import_organizations", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert Organization.objects.get(code="SIPLAB").region_id == "320571"


@pytest.mark.parametrize(
    ("city", "county", "region"),
    [
        ("苏州市", "苏州工业园区", "320571"),
        ("苏州市", "320571", "320571"),
        ("苏州", "工业园区", None),  # not a name of its own: refused, never guessed
        ("苏州市", "昆山开发区", "320583"),
        ("无锡市", "江阴高新区", "320281"),
        ("无锡市", "新吴区", "320214"),
        ("常州市", "武进国家高新区", "320412"),
        ("南京市", "江北新区", "320100"),
        ("南京市", "苏州工业园区", None),
    ],
)
def test_instrument_addresses_in_zones_import(tmp_path, city, county, region):
    f.LabFactory(institution=f.OrganizationFactory(code="SIP", region=f.region("320571")), code="ac")
    path = tmp_path / "sheet.csv"
    path.write_text(
        f"cname,innerId,instrCategory,worth,province,city,county\n质谱仪,Z1,010202,300,江苏省,{city},{county}\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    try:
        call_command("import_instruments", str(path), "--institution", "SIP", stdout=out, stderr=io.StringIO())
    except Exception:
        assert region is None, out.getvalue()
        assert "Row 2, county:" in out.getvalue()
        return
    assert Instrument.objects.get(inner_id="Z1").region_id == region
