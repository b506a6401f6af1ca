"""Bounds that keep a crawl finite on a hostile site: offsite redirects, far dates, endless lists.

- `SiteBoundMiddleware` (downloader): a request for a host that is none of the spider's
  `base_url` hosts (a redirect to another site, a link out) is refused as `offsite`.
- `CrawlBoundsMiddleware` (spider):
  - a link whose URL carries a date outside the spider's `since`..`until` (± one day), or for
    spiders without those, after tomorrow or before HARVEST_EARLIEST_DATE, is refused as
    `date_bound` (e-paper calendars that link a day in 2099 or 1926, and so on forever);
  - once HARVEST_TRAP_PAGES list pages of a walk in a row offered only articles already seen
    in this run, the walk's next pages are not followed (`pagination_trap`): a list that
    paginates forever with new URLs repeating old content ends there.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from crawler.harvest.faults import FaultLedger, Refused
from crawler.text.dates import CHINA, date_from_url
from crawler.urls import canonical_url

logger = logging.getLogger(__name__)

DATE_SLACK = timedelta(days=1)


def spider_hosts(spider: Any) -> set[str]:
    """The host names a spider harvests: those of its base URLs and its allowed_domains."""
    hosts = {urlsplit(url).hostname or "" for url in getattr(spider, "base_urls", ())}
    hosts.update(getattr(spider, "allowed_domains", None) or ())
    return {host.lower() for host in hosts if host}


class SiteBoundMiddleware:
    """Downloader middleware: refuse requests for hosts the spider does not harvest."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.hosts: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Any) -> SiteBoundMiddleware:
        if not crawler.settings.getbool("HARVEST_OFFSITE_ENABLED"):
            raise NotConfigured("HARVEST_OFFSITE_ENABLED is off")
        middleware = cls(crawler)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware

    def spider_opened(self, spider: Any) -> None:
        self.hosts = spider_hosts(spider)

    def process_request(self, request: Request) -> None:
        host = (urlsplit(request.url).hostname or "").lower()
        if not self.hosts or host in self.hosts or any(host.endswith("." + h) for h in self.hosts):
            return
        came_from = (request.meta.get("redirect_urls") or [None])[0]
        where = f"redirected from {came_from}" if came_from else "linked"
        raise Refused(
            "offsite", f"{where} to {request.url}, off the harvested sites ({', '.join(sorted(self.hosts))})"
        )


class CrawlBoundsMiddleware:
    """Spider middleware: refuse links to far dates; stop walks that only repeat themselves."""

    def __init__(self, crawler: Any, ledger: FaultLedger, trap_pages: int, earliest: date) -> None:
        self.crawler = crawler
        self.ledger = ledger
        self.trap_pages = trap_pages  # 0: never stop a walk
        self.earliest = earliest
        self.seen: set[int] = set()  # hashes of the article URLs offered so far in this run
        self.streaks: dict[str, int] = {}
        self.trapped: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Any) -> CrawlBoundsMiddleware:
        settings = crawler.settings
        if not settings.getbool("HARVEST_BOUNDS_ENABLED"):
            raise NotConfigured("HARVEST_BOUNDS_ENABLED is off")
        ledger = crawler.get_extension(FaultLedger)
        if ledger is None:
            raise NotConfigured("the fault ledger (HARVEST_ERRORS_ENABLED) is off")
        earliest = date.fromisoformat(settings.get("HARVEST_EARLIEST_DATE"))
        return cls(crawler, ledger, settings.getint("HARVEST_TRAP_PAGES"), earliest)

    def date_range(self) -> tuple[date, date]:
        """The days a link may carry: the spider's since..until, else earliest..tomorrow."""
        spider = self.crawler.spider
        since, until = getattr(spider, "since", None), getattr(spider, "until", None)
        low = since - DATE_SLACK if isinstance(since, date) else self.earliest
        high = until + DATE_SLACK if isinstance(until, date) else datetime.now(CHINA).date() + DATE_SLACK
        return low, high

    def out_of_range(self, request: Request) -> bool:
        if request.meta.get("harvest_recheck"):
            return False
        when = date_from_url(request.url)
        if when is None:
            return False
        low, high = self.date_range()
        if low <= when.date() <= high:
            return False
        self.ledger.record("date_bound", request.url, f"dated {when.date()}, outside {low}..{high}")
        return True

    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        meta = response.request.meta if response.request is not None else {}
        walk = (meta.get("harvest_walk") or canonical_url(response.url)) if meta.get("harvest_list") else None
        offered = fresh = 0
        steps: list[Request] = []
        async for output in result:
            if not isinstance(output, Request):
                yield output
                continue
            if self.out_of_range(output):
                continue
            if output.meta.get("harvest_article"):
                offered += 1
                key = hash(canonical_url(output.url))
                fresh += key not in self.seen
                self.seen.add(key)
            elif walk is not None and output.meta.get("harvest_step"):
                steps.append(output)
                continue
            yield output
        if walk is not None and self.repeats(walk, offered, fresh, response.url):
            return
        for step in steps:
            yield step

    def repeats(self, walk: str, offered: int, fresh: int, url: str) -> bool:
        """Count a list page of `walk`; True once the walk only repeats itself (stop following it)."""
        if walk in self.trapped:
            return True
        if offered and not fresh:
            self.streaks[walk] = self.streaks.get(walk, 0) + 1
        elif fresh:
            self.streaks[walk] = 0
        if self.trap_pages and self.streaks.get(walk, 0) >= self.trap_pages:
            self.trapped.add(walk)
            self.ledger.record(
                "pagination_trap", walk,
                f"{self.trap_pages} list pages in a row (the last {url}) offered only articles seen before",
            )  # fmt: skip
            return True
        return False
