"""乡村干部报 e-paper (Founder layout): issue days -> pages (版) -> articles.

Without `since`, a run resumes from the newest issue day a clean run found, so a scheduled
harvest walks only the days since; the first run walks the last HARVEST_EPAPER_DAYS days.
"""

from __future__ import annotations

import json
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
        self.since_given = since is not None
        self.resumed_from: date | None = None
        self.newest_issue: date | None = None  # the newest day that had an issue, this run
        if self.since and self.since > self.until:
            raise ValueError(f"since {self.since} is after until {self.until}")

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> XcgbEpaperSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        if spider.since is None:
            days = crawler.settings.getint("HARVEST_EPAPER_DAYS", 30)
            spider.since = spider.until - timedelta(days=days - 1)
        return spider

    def arguments(self) -> dict[str, str]:
        return {**super().arguments(), "since": str(self.since), "until": str(self.until)}

    def bookmark(self) -> str | None:
        """The newest issue day found (after a clean run, every issue up to it is complete)."""
        day = max(filter(None, (self.newest_issue, self.resumed_from)), default=None)
        if day is None:
            return None
        return json.dumps({"base_url": ",".join(self.base_urls), "issue": day.isoformat()})

    def resume(self, bookmark: str) -> None:
        """Walk back only to that issue day (again: the issue may have grown since)."""
        saved = json.loads(bookmark)
        if self.since_given or saved.get("base_url") != ",".join(self.base_urls):
            return
        day = date.fromisoformat(saved["issue"])
        if day <= self.until:
            self.since = self.resumed_from = day
            self.logger.info("Resuming the e-paper walk at %s, the newest issue a clean run found", day)

    def issue_days(self) -> Iterator[date]:
        """Every day from until back to since: the paper's schedule is not assumed."""
        assert self.since is not None
        day = self.until
        while day >= self.since:
            yield day
            day -= timedelta(days=1)

    async def start(self) -> AsyncIterator[Any]:
        for base in self.base_urls:
            for n, day in enumerate(self.issue_days()):
                # Newest day first (LIFO queue): a walk stopped on known days skips the older ones.
                yield scrapy.Request(
                    base + self.first_page.format(day=day),
                    callback=self.parse_page,
                    cb_kwargs={"issue_date": day},
                    priority=-n,
                    meta={
                        "handle_httpstatus_list": [404],
                        "harvest_list": True,
                        "harvest_walk": f"epaper:{base}",
                        "harvest_step": n > 0,
                    },
                )

    def parse_page(self, response: Response, issue_date: date) -> Iterator[Any]:
        """One page (版) of an issue: follow the other pages and this page's articles."""
        if response.status == 404:
            self.crawler.stats.inc_value("harvest/epaper/no_issue")
            self.logger.debug("No issue on %s (%s)", issue_date, response.url)
            return
        self.crawler.stats.inc_value("harvest/epaper/pages")
        self.newest_issue = max(filter(None, (self.newest_issue, issue_date)))
        edition = ""
        walk = self.walk_of(response)
        for link in response.css(self.page_links):
            label = " ".join(link.css("::text").get("").split())
            if response.urljoin(link.attrib.get("href", "")) == response.url:
                edition = label
            yield response.follow(
                link,
                callback=self.parse_page,
                cb_kwargs={"issue_date": issue_date},
                meta={"handle_httpstatus_list": [404], "harvest_list": True, "harvest_walk": walk},
            )
        for link in response.css(self.article_links):
            yield self.follow_article(response, link, issue_date=issue_date, edition=edition)

    def recheck_request(self, url: str, published_at: datetime | None, edition: str | None) -> scrapy.Request:
        request = super().recheck_request(url, published_at, edition)
        issue = published_at.astimezone(CHINA).date() if published_at else self.until
        request.cb_kwargs.update(issue_date=issue, edition=edition or "")
        return request

    def parse_article(self, response: Response, issue_date: date, edition: str) -> Iterator[Any]:
        yield from super().parse_article(response, issue_date=issue_date, edition=edition or None)
