"""A small Jiangsu for the openness pages, exports and browser story, in March 2026:

- Soochow University (Gusu district, Suzhou): su-1, measured, 3 h of running time of which
  2 h in an outside start-up's booking; su-small, below the openness threshold.
- Nanjing University (Qinhuai district, Nanjing): nj-1, measured, 1 h of the owner's own use
  and a 6 h silence; nj-2, no gateway, one 4 h booking (declared only).

Province in March: 3 in-scope instruments, 2 measured, 4 h effective, 2 h external (50%).
"""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from accounts.models import Organization, User
from tests import factories as f

PERIOD = {"from": "2026-03-01", "to": "2026-04-01"}
QUERY = "from=2026-03-01&to=2026-04-01"


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, 3, day, hour, minute), timezone.get_current_timezone())


def build() -> dict:
    suzhou = f.OrganizationFactory(code="suda", name_zh="苏州大学", name_en="Soochow University",
                                   region=f.region("320508"))  # fmt: skip
    nanjing = f.OrganizationFactory(code="nju", name_zh="南京大学", name_en="Nanjing University",
                                    region=f.region("320104"))  # fmt: skip
    su_lab = f.LabFactory(institution=suzhou, code="atc", name_zh="分析测试中心", name_en="Analysis Center")
    nj_lab = f.LabFactory(institution=nanjing, code="ac", name_zh="现代分析中心", name_en="Modern Analysis Center")
    su = f.InstrumentFactory(lab=su_lab, code="su-1", name_zh="场发射扫描电镜", name_en="Field emission SEM",
                             inner_id="SU0001", in_service_date=dt.date(2019, 5, 31))  # fmt: skip
    small = f.InstrumentFactory(lab=su_lab, code="su-small", original_value=Decimal("100000"))
    nj = f.InstrumentFactory(lab=nj_lab, code="nj-1", name_zh="核磁共振波谱仪", name_en="NMR spectrometer",
                             inner_id="NJ0001", original_value=Decimal("2685000.50"), type="special")  # fmt: skip
    nj2 = f.InstrumentFactory(lab=nj_lab, code="nj-2", name_zh="透射电镜", name_en="TEM", inner_id="NJ0002")
    for instrument in (su, nj):
        f.reporting(instrument, at(1, 0), at(31, 12))
    startup = f.OrganizationFactory(code="nanowei", kind=Organization.Kind.ENTERPRISE, name_zh="苏州纳微生物",
                                    name_en="Nanowei Bio", region=f.region("320506"))  # fmt: skip
    requester = f.UserFactory(organization=startup, first_name="晓", last_name="陈", username="chenxiao")
    booking = f.ReservationFactory(instrument=su, requester=requester, start=at(10, 9), end=at(10, 11),
                                   measured_minutes=120.0, overrun_minutes=60.0)  # fmt: skip
    f.UsageSessionFactory(instrument=su, start=at(10, 9), end=at(10, 12))  # the last hour is overrun
    f.UsageSessionFactory(instrument=nj, start=at(12, 9), end=at(12, 10))  # the owner's own use
    f.ReportingGapFactory(instrument=nj, start=at(20, 0), end=at(20, 6))
    declared = f.ReservationFactory(instrument=nj2, start=at(15, 9), end=at(15, 13), usage_verified=False)
    return {
        "suzhou": suzhou, "nanjing": nanjing, "su": su, "small": small, "nj": nj, "nj2": nj2, "startup": startup,
        "requester": requester, "booking": booking, "declared": declared,
    }  # fmt: skip


USERS = {
    "province": lambda w: f.regulator("320000", username="province"),
    "suzhou": lambda w: f.regulator("320500", username="suzhou"),
    "gusu": lambda w: f.regulator("320508", username="gusu"),
    "suda admin": lambda w: f.UserFactory(organization=w["suzhou"], role=User.Role.ORG_ADMIN, username="suda_admin"),
    "platform admin": lambda w: f.platform_admin(username="admin"),
    "member": lambda w: f.UserFactory(organization=w["suzhou"], username="member"),
    "start-up": lambda w: w["requester"],
}
