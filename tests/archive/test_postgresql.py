"""The archive on PostgreSQL: a real crawl into it and every query command, the same search
results as SQLite on the same data, and concurrent writers that never duplicate an article.

Needs a server: HARVEST_TEST_POSTGRES_URL (see tests/conftest.py); skipped without one.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, func, select, text

from crawler.db import Article, ArticleUrl, make_engine
from crawler.db.copy import copy_archive
from crawler.db.engine import write_retrying
from crawler.db.query import parse
from crawler.db.search import ArticleFilter, postgresql, search
from crawler.db.search.lookup import index_expression
from crawler.db.search.postgresql import search_doc
from crawler.db.store import write_batch
from tests.archive.conftest import stored_articles
from tests.conftest import run_scrapy
from tests.test_crawl import crawl_all

QUERIES = [
    "乡村",
    "乡村振兴",
    "茶",
    "油茶",
    "党建",
    "积分超市",
    "代办员",
    "产业 增收",
    "贵州",
    "党",
    "5G",
    "zzz无此词",
]


def scrapy_on(url: str, *args: str) -> str:
    """What a command printed (its output and its messages)."""
    result = run_scrapy(*args, "-s", f"HARVEST_DB_URL={url}")
    return result.stdout + result.stderr


def test_the_replica_crawled_into_postgresql_is_searched_shown_and_exported(
    postgres_url, replica_server, archive_file, tmp_path
):
    crawl_all(replica_server, postgres_url)
    on_pg = {a.canonical_url: a for a in stored_articles(postgres_url)}
    on_sqlite = {a.canonical_url: a for a in stored_articles(f"sqlite:///{archive_file}")}
    assert set(on_pg) == set(on_sqlite)
    assert {k: (a.title, a.body, a.published_at) for k, a in on_pg.items()} == {
        k: (a.title, a.body, a.published_at) for k, a in on_sqlite.items()
    }

    found = scrapy_on(postgres_url, "search", "乡村振兴", "--limit", "5")
    assert "【乡村振兴】" in found
    first_id = int(found.split("[", 1)[1].split("]", 1)[0])
    shown = scrapy_on(postgres_url, "show", str(first_id))
    assert on_pg[next(k for k, a in on_pg.items() if a.id == first_id)].title in shown
    out = tmp_path / "pg.jsonl"
    assert f"Exported {len(on_pg)} articles" in scrapy_on(
        postgres_url, "export", "--format", "jsonl", "-o", str(out)
    )
    assert {json.loads(line)["canonical_url"] for line in out.read_text().splitlines()} == set(on_pg)
    stats = json.loads(scrapy_on(postgres_url, "stats", "--format", "json"))
    assert stats["articles"] == len(on_pg)
    assert [run["spider"] for run in stats["last_runs"]] == ["xcgb_news", "xcgb_epaper"]
    assert "revision" in scrapy_on(postgres_url, "db", "current")


def test_search_finds_the_same_articles_on_postgresql_as_on_sqlite(postgres_url, archive_file):
    sqlite = create_engine(f"sqlite:///{archive_file}")
    postgres = make_engine(postgres_url)
    copy_archive(sqlite, postgres)
    filters = [None, ArticleFilter(region="贵州"), ArticleFilter(source="融媒体"),
               ArticleFilter(since=datetime(2026, 11, 21, tzinfo=UTC))]  # fmt: skip
    with sqlite.connect() as lite, postgres.connect() as pg:
        for query in QUERIES:
            for where in filters:
                expected = {(h.cluster_id, h.copies) for h in search(lite, query, where, limit=1000)}
                got = {(h.cluster_id, h.copies) for h in search(pg, query, where, limit=1000)}
                assert got == expected, (query, where)
        assert search(pg, "乡村振兴", limit=1000)  # not vacuous
    sqlite.dispose()
    postgres.dispose()


@pytest.mark.parametrize(
    ("query", "wanted"),
    [
        ("乡村振兴", "('乡村':AC <-> '村振':AC <-> '振兴':AC)"),
        ("茶", "'茶':BD"),
        ("5G网络 茶", "('5g':AC <-> '网络':AC) & '茶':BD"),
        ("it's", "('it':AC) & ('s':AC)"),
    ],
)
def test_a_query_becomes_a_tsquery_of_the_same_terms(query, wanted):
    assert index_expression(parse(query), postgresql) == wanted


def test_a_search_document_keeps_title_and_body_apart():
    assert search_doc("乡村", None, "振兴") == "'乡村':1A '振兴':3C '乡':1B,2D '村':1B,2D '振':2D '兴':2D"


def _writer(url: str, seed: int) -> None:
    engine = make_engine(url)
    rows = [_article(n) for n in range(40)]
    order = rows[seed::2] + rows[: seed or None : 2] if seed else rows  # overlapping, different orders
    for start in range(0, len(order), 8):
        batch = [(None, row) for row in order[start : start + 8]]
        write_retrying(engine, lambda batch=batch: write_batch(engine, batch), "the batch")
    engine.dispose()


def _article(n: int) -> dict:
    url = f"http://www.example.cn/xczx/202611/t20261127_{n}.html"
    now = datetime(2026, 11, 27, tzinfo=UTC)
    return {"canonical_url": url, "url": url, "site": "www.example.cn", "spider": "test",
            "title": f"第{n}篇 乡村振兴", "body": f"正文{n}。" * (n + 1), "regions": [], "flags": [],
            "fetched_at": now, "first_seen_at": now}  # fmt: skip


def test_concurrent_writers_never_duplicate_an_article(postgres_url):
    """Four writers, each with its own engine and connections, racing on the same 40 articles."""
    make_engine(postgres_url).dispose()
    with ThreadPoolExecutor(4) as pool:  # psycopg waits on the server outside the GIL: the writes race
        for done in [pool.submit(_writer, postgres_url, seed) for seed in (0, 1, 0, 1)]:
            done.result(120)
    engine = create_engine(postgres_url)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Article)) == 40
        assert conn.scalar(select(func.count(func.distinct(Article.canonical_url)))) == 40
        assert conn.scalar(select(func.count()).select_from(ArticleUrl)) == 40
        assert conn.scalar(text("SELECT count(*) FROM article_search")) == 40
    engine.dispose()
