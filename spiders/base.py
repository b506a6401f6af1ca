"""What every harvesting spider shares: base URLs, how requests are marked, handing a page on.

Requests carry `harvest_*` meta keys that the incremental components act on
(crawler/middlewares/): `harvest_article` (an article page: skipped when already stored),
`harvest_list` (a list page: fetched conditionally, counted towards stopping its walk),
`harvest_walk` (the walk a list page belongs to: a channel's pagination, the e-paper's days)
and `harvest_step` (a request that carries the walk further: next page, older issue day).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy.http import Response, TextResponse

from crawler.extract.profiles import PROFILES
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

    # --- requests -------------------------------------------------------------------------

    def follow_article(self, response: Response, link: Any, **cb_kwargs: Any) -> scrapy.Request:
        """A request for an article page linked from `response`."""
        return response.follow(
            link, callback=self.parse_article, cb_kwargs=cb_kwargs, meta={"harvest_article": True}
        )

    def recheck_request(self, url: str, published_at: datetime | None, edition: str | None) -> scrapy.Request:
        """A request re-fetching a stored article (the incremental middleware asks for these)."""
        return scrapy.Request(
            url, callback=self.parse_article, meta={"harvest_article": True, "harvest_recheck": True}
        )

    @staticmethod
    def walk_of(response: Response) -> str:
        """The walk a list response belongs to (its own URL when it starts one)."""
        meta = response.request.meta if response.request is not None else {}
        return meta.get("harvest_walk") or canonical_url(response.url)

    # --- what a run remembers ---------------------------------------------------------------

    def arguments(self) -> dict[str, str]:
        """The spider's effective arguments, recorded with each run."""
        return {"base_url": ",".join(self.base_urls)}

    def bookmark(self) -> str | None:
        """Where the next run may resume, saved after a clean run (None: nothing to resume)."""
        return None

    def resume(self, bookmark: str) -> None:
        """Apply the bookmark of the last clean run before start() is read."""

    # --- handing pages on -----------------------------------------------------------------

    def parse_article(self, response: Response, **fields: Any) -> Any:
        profile = self.layout_of(response)
        meta = response.request.meta if response.request is not None else {}
        if profile is None and self.profile and meta.get("harvest_recheck"):
            # A stored article whose layout changed: keep the stored text, not a weaker reading.
            self.crawler.stats.inc_value("harvest/profile/recheck_kept")
            return
        yield self.article_item(response, profile=profile, **fields)

    def layout_of(self, response: Response) -> str | None:
        """The spider's profile if its title and body selectors match the page, else None.

        Counted as `harvest/profile/hit` / `miss` (the run's selector health); a page that misses
        goes to the generic extractor instead of being refused by a profile that no longer fits.
        """
        if not self.profile:
            return None
        if self.too_big_to_parse(response):
            return self.profile  # the extract stage refuses it unparsed (crawler.extract.limits)
        layout = PROFILES[self.profile]
        if isinstance(response, TextResponse) and response.css(layout.title) and response.css(layout.body):
            self.crawler.stats.inc_value("harvest/profile/hit")
            return self.profile
        self.crawler.stats.inc_value("harvest/profile/miss")
        self.logger.debug("The %s selectors do not match %s", self.profile, response.url)
        return None

    def too_big_to_parse(self, response: Response) -> bool:
        """A page over HARVEST_EXTRACT_MAX_BYTES: never parsed here (it is refused as too large)."""
        limit = self.crawler.settings.getint("HARVEST_EXTRACT_MAX_BYTES")
        return bool(limit) and len(response.body) > limit

    def article_item(self, response: Response, profile: str | None = None, **fields: Any) -> Article:
        """The raw article item of a fetched page, with the provenance the stages need."""
        return Article(
            url=response.url,
            canonical_url=canonical_url(response.url),
            site=site_of(response.url),
            spider=self.name,
            profile=profile,
            fetched_at=datetime.now(UTC),
            raw_body=response.body,
            raw_headers={
                k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()
            },
            status=response.status,
            flags=[],
            **fields,
        )
