"""Openness reports on a generated province, on a private PostgreSQL server.

10,000 instruments (100 institutions in the counties of Jiangsu, 2 labs each) over 2025:
500 usage sessions each (5 million), a booking for about every third session (half of
them external), a few reporting gaps. The settled days are computed once
(`compute_daily_figures`, timed), then, in the same run:
1. the province report: roll-ups of the year at every level (province, city, county,
   institution, lab) and the figures of every in-scope instrument;
2. one instrument's year;
3. the baseline: one hand-written SQL aggregate over the same stored rows giving the same
   roll-ups (GROUPING SETS), and the province report computed from the raw facts alone.
It prints seconds and the ratios.

    .venv/bin/python -m bench.openness_bench [--instruments 10000] [--sessions 500]
"""

import argparse
import datetime as dt
import io
import os
import random
import time

from tests.helpers import TEST_SETTINGS
from tests.servers import PostgresServer

YEAR = 2025
TZ = dt.timezone(dt.timedelta(hours=8))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instruments", type=int, default=10_000)
    parser.add_argument("--sessions", type=int, default=500, help="per instrument and year")
    args = parser.parse_args()
    pg = PostgresServer().start()
    try:
        os.environ.update(TEST_SETTINGS, DATABASE_URL=pg.database_url("postgres"),
                          DJANGO_SETTINGS_MODULE="config.settings", LOG_LEVEL="WARNING")  # fmt: skip
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        began = time.perf_counter()
        counts = _generate(args.instruments, args.sessions)
        print(f"generated {counts} in {time.perf_counter() - began:.0f} s; PostgreSQL {pg.port}")
        began = time.perf_counter()
        call_command("compute_daily_figures", stdout=io.StringIO())
        print(f"figures of the settled days computed in {time.perf_counter() - began:.0f} s\n")
        from django.db import connection

        with connection.cursor() as cursor:  # as autovacuum would have, on a server in service
            cursor.execute("VACUUM ANALYZE")
        _measure()
    finally:
        pg.stop()


