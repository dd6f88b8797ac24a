"""How well the catalog search answers real queries: recall@5 over tests/instruments/search/.

catalog.csv is a small catalog as NRII records name instruments (with distractors such as
半导体参数分析仪 and 超声扫描显微镜); queries.csv gives, for each query researchers type,
the instruments it should bring up. A query scores the share of its instruments found in
the first five results (all five places, when more than five are relevant).
"""

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from instruments.import_files import Table
from instruments.imports import import_instruments
from instruments.selectors import instrument_catalog, instrument_search
from tests import factories as f

pytestmark = pytest.mark.django_db

HERE = Path(__file__).resolve().parent / "search"
TOP = 5
REQUIRED_RECALL = 0.95


def _rows(name: str) -> list[dict[str, str]]:
    with (HERE / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def catalog() -> dict[int, str]:
    """The fixture catalog, imported like a lab's sheet; instrument id → innerId."""
    by_org: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in _rows("catalog.csv"):
        by_org[row.pop("org")].append(row)
    for code, rows in by_org.items():
        institution = f.OrganizationFactory(code=code)
        lab = f.LabFactory(institution=institution)
        table = Table(headers=list(rows[0]), rows=list(enumerate(rows, start=2)))
        report = import_instruments(institution=institution, table=table, lab=lab)
        assert report.applied and not report.problems, report.lines(skip_invalid=False)
    return dict(instrument_catalog().values_list("pk", "inner_id"))


def test_recall_at_5_of_real_queries(catalog):
    queries = _rows("queries.csv")
    assert len(queries) >= 40
    scores, misses = [], []
    for row in queries:
        relevant = set(row["relevant"].split())
        assert relevant <= set(catalog.values()), row
        top = [
            catalog[pk]
            for pk in instrument_search(instrument_catalog(), row["query"]).values_list("pk", flat=True)[:TOP]
        ]
        found = relevant & set(top)
        scores.append(len(found) / min(TOP, len(relevant)))
        if len(found) < min(TOP, len(relevant)):
            misses.append(f"{row['query']!r}: wanted {sorted(relevant - found)}, first {TOP} were {top}")
    recall = sum(scores) / len(scores)
    assert recall >= REQUIRED_RECALL, f"recall@{TOP} {recall:.3f} < {REQUIRED_RECALL}; misses:\n" + "\n".join(misses)
    print(f"recall@{TOP} {recall:.3f} over {len(queries)} queries; misses: {misses}")
