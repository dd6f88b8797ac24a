"""The openness audit of the demo: flags detected over the days the demo gateways have
reported, one of them already explained by its institution, and an evaluation round of
the province computed over the same days (a draft, so that a visitor can change its
weights and publish it)."""

import datetime as dt

from django.utils import timezone

from accounts.models import User
from config.demo.telemetry import HISTORY_DAYS
from openness import services
from openness.models import Flag


def seed_openness() -> None:
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    # The whole days inside the history (it starts at this time of day, HISTORY_DAYS ago).
    start, end = today - dt.timedelta(days=HISTORY_DAYS - 1), today
    services.flags_detect(start=start, end=end)
    explained = Flag.objects.filter(instrument__institution__code="NJU").order_by("pk").first()
    if explained is not None:
        admin = User.objects.get(username="nju_admin")
        services.flag_explain(flag=explained, by=admin, note="网关正在更换，下周恢复联网。")
    province = User.objects.get(username="province")
    evaluation = services.round_create(by=province, name="演示评价（近几日）", start=start, end=end)
    services.round_compute(evaluation=evaluation, by=province)