def _generate(instruments: int, sessions: int) -> dict[str, int]:
    from django.db import connection

    from accounts.models import Organization, Region, User
    from instruments.models import Category, Instrument, Lab

    rng = random.Random(2025)
    counties = list(Region.objects.filter(level=3, code__startswith="32").values_list("code", flat=True))
    category = Category.objects.get(code="010100")
    per_lab = max(1, instruments // 200)
    institutions = [
        Organization(code=f"inst-{n}", name_zh=f"单位{n}", kind="university", region_id=counties[n % len(counties)])
        for n in range(100)
    ]
    Organization.objects.bulk_create(institutions)
    firms = [
        Organization(code=f"firm-{n}", name_zh=f"企业{n}", kind="enterprise", region_id=counties[n % len(counties)])
        for n in range(50)
    ]
    Organization.objects.bulk_create(firms)
    users = User.objects.bulk_create(
        [User(username=f"u-{o.code}", organization=o, role=User.Role.MEMBER) for o in [*institutions, *firms]]
    )
    user_of = {u.organization_id: u.pk for u in users}
    labs = Lab.objects.bulk_create(
        [Lab(institution=o, code=f"lab-{k}", name_zh="实验室") for o in institutions for k in range(2)]
    )
    made = [
        Instrument(lab=lab, institution_id=lab.institution_id, code=f"{lab.institution.code}-{lab.code}-{i}",
                   name_zh="仪器", inner_id=f"{lab.code}-{i}", category=category, region_id=lab.institution.region_id,
                   original_value=600_000 + 1000 * i)
        for lab in labs for i in range(per_lab)
    ]  # fmt: skip
    Instrument.objects.bulk_create(made)
    start = dt.datetime(YEAR, 1, 1, tzinfo=TZ)
    year = (dt.datetime(YEAR + 1, 1, 1, tzinfo=TZ) - start).total_seconds()
    session_rows, booking_rows, gap_rows, event_rows = io.StringIO(), io.StringIO(), io.StringIO(), io.StringIO()
    n_sessions = n_bookings = 0
    for instrument in made:
        slot = year / sessions
        for k in range(sessions):
            s = start + dt.timedelta(seconds=k * slot + rng.uniform(0, slot / 2))
            e = s + dt.timedelta(seconds=rng.uniform(1800, slot / 2))
            session_rows.write(f"{instrument.pk}\t{s.isoformat()}\t{e.isoformat()}\tf\n")
            n_sessions += 1
            if k % 3 == 0:
                org = rng.choice(firms).pk if rng.random() < 0.5 else instrument.institution_id
                b_start, b_end = s - dt.timedelta(minutes=15), e - dt.timedelta(minutes=rng.choice([-30, 0, 30]))
                external = "t" if org != instrument.institution_id else "f"
                booking_rows.write(f"{instrument.pk}\t{user_of[org]}\t{org}\t{external}\t{b_start.isoformat()}"
                                   f"\t{b_end.isoformat()}\t{b_end.isoformat()}\tcompleted\t\t测试\t\tuse"
                                   f"\t{b_start.isoformat()}\tt\t\tf\n")  # fmt: skip
                n_bookings += 1
        for _gap in range(4):
            g = start + dt.timedelta(days=rng.uniform(0, 360))
            gap_rows.write(f"{instrument.pk}\t{g.isoformat()}\t{(g + dt.timedelta(hours=3)).isoformat()}\n")
        for seq, ts in ((2 * instrument.pk, start), (2 * instrument.pk + 1, start + dt.timedelta(seconds=year - 1))):
            event_rows.write(f"1\t{seq}\t{instrument.pk}\t{ts.isoformat()}\tidle\t{ts.isoformat()}\n")
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor
        for table, columns, rows in (
            ("telemetry_usagesession", "instrument_id, start, \"end\", is_open", session_rows),
            ("booking_reservation", "instrument_id, requester_id, organization_id, is_external, start, \"end\", "
             "blocked_until, status, status_reason, purpose, sample_description, service_way, created_at, "
             "usage_verified, cost_centre, cancelled_late", booking_rows),
            ("telemetry_reportinggap", "instrument_id, start, \"end\"", gap_rows),
            ("telemetry_event", "gateway_id, seq, instrument_id, ts, state, received_at", event_rows),
        ):  # fmt: skip
            rows.seek(0)
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                while chunk := rows.read(1 << 20):
                    copy.write(chunk)
        cursor.execute("ANALYZE")
    return {"instruments": len(made), "sessions": n_sessions, "bookings": n_bookings}


# The province report as one would write it in SQL over the stored months: every in-scope
# instrument's sums, the same sums rolled up at the seven levels (GROUPING SETS; measured
# figures over measured instruments only, as the report counts them), and the distinct
# external organizations served per group.
REPORT_INSTRUMENTS = """
    CREATE TEMPORARY TABLE bench_rows ON COMMIT DROP AS
    SELECT i.id, i.lab_id, i.institution_id, i.region_id, left(i.region_id, 4) AS city,
           left(i.region_id, 2) AS province, left(i.category_id, 2) AS category, i.type,
           CASE WHEN i.original_value >= 5000000 THEN 500 WHEN i.original_value >= 2000000 THEN 200
                WHEN i.original_value >= 1000000 THEN 100 ELSE 50 END AS band,
           coalesce(sum(m.known), 0) AS known, coalesce(sum(m.unknown), 0) AS unknown,
           coalesce(sum(m.booked), 0) AS booked, coalesce(sum(m.booked_external), 0) AS booked_external,
           coalesce(sum(m.completed), 0) AS completed, coalesce(sum(m.no_show), 0) AS no_show,
           coalesce(sum(m.unverified), 0) AS unverified, sum(m.effective) AS effective,
           sum(m.external) AS external, sum(m.in_bookings) AS in_bookings, sum(m.unbooked) AS unbooked,
           sum(m.overrun) AS overrun
    FROM instruments_instrument i LEFT JOIN openness_monthlyfigure m
         ON m.instrument_id = i.id AND m.month >= %s AND m.month < %s
    WHERE i.region_id LIKE '32%%' AND i.original_value >= 500000
    GROUP BY i.id
"""
GROUPS = "GROUPING SETS ((lab_id), (institution_id), (region_id), (city), (province), (category), (band))"
REPORT_ROLLUPS = f"""
    SELECT lab_id, institution_id, region_id, city, province, category, band,
           count(*), count(*) FILTER (WHERE known > 0), sum(known), sum(unknown), sum(booked), sum(booked_external),
           sum(completed), sum(no_show), sum(unverified), sum(effective) FILTER (WHERE known > 0),
           sum(external) FILTER (WHERE known > 0), sum(in_bookings) FILTER (WHERE known > 0),
           sum(unbooked) FILTER (WHERE known > 0), sum(overrun) FILTER (WHERE known > 0),
           count(*) FILTER (WHERE known > 0 AND type = 'special')
    FROM bench_rows GROUP BY {GROUPS}
"""
# Distinct organizations: the (group keys, organization) pairs once, then counted per level
# (twice as fast here as count(DISTINCT …) over GROUPING SETS, which sorts every set).
REPORT_PAIRS = """
    CREATE TEMPORARY TABLE bench_pairs ON COMMIT DROP AS
    SELECT DISTINCT r.lab_id, r.institution_id, r.region_id, r.city, r.province, r.category, r.band,
           p.organization_id
    FROM bench_rows r JOIN (
        SELECT DISTINCT instrument_id, organization_id FROM openness_monthlyorganization
        WHERE month >= %s AND month < %s
    ) p ON p.instrument_id = r.id
    WHERE r.known > 0
"""
REPORT_ORGANIZATIONS = " UNION ALL ".join(
    f"SELECT '{key}', {key}::text, count(*) FROM (SELECT DISTINCT {key}, organization_id FROM bench_pairs) x "
    f"GROUP BY {key}"
    for key in ("lab_id", "institution_id", "region_id", "city", "province", "category", "band")
)


def _timed(run, repeat: int = 3) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        began = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - began)
    return best, result


