"""Dropped and scraped items are logged by URL, never with their raw page bytes."""

from __future__ import annotations

from scrapy import Spider
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler.items import Article
from crawler.logformatter import HarvestLogFormatter


def render(result) -> str:
    return result["msg"] % result["args"]


def test_dropped_item_is_named_by_url_with_the_reason():
    crawler = get_crawler(Spider, {"LOG_FORMATTER": "crawler.logformatter.HarvestLogFormatter"})
    spider = Spider.from_crawler(crawler, name="t")
    item = Article(url="http://x.cn/1.html", raw_body=b"\xd6\xd0" * 5000)
    line = render(HarvestLogFormatter().dropped(item, DropItem("not an article: paywall"), None, spider))
    assert line == "Dropped http://x.cn/1.html: not an article: paywall"


def test_scraped_item_is_named_by_url():
    item = Article(url="http://x.cn/2.html", raw_body=b"x" * 10000)
    assert render(HarvestLogFormatter().scraped(item, None, None)) == "Scraped http://x.cn/2.html"
