"""乡村干部报网 news site (and mirrors keeping its CMS): channels -> paginated lists -> articles.

Each channel's pagination is one walk: it stops early once pages offer only stored articles.
The selectors are class attributes (a `cms_list` source of the registry may override them).
When a list page offers no link the selectors know, the spider logs a WARNING naming the page
and falls back to generic discovery on it (spiders.site.Discovery: article-shaped links, the
next page); such pages count as `harvest/profile/list_fallback`, a fall in the run's selector health.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.urls import canonical_url, host_of
from spiders.base import HarvestSpider
from spiders.site import Discovery


class XcgbNewsSpider(Discovery, HarvestSpider):
    name = "xcgb_news"
    default_base_url = "http://www.dxscg.com.cn/"
    profile = "news_cms"

    # Selectors of the CMS, declared once.
    channel_links = "div.nav a"
    article_links = "ul.list li a"
    next_page = "div.page a.next"

    def __init__(self, *args: Any, channels: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.channels = {c.strip() for c in channels.split(",")} if channels else None
        extra = getattr(self, "allowed_domains", None) or []
        self.hosts = {host_of(u) for u in self.base_urls} | {h.lower() for h in extra}
        self.max_depth = 0  # the fallback follows a list's articles and its next page, nothing else

    def arguments(self) -> dict[str, str]:
        arguments = super().arguments()
        if self.channels:
            arguments["channels"] = ",".join(sorted(self.channels))
        return arguments

    async def start(self) -> AsyncIterator[Any]:
        for base in self.base_urls:
            yield scrapy.Request(base + "index.html", callback=self.parse_home)

    def parse_home(self, response: Response) -> Iterator[Any]:
        for link in response.css(self.channel_links):
            href = link.attrib.get("href", "")
            channel = href.rstrip("/").split("/")[-2] if href.count("/") >= 1 else href
            if self.channels is None or channel in self.channels:
                walk = canonical_url(response.urljoin(href))
                yield response.follow(
                    link, callback=self.parse_list, meta={"harvest_list": True, "harvest_walk": walk}
                )

    def parse_list(self, response: Response, depth: int = 0) -> Iterator[Any]:
        """A channel list page: its articles, then the next page."""
        self.crawler.stats.inc_value("harvest/news/list_pages")
        links = response.css(self.article_links)
        if not links:
            self.crawler.stats.inc_value("harvest/profile/miss")
            self.crawler.stats.inc_value("harvest/profile/list_fallback")
            self.logger.warning(
                "No article links match %r on %s: falling back to discovery", self.article_links, response.url
            )
            yield from self.discover(response, 0, self.parse_list)
            return
        self.crawler.stats.inc_value("harvest/profile/hit")
        for link in links:
            yield self.follow_article(response, link)
        walk = self.walk_of(response)
        for link in response.css(self.next_page):
            yield response.follow(
                link,
                callback=self.parse_list,
                meta={"harvest_list": True, "harvest_walk": walk, "harvest_step": True},
            )
