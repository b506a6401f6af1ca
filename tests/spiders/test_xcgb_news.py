"""The news-site spider's callbacks on saved replica pages (no network)."""

from __future__ import annotations

import asyncio
import logging

import pytest
import scrapy
from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from pipelines.article import ArticlePipeline
from replica.layouts import drift_news
from replica.model import CHANNELS, LIST_PAGE_SIZE, MAIN
from replica.site import build_site
from spiders.xcgb_news import XcgbNewsSpider
from tests.conftest import REPLICA_ARTICLES, REPLICA_END

BASE = "http://news.example/news/"


def start_urls(requests) -> list[str]:
    """The URLs of a spider's async start()."""

    async def collect() -> list[str]:
        return [request.url async for request in requests]

    return asyncio.run(collect())


def make_spider(**kwargs: str) -> XcgbNewsSpider:
    return XcgbNewsSpider.from_crawler(get_crawler(XcgbNewsSpider), base_url=BASE, **kwargs)


def response_for(site, path: str) -> HtmlResponse:
    page = site.pages[(MAIN, path)]
    return HtmlResponse(url=BASE + path.removeprefix("/news/"), body=page.body,
                        headers={"Content-Type": page.content_type})  # fmt: skip


def test_start_requests_each_base_url_home():
    spider = XcgbNewsSpider.from_crawler(
        get_crawler(XcgbNewsSpider), base_url="http://a.example/news,http://b.example/"
    )
    assert start_urls(spider.start()) == [
        "http://a.example/news/index.html",
        "http://b.example/index.html",
    ]


def test_home_follows_channels_and_the_channel_filter(site):
    home = response_for(site, "/news/index.html")
    assert [r.url for r in make_spider().parse_home(home)] == [
        BASE + f"{c}/index.html" for c in ("xczx", "jcdj", "cgzc")
    ]
    assert [r.url for r in make_spider(channels="jcdj").parse_home(home)] == [BASE + "jcdj/index.html"]


def test_list_pages_follow_articles_then_the_next_page(site):
    channel = max(
        ("xczx", "jcdj", "cgzc"), key=lambda c: sum(f"/news/{c}/" in e.path for e in site.articles("news"))
    )
    in_channel = [e for e in site.articles("news") if e.path.startswith(f"/news/{channel}/")]
    assert len(in_channel) > LIST_PAGE_SIZE, "the replica must paginate this channel"
    out = list(make_spider().parse_list(response_for(site, f"/news/{channel}/index.html")))
    articles = [
        r.url for r in out if isinstance(r, scrapy.Request) and r.callback.__name__ == "parse_article"
    ]
    pages = [r.url for r in out if isinstance(r, scrapy.Request) and r.callback.__name__ == "parse_list"]
    newest = sorted(in_channel, key=lambda e: e.published_at, reverse=True)[:LIST_PAGE_SIZE]
    assert articles == [BASE + e.path.removeprefix("/news/") for e in newest]
    assert pages == [BASE + f"{channel}/index_1.html"]


def test_last_list_page_has_no_next(site):
    lasts = [path for (host, path) in site.pages if host == MAIN and path.endswith("index_1.html")]
    out = list(make_spider().parse_list(response_for(site, lasts[0])))
    assert all(r.callback.__name__ == "parse_article" for r in out)
    assert out, "the last page still lists articles"


def test_a_list_the_selectors_miss_falls_back_to_discovery_with_a_warning(site, caplog):
    drifted = build_site(REPLICA_ARTICLES, REPLICA_END)
    drift_news(drifted)
    channel = max(CHANNELS, key=lambda c: sum(f"/news/{c}/" in e.path for e in drifted.articles("news")))
    spider = make_spider()
    with caplog.at_level(logging.WARNING):
        out = list(spider.parse_list(response_for(drifted, f"/news/{channel}/index.html")))
    articles = [r.url for r in out if r.meta.get("harvest_article")]
    pages = [r for r in out if not r.meta.get("harvest_article")]
    newest = sorted(
        (e for e in drifted.articles("news") if e.path.startswith(f"/news/{channel}/")),
        key=lambda e: e.published_at, reverse=True,
    )[:LIST_PAGE_SIZE]  # fmt: skip
    assert articles == [BASE + e.path.removeprefix("/news/") for e in newest]
    assert [(r.url, r.callback.__name__, r.meta["harvest_step"]) for r in pages] == [
        (BASE + f"{channel}/index_1.html", "parse_list", True)
    ]
    assert f"No article links match 'ul.list li a' on {BASE}{channel}/index.html" in caplog.text
    counted = spider.crawler.stats.get_stats()
    assert (counted["harvest/profile/list_fallback"], counted["harvest/profile/miss"]) == (1, 1)


def test_a_page_the_profile_misses_goes_to_layout_detection_a_recheck_keeps_the_stored_text(site):
    drifted = build_site(REPLICA_ARTICLES, REPLICA_END)
    drift_news(drifted)
    entry = drifted.articles("news")[3]
    spider = make_spider()
    chain = ArticlePipeline.from_crawler(spider.crawler)  # where the profile is checked, on its one parse
    [raw] = spider.parse_article(response_for(drifted, entry.path))
    assert (raw["profile"], raw["recheck"]) == ("news_cms", False)  # handed on raw, with the layout
    assert chain.process_item(raw)["profile"] == "generic"  # missed: crawler.extract picks the layout
    [raw] = spider.parse_article(response_for(site, entry.path))
    assert chain.process_item(raw)["profile"] == "news_cms"
    recheck = response_for(drifted, entry.path)
    recheck.request = scrapy.Request(recheck.url, meta={"harvest_recheck": True})
    [raw] = spider.parse_article(recheck)
    with pytest.raises(DropItem, match="layout changed"):
        chain.process_item(raw)
    stats = spider.crawler.stats
    assert [stats.get_value(f"harvest/profile/{k}") for k in ("hit", "miss", "recheck_kept")] == [1, 2, 1]
