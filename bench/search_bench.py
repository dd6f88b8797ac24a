"""Catalog search benchmark: 50,000 instruments, on SQLite (FTS5) and on a private
PostgreSQL server (tsvector, GIN), in process.

Each query of tests/instruments/search/queries.csv is answered as the catalog page answers
it (the catalog filters, the count and the first page of 12), with the full-text search
and, in the same process: as the baseline, the substring search it replaced (`icontains`
over ten fields); the first full-text search, which joined every match to its instrument
before ranking it (`previous_search`); and the search narrowed to one of the 50
institutions. The instruments are variations of the test catalog's records; the index is
vacuumed after loading, as `manage.py search_reindex` does. Prints p50/p95 per database,
their ratio to the baseline, the indexing rate and the precision@5 of the test queries
when the whole catalog is searched.

    .venv/bin/python -m bench.search_bench [--instruments 50000] [--rounds 3] [--db sqlite|postgres|both]
"""

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent / "tests" / "instruments" / "search"
PAGE_SIZE = 12
# Ways NRII records vary a name around the same instrument.
PREFIXES = ["", "全自动", "高分辨", "台式", "多功能", "便携式", "高通量", "智能", "科研级", "超高分辨"]
RUNS = {
    "baseline": "baseline (icontains)",
    "previous": "full-text, ranked after joining",
    "search": "full-text search",
    "institution": "full-text search, one institution",
}
BASELINE_FIELDS = ("name_zh", "name_en", "inner_id", "code", "model", "manufacturer", "function", "technical",
                   "service_content", "subject")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instruments", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    if args.db == "both":
        # Django's settings are read once per process: one process per database.
        for db in ("sqlite", "postgres"):
            command = [sys.executable, "-m", "bench.search_bench", "--db", db]
            subprocess.run([*command, "--instruments", str(args.instruments), "--rounds", str(args.rounds)], check=True)
        return
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
    os.environ["DEBUG"] = "0"  # DEBUG would log every query
    server = None
    with tempfile.TemporaryDirectory(prefix="search-bench-") as directory:
        os.environ["DATA_DIR"] = directory
        if args.db == "postgres":
            from tests.servers import PostgresServer

            server = PostgresServer().start()
            os.environ["DATABASE_URL"] = server.database_url("postgres")
        else:
            os.environ.pop("DATABASE_URL", None)
        try:
            _run(args)
        finally:
            if server is not None:
                server.stop()


def _run(args) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    seeded, indexed_s = _seed(args.instruments)
    queries = _queries()
    print(f"\n{connection.vendor}: {seeded} instruments, indexed in {indexed_s:.0f} s ({seeded / indexed_s:.0f}/s); "
          f"{len(queries)} queries × {args.rounds} rounds, catalog page 1")  # fmt: skip
    _catalog_page("warm-up", "search")  # loads jieba's dictionary once, as a server does
    runs = _latencies(queries, args.rounds)
    for how, label in RUNS.items():
        times = runs[how]
        print(f"  {label:36} p50 {_ms(times, 0.5):7.1f} ms   p95 {_ms(times, 0.95):7.1f} ms   "
              f"max {max(times) * 1000:7.1f} ms")  # fmt: skip
    base, new = runs["baseline"], runs["search"]
    print(f"  full-text ÷ baseline:  p50 {_ms(new, 0.5) / _ms(base, 0.5):6.2f}×       "
          f"p95 {_ms(new, 0.95) / _ms(base, 0.95):6.2f}×")  # fmt: skip
    print(f"  precision@5 of the test queries (results that are variations of wanted ones): {_precision(queries):.3f}")


