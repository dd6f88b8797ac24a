"""Money in the demo, made through the billing services as the system would have made it.

- Rate cards for every demo instrument, in force since January of last year: hourly prices
  per customer class (own institution, other academic, enterprise), an SME discount, a
  minimum charge, set-up fees on the big machines, an overtime surcharge, no-show and
  late-cancellation fees; the XPS of SINANO priced per sample (800 元/样 for enterprises);
  and a price rise announced for next month.
- The province's innovation voucher programme: the Suzhou start-up's application granted,
  the Wuxi firm's refused with a reason, the Nanjing firm's waiting for a decision.
- A billing history of last month (the bookings of seed_bookings cover only the last three
  weeks): bookings made and approved as if at the time; on two instruments of Soochow
  University, whose gateway's recorded telemetry of the period is imported, they are
  measured (one a no-show, some overrunning); elsewhere they are completed as declared,
  unverified. One is cancelled late.
- A sample order tested, completed with its results and confirmed by the customer.
- Charges for every settled booking and the order (charges_make, as the jobs worker does),
  last month's invoices issued at month end (vouchers pay their share of measured use on
  the start-up's), one paid, one partly paid; a draft for this month; Soochow University's
  claim to the programme, two of its lines decided; ratings with a lab's reply.
"""

import datetime as dt
import random
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db.models import Max
from django.utils import timezone

from accounts.models import Organization, Region, User
from billing import charges, invoicing, rates, ratings, vouchers
from billing.models import Invoice, RateCard, VoucherGrant, VoucherProgramme
from booking import samples, services
from booking.models import Reservation, SampleOrder
from booking.settlement import reservations_settle
from config.demo.purposes import firms_for, research_purpose, startup_purpose
from config.demo.telemetry import STEP, outbox_dir
from gateway import protocol
from gateway.outbox import Outbox
from instruments.models import Instrument
from telemetry.imports import events_import
from telemetry.models import Event

# Prices by instrument (its Chinese name in config.demo.data): unit, then per unit for the
# own institution, other academic or public institutions, and enterprises (CNY).
PRICES = {
    "场发射扫描电子显微镜": ("hour", 150, 250, 400),
    "透射电子显微镜": ("hour", 500, 800, 1200),
    "聚焦离子束双束电镜": ("hour", 800, 1200, 1800),
    "液相色谱-质谱联用仪": ("hour", 250, 350, 500),
    "电感耦合等离子体质谱仪": ("hour", 200, 300, 450),
    "气相色谱-质谱联用仪": ("hour", 150, 220, 320),
    "X射线衍射仪": ("hour", 100, 160, 240),
    "X射线光电子能谱仪": ("hour", 400, 600, 900),
    "傅里叶变换红外光谱仪": ("hour", 60, 100, 150),
    "激光共聚焦拉曼光谱仪": ("hour", 120, 200, 300),
    "高效液相色谱仪": ("hour", 80, 120, 180),
    "核磁共振波谱仪": ("hour", 300, 450, 650),
    "激光扫描共聚焦显微镜": ("hour", 150, 220, 320),
    "原子力显微镜": ("hour", 200, 300, 450),
    "同步热分析仪": ("hour", 100, 150, 220),
    "流式细胞仪": ("hour", 150, 220, 320),
    "电子万能材料试验机": ("hour", 100, 150, 220),
    "激光粒度分析仪": ("hour", 60, 100, 150),
    "矢量网络分析仪": ("hour", 200, 300, 450),
    "半导体参数分析仪": ("hour", 150, 220, 320),
    "小动物活体成像系统": ("hour", 300, 450, 650),
    "电子束光刻系统": ("hour", 1000, 1500, 2200),
    "感应耦合等离子体刻蚀机": ("hour", 400, 600, 900),
    "高性能计算集群": ("hour", 40, 60, 90),
    "飞秒激光器": ("hour", 300, 450, 650),
    "三坐标测量机": ("hour", 150, 220, 320),
    "电化学工作站": ("hour", 30, 50, 80),
    "气候环境试验箱": ("day", 300, 450, 600),
}
# Machines whose every session needs an engineer to prepare them: a set-up fee.
SETUP_FEES = {"透射电子显微镜": 200, "聚焦离子束双束电镜": 300, "电子束光刻系统": 500, "感应耦合等离子体刻蚀机": 200}
PER_SAMPLE = ("SINANO", "X射线光电子能谱仪", (400, 600, 800))  # entrusted testing only: 元/样
PRICE_RISE_PERCENT = 10

