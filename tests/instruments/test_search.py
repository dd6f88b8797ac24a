"""The catalog search: synonyms and abbreviations, ranking, and an index that follows
every write (create, edit, import, delete) on both databases."""

from pathlib import Path

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from instruments import services
from instruments.import_files import Table
from instruments.imports import import_instruments
from instruments.models import Category, Instrument
from instruments.search.dictionary import DictionaryError, load
from instruments.search.index import search_reindex
from instruments.selectors import instrument_catalog, instrument_search
from tests import factories as f

pytestmark = pytest.mark.django_db


def found(text: str) -> list[str]:
    return list(instrument_search(instrument_catalog(), text).values_list("code", flat=True))


@pytest.fixture
def lab():
    return f.LabFactory()


@pytest.fixture
def catalog(lab):
    make = f.InstrumentFactory
    return {
        "sem": make(lab=lab, code="sem", name_zh="场发射扫描电子显微镜", name_en="Field emission SEM"),
        "tem": make(lab=lab, code="tem", name_zh="透射电子显微镜", name_en="Transmission electron microscope"),
        "spa": make(lab=lab, code="spa", name_zh="半导体参数分析仪", name_en="Semiconductor parameter analyzer"),
        "coater": make(lab=lab, code="coater", name_zh="离子溅射仪", name_en="Sputter coater",
                       service_content="扫描电镜样品喷金镀膜"),
        "lcms": make(lab=lab, code="lcms", name_zh="液相色谱-质谱联用仪", name_en="LC-MS", manufacturer="Agilent"),
    }  # fmt: skip


@pytest.mark.parametrize("text", ["扫描电镜", "SEM", "sem", "ＳＥＭ", "scanning electron microscopes"])
def test_abbreviations_and_synonyms_find_the_scanning_electron_microscope(catalog, text):
    assert found(text)[0] == "sem"
    assert "spa" not in found(text)  # "SEM" is not the start of "semiconductor"


def test_electron_microscopes_come_before_a_mention_in_services(catalog):
    assert found("电镜")[:2] == ["sem", "tem"] or found("电镜")[:2] == ["tem", "sem"]
    assert found("扫描电镜")[-1] == "coater"


def test_every_word_must_match_unless_none_matches_them_all(catalog):
    assert found("Agilent 液质") == ["lcms"]
    assert found("Zeiss 液质") == ["lcms"]  # no Zeiss LC-MS: instruments matching any word instead


def test_a_query_without_words_lists_everything(catalog):
    assert len(found(" -/ ")) == len(catalog)


def test_counts_and_pages_are_exact_with_or_without_other_filters(catalog, lab):
    results = instrument_search(instrument_catalog(), "电镜")
    assert results.count() == len(list(results)) == 3  # SEM, TEM and the coater mentioning 扫描电镜
    pages = Paginator(results, 2)
    assert [i.code for i in pages.page(1)] + [i.code for i in pages.page(2)] == found("电镜")
    assert results.filter(code__in=["sem", "coater", "lcms"]).count() == 2
    assert results.exclude(code="tem").count() == 2
    assert results.filter(lab=f.LabFactory()).count() == 0
    f.InstrumentFactory(code="sem2", name_zh="台式扫描电镜")
    again = instrument_search(instrument_catalog(), "电镜")
    assert again.count() == 4
    assert again.filter(lab=lab).count() == 3


def test_a_plain_search_is_counted_from_the_index(catalog):
    results = instrument_search(instrument_catalog(), "电镜")
    with CaptureQueriesContext(connection) as queries:
        assert results.count() == 3
    assert "instruments_instrument" not in queries[0]["sql"]  # no instrument read to count them
    with CaptureQueriesContext(connection) as queries:
        assert results.filter(code__in=["sem", "tem"]).count() == 2
    assert "instruments_instrument" in queries[0]["sql"]


def test_a_search_serves_as_a_subquery_and_can_be_searched_again(catalog):
    microscopes = instrument_search(instrument_catalog(), "电镜")
    assert set(Instrument.objects.filter(pk__in=microscopes.values("pk")).values_list("code", flat=True)) == {
        "sem", "tem", "coater",
    }  # fmt: skip
    assert list(instrument_search(microscopes, "transmission").values_list("code", flat=True)) == ["tem"]
    assert list(instrument_search(microscopes, "Zeiss transmission").values_list("code", flat=True)) == ["tem"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN index exists on PostgreSQL")
def test_writes_go_straight_into_the_gin_index():
    """Without a pending list, searches after an import scan no backlog (docs/search.md)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'instruments_searchentry_document'")
        assert cursor.fetchone()[0] == ["fastupdate=off"]


def test_create_edit_and_delete_keep_the_index_current(lab):
    instrument = services.instrument_create(
        lab=lab, by=None, name_zh="核磁共振波谱仪", inner_id="N1", category=Category.objects.get(code="010600"),
        original_value=6_000_000,
    )  # fmt: skip
    assert found("NMR") == [instrument.code]

    services.instrument_update(instrument=instrument, by=None, name_zh="电子顺磁共振波谱仪")
    assert found("NMR") == []
    assert found("EPR") == [instrument.code]

    services.instrument_delete(instrument=instrument, by=None)
    assert found("EPR") == []


def test_imported_rows_are_found_and_updated_by_a_second_import(lab):
    def sheet(name: str) -> Table:
        row = {"cname": name, "innerId": "X1", "instrCategory": "010300", "worth": "150"}
        return Table(headers=list(row), rows=[(2, row)])

    import_instruments(institution=lab.institution, table=sheet("X射线衍射仪"), lab=lab)
    assert len(found("XRD")) == 1
    import_instruments(institution=lab.institution, table=sheet("X射线光电子能谱仪"), lab=lab)
    assert found("XRD") == []
    assert len(found("XPS")) == 1


def test_reindex_covers_instruments_written_around_the_services(lab):
    bulk = Instrument.objects.create(
        lab=lab, code="bulk", name_zh="流式细胞仪", inner_id="B1", category_id="011000", original_value=900_000,
        region=lab.institution.region,
    )  # fmt: skip
    assert found("流式") == []
    assert search_reindex() == 1
    assert found("流式") == [bulk.code]


def test_the_api_and_the_catalog_page_rank_alike(api, client, catalog):
    page = client.get(reverse("instruments:catalog"), {"q": "扫描电镜"}).context["page"]
    listed = [row["code"] for row in api.get("/api/v1/instruments/", {"q": "扫描电镜"}).json()["results"]]
    assert listed == [i.code for i in page] == found("扫描电镜")
    by_value = api.get("/api/v1/instruments/", {"q": "扫描电镜", "ordering": "-value"}).json()["results"]
    assert {row["code"] for row in by_value} == set(listed)  # a chosen order replaces relevance


def test_the_dictionary_refuses_a_term_in_two_concepts(tmp_path: Path):
    data = tmp_path / "terms.toml"
    data.write_text(
        '[sources]\ns = "x"\n[concepts.a]\nzh = ["电镜"]\nsources = ["s"]\n[concepts.b]\nen = ["x"]\nzh = ["电镜"]\n'
        'sources = ["s"]\n',
        encoding="utf-8",
    )
    with pytest.raises(DictionaryError, match="电镜"):
        load(data)


def test_the_shipped_dictionary_loads():
    assert len(load().concepts) >= 60