def _seed(count: int) -> tuple[int, float]:
    from accounts.models import Organization, Region
    from instruments.models import Category, Instrument, Lab
    from instruments.search.index import search_index_tidy, search_reindex

    region = Region.objects.get(code="320102")
    rows = list(csv.DictReader((HERE / "catalog.csv").open(encoding="utf-8")))
    categories = {c.code: c for c in Category.objects.all()}
    labs = []
    for n in range(50):
        org = Organization.objects.create(code=f"U{n:02d}", name_zh=f"大学{n}", kind="university", region=region)
        labs.append(Lab.objects.create(institution=org, code="lab", name_zh="分析测试中心"))
    made = []
    for n in range(count):
        row, lab = rows[n % len(rows)], labs[n % len(labs)]
        prefix = PREFIXES[(n // len(rows)) % len(PREFIXES)]
        made.append(Instrument(
            lab=lab, institution_id=lab.institution_id, code=f"b{n}", inner_id=f"{row['innerId']}-{n}",
            name_zh=prefix + row["cname"], name_en=row["ename"], category=categories[row["instrCategory"]],
            manufacturer=row["manufacturer"], model=row["instrVersion"], function=row["function"],
            service_content=row["serviceContent"], original_value=int(float(row["worth"]) * 10_000), region=region,
        ))  # fmt: skip
    Instrument.objects.bulk_create(made, batch_size=2000)
    began = time.perf_counter()
    search_reindex()  # a bulk load goes around the services, then indexes once
    search_index_tidy()
    return count, time.perf_counter() - began


def _queries() -> list[dict[str, str]]:
    with (HERE / "queries.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def baseline_search(queryset, text: str):
    """The catalog search before full-text search: every word somewhere in ten fields."""
    from django.db.models import Q

    for word in text.split()[:10]:
        match = Q()
        for field in BASELINE_FIELDS:
            match |= Q(**{f"{field}__icontains": word})
        queryset = queryset.filter(match)
    return queryset


def previous_search(queryset, text: str):
    """The first full-text search: every match joined to its instrument (and the catalog's
    lab, institutions, class and region), then ranked, then the page cut."""
    from django.db import connections
    from django.db.models import F

    from instruments.search.fields import SearchRank
    from instruments.search.query import fts5, parse, tsquery

    units = parse(text)
    if not units:
        return queryset
    render = tsquery if connections[queryset.db].vendor == "postgresql" else fts5
    for every in (True, False):
        query = render(units, every=every)
        found = (
            queryset.filter(search_index__document__matches=query)
            .annotate(search_rank=SearchRank(F("search_index__document"), query))
            .order_by("-search_rank", "pk")
        )
        if not every or len(units) == 1 or found.exists():
            break
    return found


def _catalog_page(text: str, how: str) -> int:
    from django.core.paginator import Paginator

    from instruments.filters import InstrumentFilter
    from instruments.selectors import instrument_catalog

    if how == "baseline":
        results = baseline_search(instrument_catalog(), text)
    elif how == "previous":
        # With the catalog's queryset of the time, which also joined the instrument's institution.
        results = previous_search(instrument_catalog().select_related("institution"), text)
    else:
        data = {"q": text, "institution": "U07"} if how == "institution" else {"q": text}
        results = InstrumentFilter(data, queryset=instrument_catalog()).qs
    page = Paginator(results, PAGE_SIZE).get_page(1)
    return len(list(page)) + page.paginator.count


def _latencies(queries, rounds: int) -> dict[str, list[float]]:
    """Seconds per catalog page, by run; the runs take turns query by query, so that a
    change in the machine's load falls on all of them alike."""
    times: dict[str, list[float]] = {how: [] for how in RUNS}
    for _ in range(rounds):
        for row in queries:
            for how in RUNS:
                began = time.perf_counter()
                _catalog_page(row["query"], how)
                times[how].append(time.perf_counter() - began)
    return times


def _precision(queries) -> float:
    """Share of the first five results that are variations of the expected instruments."""
    from instruments.selectors import instrument_catalog, instrument_search

    scores = []
    for row in queries:
        relevant = set(row["relevant"].split())
        top = instrument_search(instrument_catalog(), row["query"]).values_list("inner_id", flat=True)[:5]
        scores.append(sum(inner_id.rsplit("-", 1)[0] in relevant for inner_id in top) / 5)
    return statistics.mean(scores)


def _ms(times: list[float], quantile: float) -> float:
    ordered = sorted(times)
    return 1000 * ordered[min(len(ordered) - 1, int(quantile * len(ordered)))]


if __name__ == "__main__":
    main()
