"""The archive in Datasette, through Datasette's own test client: the project's plugin (loaded as an
installed entry point) answers the `search` query as `scrapy search` does, and adds labels, facets
and the charts."""

from __future__ import annotations

import asyncio

import pytest
from datasette.app import Datasette
from datasette.plugins import pm

from crawler.db import make_engine
from crawler.db.search import search

QUERIES = ["乡村 治理", "油茶", "茶", "党建 OR 电商 -光山", '"乡村 振兴"', "驻村第一书记"]


def get(path, url: str, **params):
    """GET `url` from a Datasette serving the archive, as plain `datasette FILE` would."""

    async def fetch():
        return await Datasette([str(path)]).client.get(url, params=params)

    return asyncio.run(fetch())


def test_the_plugin_is_an_installed_entry_point():
    assert "crawler.datasette_plugin" in {getattr(p, "__name__", "") for p in pm.get_plugins()}, (
        "install the project (make setup runs `pip install --no-deps -e .`)"
    )


@pytest.mark.parametrize("query", QUERIES)
def test_the_search_query_gives_the_hits_of_scrapy_search_in_its_order(written_archive, query):
    engine = make_engine(f"sqlite:///{written_archive}")
    with engine.connect() as conn:
        expected = [(h.cluster_id, h.matched_id, h.copies) for h in search(conn, query, limit=1000)]
    engine.dispose()
    assert expected, f"the replica has nothing for {query}: pick another query"
    answer = get(written_archive, "/archive/search.json", q=query, _shape="array")
    assert answer.status_code == 200
    rows = answer.json()
    assert [(r["id"], r["matched_id"], r["copies"]) for r in rows] == expected
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    assert all(r["snippet"] for r in rows)


def test_the_table_search_box_leads_to_the_search_query(written_archive):
    answer = get(written_archive, "/archive/articles", _search="乡村 治理")
    assert answer.status_code == 302
    assert answer.headers["location"] == "/archive/search?q=%E4%B9%A1%E6%9D%91+%E6%B2%BB%E7%90%86"
    page = get(written_archive, "/archive/articles").text
    assert 'name="_search"' in page, "the articles table shows a search box"


def test_a_malformed_query_is_answered_with_its_error_line(written_archive):
    answer = get(written_archive, "/archive/search.json", q='"乡村', _shape="array")
    assert answer.status_code == 400
    assert answer.json()["error"].startswith("error: unclosed quote")
    assert get(written_archive, "/archive/search.json", q="", _shape="array").json() == []


def test_labels_descriptions_and_facets_on_site_day_source_and_province(written_archive):
    table = get(written_archive, "/archive/articles.json", _size="1", _extra="facet_results").json()
    facets = table["facet_results"]
    facets = facets.get("results", facets)  # the shape of _extra output differs between versions
    assert {"site", "published_day", "source", "province"} <= set(facets)
    provinces = facets["province"]["results"]
    assert provinces and all(p["count"] >= 1 for p in provinces)
    first = provinces[0]
    narrowed = get(
        written_archive, "/archive/articles.json", _province=first["value"], _shape="array", _size="max"
    )
    narrowed = narrowed.json()
    assert len(narrowed) == first["count"]
    metadata = get(written_archive, "/-/metadata.json").json()
    columns = metadata["databases"]["archive"]["tables"]["articles"]["columns"]
    assert "China" in columns["published_day"] and "UTC" in columns["published_at"]


def test_the_charts_are_served_as_a_png_linked_from_the_database_page(written_archive):
    assert 'href="/-/charts/archive.png"' in get(written_archive, "/archive").text
    answer = get(written_archive, "/-/charts/archive.png")
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
    assert answer.content.startswith(b"\x89PNG")
