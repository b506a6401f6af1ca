"""乡村干部报网 news site (and mirrors keeping its CMS): channels -> paginated lists -> articles.

Each channel's pagination is one walk: it stops early once pages offer only stored articles.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.urls import canonical_url
from spiders.base import HarvestSpider


class XcgbNewsSpider(HarvestSpider):
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

    def parse_list(self, response: Response) -> Iterator[Any]:
        """A channel list page: its articles, then the next page."""
        self.crawler.stats.inc_value("harvest/news/list_pages")
        for link in response.css(self.article_links):
            yield self.follow_article(response, link)
        walk = self.walk_of(response)
        for link in response.css(self.next_page):
            yield response.follow(
                link,
                callback=self.parse_list,
                meta={"harvest_list": True, "harvest_walk": walk, "harvest_step": True},
            )
