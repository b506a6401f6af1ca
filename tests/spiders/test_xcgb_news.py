"""The news-site spider's callbacks on saved replica pages (no network)."""

from __future__ import annotations

import asyncio

import scrapy
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from replica.site import LIST_PAGE_SIZE, MAIN
from spiders.xcgb_news import XcgbNewsSpider

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
