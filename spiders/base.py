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
        """An article page, handed on raw with the spider's layout profile.

        The chain (crawler.article) checks the profile's selectors on its own parse of the page
        (`harvest/profile/hit` / `miss`): a page that misses goes to layout detection instead of
        being refused by a profile that no longer fits, and a re-checked stored article that
        misses is kept as stored (`harvest/profile/recheck_kept`).
        """
        yield self.article_item(response, **fields)

    def too_big_to_parse(self, response: Response) -> bool:
        """A page over HARVEST_EXTRACT_MAX_BYTES: never parsed by a spider (the chain refuses it)."""
        limit = self.crawler.settings.getint("HARVEST_EXTRACT_MAX_BYTES")
        return bool(limit) and len(response.body) > limit

    def article_item(self, response: Response, **fields: Any) -> Article:
        """The raw article item of a fetched page, with the provenance the chain needs."""
        meta = response.request.meta if response.request is not None else {}
        return Article(
            url=response.url,
            canonical_url=canonical_url(response.url),
            site=site_of(response.url),
            spider=self.name,
            profile=self.profile,
            recheck=bool(meta.get("harvest_recheck")),
            fetched_at=datetime.now(UTC),
            raw_body=response.body,
            raw_headers={
                k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()
            },
            status=response.status,
            flags=[],
            **fields,
        )