def _measure() -> None:
    from django.db import connection, transaction

    from instruments.models import Instrument
    from openness import daily, selectors
    from openness.metrics import figures_compute, ticks
    from openness.stories import stories_load

    start, end = dt.datetime(YEAR, 1, 1, tzinfo=TZ), dt.datetime(YEAR + 1, 1, 1, tzinfo=TZ)
    everything = Instrument.objects.all()

    def province_report():
        rows = selectors.instrument_rows(instruments=everything, start=start, end=end)
        return selectors.rollups_many(rows=[row for row in rows if row.in_scope], levels=selectors.LEVELS), rows

    report, (rollups, rows) = _timed(province_report)
    one = everything.order_by("pk")[len(rows) // 2 : len(rows) // 2 + 1]
    instrument, _ = _timed(lambda: selectors.instrument_rows(instruments=one, start=start, end=end), repeat=10)
    # Each instrument's sums of the year, for the instruments of the province: what every
    # roll-up is added up from, as a person would write it.
    sql = """
        SELECT d.instrument_id, sum(d.effective), sum(d.external), sum(d.known), sum(d.unknown), sum(d.booked),
               sum(d.booked_external), sum(d.in_bookings), sum(d.unbooked), sum(d.overrun),
               sum(d.completed), sum(d.no_show), sum(d.unverified)
        FROM openness_dailyfigure d JOIN instruments_instrument i ON i.id = d.instrument_id
        WHERE d.day >= %s AND d.day < %s AND i.region_id LIKE '32%%'
        GROUP BY d.instrument_id
    """

    def baseline():
        with connection.cursor() as cursor:
            cursor.execute(sql, [start.date(), end.date()])
            return cursor.fetchall()

    hand, grouped = _timed(baseline)
    monthly_sql = sql.replace("openness_dailyfigure", "openness_monthlyfigure").replace("d.day", "d.month")

    def baseline_months():
        with connection.cursor() as cursor:
            cursor.execute(monthly_sql, [start.date(), end.date()])
            return cursor.fetchall()

    hand_months, _ = _timed(baseline_months)

    def baseline_report():
        with transaction.atomic(), connection.cursor() as cursor:
            days = [start.date(), end.date()]
            cursor.execute("SET LOCAL work_mem = '256MB'")  # sorts and hashes in memory, as tuned for reports
            cursor.execute(REPORT_INSTRUMENTS, days)
            cursor.execute("ANALYZE bench_rows")
            cursor.execute("SELECT * FROM bench_rows")
            instruments = cursor.fetchall()
            cursor.execute(REPORT_ROLLUPS)
            rollups = cursor.fetchall()
            cursor.execute(REPORT_PAIRS, days)
            cursor.execute(REPORT_ORGANIZATIONS)
            return instruments, rollups, cursor.fetchall()

    hand_report, (_, sql_rollups, _) = _timed(baseline_report)

    def from_facts():
        stories = stories_load(instruments=everything, start=start, end=end)
        return {pk: figures_compute(story=s, start=ticks(start), end=ticks(end)) for pk, s in stories.items()}

    raw, _ = _timed(from_facts, repeat=1)
    total = sum(float(r.totals.effective or 0) for r in rollups["province"])
    check = sum(row[1] for row in grouped)
    days = daily.DailyFigure.objects.count()
    print(f"{len(rows):,} instruments; {days:,} stored instrument-days; province effective hours "
          f"{total / 3.6e9:,.0f} (SQL: {float(check) / 3.6e9:,.0f})\n")  # fmt: skip
    print(f"{'run':<66}{'seconds':>10}{'ratio':>8}")
    for name, seconds in (
        ("hand-written SQL: each instrument's sums over the days (baseline)", hand),
        ("hand-written SQL: the same over the stored months", hand_months),
        ("province report: 7 roll-up levels + every instrument", report),
        ("one instrument's year", instrument),
        ("province report from the raw facts, no stored days", raw),
    ):
        print(f"{name:<66}{seconds:>10.3f}{seconds / hand:>8.2f}")
    sql_province = next(row for row in sql_rollups if row[4] is not None)
    print(
        f"\nthe same report in hand-written SQL over the stored months (roll-ups by GROUPING SETS, distinct "
        f"organizations per group, "
        f"every instrument): {hand_report:.3f} s; the report takes {report / hand_report:.2f}× that "
        f"(province effective hours in SQL: {float(sql_province[16]) / 3.6e9:,.0f})"
    )


if __name__ == "__main__":
    main()