PROGRAMME_NAME = "江苏省科技创新券"
REFUSAL = "企业上年度营业收入超过科技型中小企业认定标准，不符合本年度创新券申领条件。"
CLAIM_REJECTION = "该笔服务未附检测报告，请补充后在下一期申报。"
RATING_COMMENTS = [
    (5, 5, 4, "老师非常专业，测试前帮我们调整了方案，数据质量很好。", "感谢认可，欢迎再来！"),
    (4, 4, 5, "仪器状态良好，预约和结算都很顺畅。", "谢谢反馈，我们会继续保持。"),
    (3, 4, 3, "上机前等待校准时间较长，希望能提前告知。", ""),
]


def seed_billing(*, rng: random.Random) -> None:
    now = timezone.now()
    today = timezone.localtime(now).date()
    month_start = today.replace(day=1)
    last_month_start = (month_start - dt.timedelta(days=1)).replace(day=1)
    next_month_start = (month_start + dt.timedelta(days=32)).replace(day=1)

    _rate_cards(rng, valid_from=dt.date(today.year - 1, 1, 1), rise_from=next_month_start)
    programme = _vouchers(today=today, valid_from=min(dt.date(today.year, 1, 1), last_month_start))
    _history(rng, now=now, first_day=last_month_start)
    order = _sample_order()

    charges.charges_make(now=now)  # reaches back 62 days: the whole of last month
    invoicing.invoices_month_end(now=now)
    _payments(today)
    # This month's so far, the sample order among them: a draft the lab can still look over.
    invoicing.invoice_draft(
        provider=order.instrument.institution, customer=order.organization, period_start=month_start,
        period_end=next_month_start,
    )  # fmt: skip
    _claim(programme, period_start=month_start, period_end=next_month_start)
    _ratings(order)


def _manager(instrument: Instrument) -> User:
    return instrument.lab.managers.order_by("pk").first()


