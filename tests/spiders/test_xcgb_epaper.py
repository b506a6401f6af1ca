"""The e-paper spider's callbacks on saved replica pages (no network)."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
import scrapy
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.items import Article
from replica.model import MAIN
from spiders.xcgb_epaper import XcgbEpaperSpider

BASE = "http://epaper.example/epaper/"


def start_urls(requests) -> list[str]:
    """The URLs of a spider's async start()."""

    async def collect() -> list[str]:
        return [request.url async for request in requests]

    return asyncio.run(collect())


def make_spider(**kwargs: str) -> XcgbEpaperSpider:
    crawler = get_crawler(XcgbEpaperSpider)
    return XcgbEpaperSpider.from_crawler(crawler, base_url=BASE, **kwargs)


def response_for(site, path: str) -> HtmlResponse:
    page = site.pages[(MAIN, path)]
    url = BASE + path.removeprefix("/epaper/")
    return HtmlResponse(
        url=url, body=page.body, headers={"Content-Type": page.content_type}, status=page.status
    )


def test_start_walks_every_day_from_until_back_to_since():
    spider = make_spider(since="2026-11-20", until="2026-11-27")
    urls = start_urls(spider.start())
    assert urls[0] == BASE + "pc/layout/202611/27/node_1.html"
    assert urls[-1] == BASE + "pc/layout/202611/20/node_1.html"
    assert len(urls) == 8


def test_default_window_is_the_last_30_days():
    spider = make_spider(until="2026-11-27")
    urls = start_urls(spider.start())
    assert len(urls) == 30
    assert urls[-1].endswith("pc/layout/202610/29/node_1.html")


def test_since_after_until_is_refused():
    with pytest.raises(ValueError, match="after until"):
        make_spider(since="2026-12-01", until="2026-11-27")


def test_layout_page_follows_pages_and_articles(site):
    day = site.issue_days[0]
    path = f"/epaper/pc/layout/{day:%Y%m}/{day:%d}/node_1.html"
    out = list(make_spider().parse_page(response_for(site, path), issue_date=day))
    requests = [r for r in out if isinstance(r, scrapy.Request)]
    pages = [r.url for r in requests if "/layout/" in r.url]
    articles = [r for r in requests if "/con/" in r.url]
    assert pages == [BASE + f"pc/layout/{day:%Y%m}/{day:%d}/node_{n}.html" for n in range(1, 5)]
    expected = [e.path.removeprefix("/epaper/") for e in site.manifest if e.site == "epaper"
                and e.edition.startswith("第01版") and f"/{day:%Y%m}/{day:%d}/" in e.path]  # fmt: skip
    assert [r.url.removeprefix(BASE) for r in articles] == expected
    assert {r.cb_kwargs["edition"] for r in articles} == {"第01版：要闻"}


def test_day_without_issue_is_counted_not_followed(site):
    spider = make_spider()
    response = HtmlResponse(url=BASE + "pc/layout/202611/26/node_1.html", body=b"not found", status=404)
    assert list(spider.parse_page(response, issue_date=date(2026, 11, 26))) == []
    assert spider.crawler.stats.get_value("harvest/epaper/no_issue") == 1


def test_article_page_is_handed_on_raw(site):
    entry = next(e for e in site.manifest if e.site == "epaper")
    response = response_for(site, entry.path)
    [item] = list(make_spider().parse_article(response, issue_date=date(2026, 11, 27), edition=entry.edition))
    assert isinstance(item, Article)
    assert item["raw_body"] == site.pages[(MAIN, entry.path)].body
    assert item["raw_headers"]["Content-Type"] == "text/html; charset=utf-8"
    assert item["edition"] == entry.edition
    assert item["profile"] == "founder_epaper"
    assert item["canonical_url"] == response.url
    assert "title" not in item  # spiders do not extract or clean text


def test_resume_walks_back_only_to_the_newest_issue_found():
    spider = make_spider(until="2026-11-27")
    spider.resume('{"base_url": "' + BASE + '", "issue": "2026-11-20"}')
    assert len(start_urls(spider.start())) == 8
    assert spider.bookmark() == '{"base_url": "' + BASE + '", "issue": "2026-11-20"}'


def test_resume_is_ignored_with_an_explicit_since_or_another_site():
    pinned = make_spider(since="2026-11-01", until="2026-11-27")
    pinned.resume('{"base_url": "' + BASE + '", "issue": "2026-11-20"}')
    other = make_spider(until="2026-11-27")
    other.resume('{"base_url": "http://elsewhere/", "issue": "2026-11-20"}')
    assert (pinned.since, other.since) == (date(2026, 11, 1), date(2026, 10, 29))


def test_days_are_walked_newest_first_as_one_walk(site):
    requests = []

    async def collect():
        requests.extend([r async for r in make_spider(since="2026-11-25", until="2026-11-27").start()])

    asyncio.run(collect())
    assert [r.priority for r in requests] == [0, -1, -2]
    assert [r.meta["harvest_step"] for r in requests] == [False, True, True]
    assert {r.meta["harvest_walk"] for r in requests} == {f"epaper:{BASE}"}
