"""What every harvesting spider shares: base URLs and handing a fetched article page on."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.items import Article
from crawler.urls import canonical_url, site_of


class HarvestSpider(scrapy.Spider):
    """Navigates a site and yields each article page raw: spiders never clean text."""

    default_base_url = ""
    profile: str | None = None  # crawler.extract.profiles name of the article layout

    def __init__(self, *args: Any, base_url: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        urls = [u.strip() for u in (base_url or self.default_base_url).split(",") if u.strip()]
        if not urls:
            raise ValueError(f"{self.name}: no base_url")
        self.base_urls = [u if u.endswith("/") else u + "/" for u in urls]

    def article_item(self, response: Response, **fields: Any) -> Article:
        """The raw article item of a fetched page, with the provenance the stages need."""
        return Article(
            url=response.url,
            canonical_url=canonical_url(response.url),
            site=site_of(response.url),
            spider=self.name,
            profile=self.profile,
            fetched_at=datetime.now(UTC),
            raw_body=response.body,
            raw_headers={
                k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()
            },
            status=response.status,
            flags=[],
            **fields,
        )
