"""The incremental spider middleware on a real SQLite archive, without a crawl."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.db import make_engine
from crawler.db.state import start_run, update_run
from crawler.db.store import write_batch
from crawler.middlewares.incremental import IncrementalMiddleware, WalkStopMiddleware
from spiders.xcgb_news import XcgbNewsSpider

BASE = "http://news.example/news/"
PROJECT = {
    "HARVEST_INCREMENTAL_ENABLED": True,
    "HARVEST_STOP_AFTER_KNOWN_PAGES": 2,
    "HARVEST_RECHECK_DAYS": 3,
    "ITEM_PIPELINES": {"pipelines.storage.StoragePipeline": 900},
}


def row(url: str, published: datetime | None = None) -> dict:
    now = datetime.now(UTC)
    return {"canonical_url": url, "url": url, "site": "news.example", "spider": "xcgb_news", "title": "T",
            "body": "B", "flags": [], "fetched_at": now, "first_seen_at": now - timedelta(days=30),
            "published_at": published}  # fmt: skip


@pytest.fixture
def db_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    engine = make_engine(url)
    old = datetime.now(UTC) - timedelta(days=30)
    write_batch(engine, [(None, row(BASE + f"a{n}.html", old)) for n in range(4)])
    write_batch(engine, [(None, row(BASE + "recent.html", datetime.now(UTC) - timedelta(days=1)))])
    engine.dispose()
    return url


def middleware(db_url: str, *, previous_clean: bool | None = True, **settings):
    crawler = get_crawler(XcgbNewsSpider, {**PROJECT, "HARVEST_DB_URL": db_url, **settings})
    crawler.spider = XcgbNewsSpider.from_crawler(crawler, base_url=BASE)
    if previous_clean is not None:
        engine = make_engine(db_url)
        run = start_run(engine, spider="xcgb_news", started_at=datetime.now(UTC))
        update_run(engine, run, finish_reason="finished" if previous_clean else None, clean=previous_clean)
        engine.dispose()
    return IncrementalMiddleware.from_crawler(crawler), crawler


def list_page(url: str, walk: str, articles: list[str], step: bool = False) -> tuple[HtmlResponse, list]:
    meta = {"harvest_list": True, "harvest_walk": walk, "harvest_step": step}
    response = HtmlResponse(url=url, body=b"<html></html>", request=scrapy.Request(url, meta=meta))
    out = [scrapy.Request(BASE + a, meta={"harvest_article": True}) for a in articles]
    out.append(
        scrapy.Request(url + "?next", meta={"harvest_list": True, "harvest_walk": walk, "harvest_step": True})
    )
    return response, out


def run(mw, response, output) -> list:
    async def source():
        for o in output:
            yield o

    async def collect():
        return [o async for o in mw.process_spider_output(response, source())]

    return asyncio.run(collect())


def start(mw) -> list:
    async def nothing():
        return
        yield

    async def collect():
        return [o async for o in mw.process_start(nothing())]

    return asyncio.run(collect())


def test_stored_articles_are_not_requested(db_url):
    mw, crawler = middleware(db_url)
    response, output = list_page(
        BASE + "xczx/index.html", "w", ["a0.html", "new1.html", "a1.html", "new2.html"]
    )
    out = run(mw, response, output)
    assert [r.url for r in out if r.meta.get("harvest_article")] == [BASE + "new1.html", BASE + "new2.html"]
    assert crawler.stats.get_value("harvest/incremental/known") == 2


def test_a_walk_stops_after_enough_pages_of_known_articles(db_url):
    mw, crawler = middleware(db_url, HARVEST_STOP_AFTER_KNOWN_PAGES=2)
    start(mw)
    first = run(mw, *list_page(BASE + "x/index.html", "w", ["a0.html", "a1.html"]))
    assert any(r.meta.get("harvest_step") for r in first), "one known page is not enough"
    second = run(mw, *list_page(BASE + "x/index_1.html", "w", ["a2.html", "a3.html"], step=True))
    assert not any(r.meta.get("harvest_step") for r in second)
    assert crawler.stats.get_value("harvest/incremental/walk_stopped") == 1
    # Steps of that walk already scheduled (older e-paper days) are not sent either.
    with pytest.raises(IgnoreRequest):
        WalkStopMiddleware(crawler_with(crawler, mw)).process_request(
            scrapy.Request(BASE + "older", meta={"harvest_walk": "w", "harvest_step": True})
        )


def crawler_with(crawler, mw):
    crawler.get_spider_middleware = lambda cls: mw
    return crawler


def test_no_early_stop_after_a_run_that_did_not_finish_cleanly(db_url):
    mw, crawler = middleware(db_url, previous_clean=False, HARVEST_STOP_AFTER_KNOWN_PAGES=1)
    start(mw)
    out = run(mw, *list_page(BASE + "x/index.html", "w", ["a0.html", "a1.html"]))
    assert any(r.meta.get("harvest_step") for r in out)
    assert crawler.stats.get_value("harvest/incremental/walk_stopped") is None


def test_recent_articles_are_queued_for_a_recheck(db_url):
    mw, crawler = middleware(db_url)
    rechecks = start(mw)
    assert [r.url for r in rechecks] == [BASE + "recent.html"]
    assert rechecks[0].meta["harvest_recheck"] and rechecks[0].callback == crawler.spider.parse_article
    # …and a list page offering it again does not filter the recheck out, nor request it twice.
    out = run(mw, *list_page(BASE + "x/index.html", "w", ["recent.html"]))
    assert not [r for r in out if r.meta.get("harvest_article")]


def test_no_recheck_when_the_window_is_zero(db_url):
    mw, _ = middleware(db_url, HARVEST_RECHECK_DAYS=0)
    assert start(mw) == []