def _rate_cards(rng: random.Random, *, valid_from: dt.date, rise_from: dt.date) -> None:
    per_sample_institution, per_sample_name, sample_prices = PER_SAMPLE
    risen = 0
    for n, instrument in enumerate(Instrument.objects.select_related("lab__institution").order_by("code")):
        manager = _manager(instrument)
        if instrument.institution.code == per_sample_institution and instrument.name_zh == per_sample_name:
            internal, academic, enterprise = sample_prices
            rates.rate_card_create(
                by=manager, instrument=instrument, valid_from=valid_from, unit=RateCard.Unit.SAMPLE,
                price_internal=internal, price_academic=academic, price_enterprise=enterprise,
                sme_discount_percent=10,
            )  # fmt: skip
            continue
        unit, internal, academic, enterprise = PRICES[instrument.name_zh]
        terms = {
            "unit": unit, "price_internal": internal, "price_academic": academic, "price_enterprise": enterprise,
            # Staff operating the instrument (technical service, entrusted testing) cost a fifth more.
            "assisted_extra": academic // 5,
            "sme_discount_percent": rng.choice([0, 10, 15, 20]) if n % 2 else 0,
            "minimum_charge": academic // 2 if unit == "hour" else 0,
            "increment_minutes": 15 if unit == "hour" else 240,
            "setup_fee": SETUP_FEES.get(instrument.name_zh, 0),
            "overtime_surcharge_percent": 50 if unit == "hour" else 0,
            "no_show_fee": academic // 2,
            "late_cancel_fee": academic // 4,
        }  # fmt: skip
        rates.rate_card_create(by=manager, instrument=instrument, valid_from=valid_from, **terms)
        if risen < 2 and n % 7 == 3:  # announced: dearer from next month
            risen += 1
            rise = {k: terms[k] * (100 + PRICE_RISE_PERCENT) // 100 for k in ("price_academic", "price_enterprise")}
            rates.rate_card_create(by=manager, instrument=instrument, valid_from=rise_from, **{**terms, **rise})


def _vouchers(*, today: dt.date, valid_from: dt.date) -> VoucherProgramme:
    province = User.objects.get(username="province")
    jiangsu = Region.objects.get(code="320000")
    programme = vouchers.programme_create(
        by=province, name=f"{PROGRAMME_NAME}（{today.year}年度）", year=today.year, budget=Decimal("20000000.00"),
        customer_region=jiangsu, provider_region=jiangsu, share_percent=Decimal(40),
        startup_share_percent=Decimal(60), cap_per_enterprise=Decimal("300000.00"), valid_from=valid_from,
        valid_until=dt.date(today.year, 12, 31),
    )  # fmt: skip
    applications = [
        ("nanowei", VoucherGrant.Size.STARTUP, "80000", "纳米药物载体的形貌表征与成分分析（电镜、核磁、XPS）。"),
        ("lvyuan", VoucherGrant.Size.SMALL, "60000", "食品中农药残留与重金属检测方法开发。"),
        ("xince", VoucherGrant.Size.SMALL, "50000", "功率芯片失效分析与可靠性测试。"),
    ]
    for username, size, requested, purpose in applications:
        applicant = User.objects.select_related("organization").get(username=username)
        grant = vouchers.grant_apply(
            by=applicant, programme=programme, size=size, credit_code=applicant.organization.code,
            requested=requested, purpose=purpose, today=today,
        )  # fmt: skip
        if username == "nanowei":
            vouchers.grant_decide(grant=grant, by=province, amount="50000.00")
        elif username == "lvyuan":
            vouchers.grant_decide(grant=grant, by=province, refuse_reason=REFUSAL)
        # xince's waits for the regulator's decision.
    return programme


def _history(rng: random.Random, *, now: dt.datetime, first_day: dt.date) -> None:
    """Last month's bookings up to where seed_bookings' begin (20 days ago), their measured
    use where a gateway recorded it, and their settlement."""
    tz = timezone.get_current_timezone()
    until = timezone.localtime(now).date() - dt.timedelta(days=20)
    users = {u.username: u for u in User.objects.filter(organization__kind=Organization.Kind.ENTERPRISE)}
    users["seu_researcher"] = User.objects.get(username="seu_researcher")
    shared = Instrument.objects.filter(
        status=Instrument.Status.NORMAL, share_mode=Instrument.ShareMode.EXTERNAL
    ).select_related("category")
    # Two measured instruments the start-up with vouchers has work for.
    bound = shared.filter(lab__institution__code="SUDA", lab__code="atc", binding__isnull=False).order_by("code")
    measured = [i for i in bound if "nanowei" in firms_for(i.category.code)][:2]
    declared = [
        shared.filter(lab__institution__code=code, binding__isnull=True).order_by("code").first()
        for code in ("NJU", "SINANO", "JITRI", "SEU")
    ]
    booked: dict[int, list[Reservation]] = {i.pk: [] for i in measured}
    late_cancelled = False
    day = first_day
    while day < until:
        if day.weekday() < 5:
            for instrument in measured + [i for i in declared if i is not None]:
                is_measured = instrument.pk in booked
                # However early in the month, the measured instruments have the start-up's
                # three bookings and a fourth, the no-show.
                wanted = is_measured and sum(map(len, booked.values())) < 4
                if rng.random() > (0.6 if is_measured else 0.35) and not wanted:
                    continue
                who = _requester(instrument, is_measured, rng)
                if is_measured and sum(map(len, booked.values())) < 3:
                    who = "nanowei"  # however short the history, the start-up's vouchers have use to pay
                start = dt.datetime.combine(day, dt.time(rng.choice([9, 10, 13, 14])), tz)
                reservation = _book(instrument, users[who], start, rng)
                if reservation is None:
                    continue
                if who != "seu_researcher" and not late_cancelled and not is_measured:
                    # Called off the evening before: a late cancellation, with its fee.
                    services.reservation_cancel(
                        reservation=reservation, by=users[who], reason="样品未能按时寄到",
                        now=start - dt.timedelta(hours=16),
                    )  # fmt: skip
                    late_cancelled = True
                elif is_measured:
                    booked[instrument.pk].append(reservation)
        day += dt.timedelta(days=1)
    start = dt.datetime.combine(first_day, dt.time(0), tz)
    _recorded_telemetry(measured, booked, start, dt.datetime.combine(until, dt.time(0), tz), now, rng)
    reservations_settle(now=now)


def _requester(instrument: Instrument, is_measured: bool, rng: random.Random) -> str:
    """A start-up whose work needs the instrument, more often the one with vouchers on the
    measured instruments; now and then the university's student."""
    firms = firms_for(instrument.category.code)
    weights = [(6 if is_measured else 3) if firm == "nanowei" else 2 for firm in firms]
    return rng.choices([*firms, "seu_researcher"], [*weights, 1 if is_measured else 2])[0]


def _book(instrument: Instrument, requester: User, start: dt.datetime, rng: random.Random) -> Reservation | None:
    """A booking requested a few days ahead and approved before it expired, as if at the time."""
    asked = start - dt.timedelta(days=rng.randint(2, 6), hours=rng.randint(0, 8))
    if requester.username == "seu_researcher":
        purpose, samples = research_purpose(rng)
    else:
        purpose, samples = startup_purpose(requester.username, instrument.category.code, rng)
    try:
        reservation = services.reservation_create(
            instrument=instrument, requester=requester, start=start,
            end=start + dt.timedelta(hours=rng.choice([1, 2, 2, 3])), purpose=purpose,
            sample_description=samples, now=asked,
            service_way=rng.choice([Reservation.ServiceWay.USE] * 3 + [Reservation.ServiceWay.TECHNICAL]),
        )  # fmt: skip
    except (services.BookingInvalid, services.BookingConflict):
        return None
    if reservation.status == Reservation.Status.PENDING:
        decided = asked + (reservation.expires_at - asked) * rng.uniform(0.1, 0.9)
        services.reservation_approve(reservation=reservation, by=_manager(instrument), now=decided)
    return reservation


def _recorded_telemetry(
    measured: list[Instrument], booked: dict[int, list[Reservation]], start: dt.datetime, end: dt.datetime,
    now: dt.datetime, rng: random.Random,
) -> None:  # fmt: skip
    """The gateway's recorded events of the period, imported (as manage.py import_events
    would) after the live history's: heartbeats every STEP, running during the bookings
    (one no-show, the first not by the start-up with vouchers; a few overruns) and some
    unbooked use in the evenings."""
    if not measured:
        return
    gateway = measured[0].binding.gateway
    seq = Event.objects.filter(gateway_id=gateway.pk).aggregate(last=Max("seq"))["last"] or 0
    no_show = min((r for rs in booked.values() for r in rs if r.requester.username != "nanowei"),
                  key=lambda r: r.start, default=None)  # fmt: skip
    events = []
    for instrument in measured:
        spans = []
        for reservation in booked[instrument.pk]:
            if reservation is no_show:
                continue
            overrun = rng.random() < 0.25
            spans.append((
                reservation.start + dt.timedelta(minutes=rng.randint(0, 10)),
                reservation.end + dt.timedelta(minutes=rng.randint(10, 40) if overrun else -rng.randint(0, 15)),
            ))  # fmt: skip
        day = timezone.localtime(start).date()
        while day < timezone.localtime(end).date():
            if rng.random() < 0.4:  # the lab's own work after hours
                begin = dt.datetime.combine(day, dt.time(18, rng.choice([0, 30])), start.tzinfo)
                spans.append((begin, begin + dt.timedelta(minutes=rng.randint(30, 120))))
            day += dt.timedelta(days=1)
        moment = start
        while moment < end:
            seq += 1
            if any(s <= moment < e for s, e in spans):
                state = "running"
            else:
                state = "idle" if 8 <= timezone.localtime(moment).hour < 19 else "off"
            events.append(protocol.Event(seq=seq, instrument=instrument.code, ts=moment, state=state))
            moment += STEP
    lines = [(n, protocol.encode(gateway.code, events[n : n + 2000])) for n in range(0, len(events), 2000)]
    report = events_import(lines=lines, now=now)
    if report.rejections:
        raise RuntimeError(f"demo telemetry refused: {report.rejections[:3]}")
    outbox = Outbox(outbox_dir() / f"{gateway.code}.sqlite3")
    outbox.continue_after(seq)  # the simulated agent carries on after the imported events
    outbox.close()


def _sample_order() -> SampleOrder:
    institution, name, _prices = PER_SAMPLE
    instrument = Instrument.objects.get(institution__code=institution, name_zh=name)
    customer, manager = User.objects.get(username="qineng"), _manager(instrument)  # the battery start-up
    order = samples.sample_order_create(
        requester=customer, instrument=instrument, samples=5,
        description="锂电正极材料粉末 5 个，XPS 全谱及 Ni 2p、Co 2p、Mn 2p、O 1s 精细谱，需价态拟合。",
    )  # fmt: skip
    samples.sample_order_accept(order=order, by=manager)
    results = "sample,Ni2+ (%),Ni3+ (%),Co3+ (%),Mn4+ (%),O lattice (%)\n" + "".join(
        f"NCM-{n},{62 - 3 * n},{38 + 3 * n},{91 + n % 3},{88 + n},{71 - n}\n" for n in range(1, 6)
    )
    order = samples.sample_order_complete(
        order=order, by=manager, results_file=ContentFile(results.encode(), name="xps-results.csv"),
        note="谱图已按 C 1s 284.8 eV 校正，拟合参数见附件。",
    )  # fmt: skip
    return samples.sample_order_confirm(order=order, by=customer)


def _admin_of(organization: Organization) -> User:
    return User.objects.get(username=f"{organization.code.lower()}_admin")


def _payments(today: dt.date) -> None:
    issued = Invoice.objects.filter(status=Invoice.Status.ISSUED, kind=Invoice.Kind.INVOICE).select_related(
        "provider", "customer"
    )
    startup = User.objects.get(username="nanowei").organization_id
    # The start-up pays its part of a bill the vouchers paid most of; a firm pays half of its largest.
    paid = issued.filter(customer_id=startup, voucher_amount__gt=0).order_by("number").first()
    if paid is not None:
        invoicing.payment_record(
            invoice=paid, by=_admin_of(paid.provider), reference=f"HX{today:%Y%m%d}0017", paid_on=today,
            amount=paid.outstanding,
        )  # fmt: skip
    partly = issued.exclude(customer_id=startup).filter(customer__kind=Organization.Kind.ENTERPRISE)
    partly = partly.order_by("-customer_due", "number").first()
    if partly is not None:
        invoicing.payment_record(
            invoice=partly, by=_admin_of(partly.provider), reference=f"HX{today:%Y%m%d}0042", paid_on=today,
            amount=(partly.outstanding / 2).quantize(Decimal("1")),
        )  # fmt: skip


def _claim(programme: VoucherProgramme, *, period_start: dt.date, period_end: dt.date) -> None:
    suda = Organization.objects.get(code="SUDA")
    try:
        claim = vouchers.claim_submit(
            by=_admin_of(suda), programme=programme, period_start=period_start, period_end=period_end
        )
    except ValidationError:
        return  # vouchers paid nothing on its invoices
    province = User.objects.get(username="province")
    lines = list(claim.lines.order_by("pk"))
    vouchers.claim_line_decide(line=lines[0], by=province, approve=True)
    if len(lines) > 1:
        vouchers.claim_line_decide(line=lines[1], by=province, approve=False, reason=CLAIM_REJECTION)


def _ratings(order: SampleOrder) -> None:
    completed = (
        Reservation.objects.filter(status=Reservation.Status.COMPLETED, usage_verified=True, charge__isnull=False)
        .select_related("requester", "instrument__lab")
        .order_by("start")
    )
    chosen = [r for r in completed if r.requester.username in ("nanowei", "xince")][:2]
    subjects = [{"reservation": r} for r in chosen] + [{"sample_order": order}]
    for subject, (service, condition, timeliness, comment, reply) in zip(subjects, RATING_COMMENTS, strict=False):
        thing = next(iter(subject.values()))
        rating = ratings.rating_create(
            by=thing.requester, service=service, condition=condition, timeliness=timeliness, comment=comment,
            **subject,
        )  # fmt: skip
        if reply:
            ratings.rating_reply(rating=rating, by=_manager(thing.instrument), text=reply)
