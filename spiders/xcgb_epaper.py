"""乡村干部报 e-paper (Founder layout): issue days -> pages (版) -> articles."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime, timedelta
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.text.dates import CHINA
from spiders.base import HarvestSpider


class XcgbEpaperSpider(HarvestSpider):
    name = "xcgb_epaper"
    default_base_url = "http://epaper.dxscg.com.cn/"
    profile = "founder_epaper"

    # Selectors of the Founder layout, declared once.
    page_links = "div.Chunkiconlist p a"
    article_links = "div.newslist ul li h3 a"
    first_page = "pc/layout/{day:%Y%m}/{day:%d}/node_1.html"

    def __init__(self, *args: Any, since: str | None = None, until: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.until = date.fromisoformat(until) if until else datetime.now(CHINA).date()
        self.since = date.fromisoformat(since) if since else None
        if self.since and self.since > self.until:
            raise ValueError(f"since {self.since} is after until {self.until}")

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> XcgbEpaperSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        if spider.since is None:
            days = crawler.settings.getint("HARVEST_EPAPER_DAYS", 30)
            spider.since = spider.until - timedelta(days=days - 1)
        return spider

    def issue_days(self) -> Iterator[date]:
        """Every day from until back to since: the paper's schedule is not assumed."""
        assert self.since is not None
        day = self.until
        while day >= self.since:
            yield day
            day -= timedelta(days=1)

    async def start(self) -> AsyncIterator[Any]:
        for base in self.base_urls:
            for day in self.issue_days():
                yield scrapy.Request(
                    base + self.first_page.format(day=day),
                    callback=self.parse_page,
                    cb_kwargs={"issue_date": day},
                    meta={"handle_httpstatus_list": [404]},
                )

    def parse_page(self, response: Response, issue_date: date) -> Iterator[Any]:
        """One page (版) of an issue: follow the other pages and this page's articles."""
        if response.status == 404:
            self.crawler.stats.inc_value("harvest/epaper/no_issue")
            self.logger.debug("No issue on %s (%s)", issue_date, response.url)
            return
        self.crawler.stats.inc_value("harvest/epaper/pages")
        edition = ""
        for link in response.css(self.page_links):
            label = " ".join(link.css("::text").get("").split())
            if response.urljoin(link.attrib.get("href", "")) == response.url:
                edition = label
            yield response.follow(
                link,
                callback=self.parse_page,
                cb_kwargs={"issue_date": issue_date},
                meta={"handle_httpstatus_list": [404]},
            )
        for link in response.css(self.article_links):
            yield response.follow(
                link, callback=self.parse_article, cb_kwargs={"issue_date": issue_date, "edition": edition}
            )

    def parse_article(self, response: Response, issue_date: date, edition: str) -> Iterator[Any]:
        yield self.article_item(response, issue_date=issue_date, edition=edition or None)
