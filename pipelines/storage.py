"""Stage 9: persist articles and their raw pages through SQLAlchemy, a batch per transaction.

A re-checked article whose cleaned text changed is counted `updated` (its old version is kept
in article_revisions); one with the same text is counted `unchanged`.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from crawler.article import facts_of, is_damaged
from crawler.db import make_engine
from crawler.db.engine import ArchiveUnavailable, write_retrying
from crawler.db.store import RawPageRecord, content_sha256, write_batch
from crawler.harvest.faults import StorageFailed
from crawler.urls import canonical_url, site_of

logger = logging.getLogger(__name__)


def article_row(article: ItemAdapter) -> dict[str, Any]:
    """The articles-table row of a processed item."""
    if not article.get("title"):
        raise DropItem("no title after cleaning")
    body = [p for p in article.get("body") or [] if p]
    if not body:
        raise DropItem("no body after cleaning")
    now = datetime.now(UTC)
    text = "\n".join(body)
    return {
        "canonical_url": article.get("canonical_url") or canonical_url(article["url"]),
        "url": article["url"],
        "site": article.get("site") or site_of(article["url"]),
        "spider": article.get("spider") or "unknown",
        "title": article["title"],
        "subtitle": article.get("subtitle") or None,
        "published_at": article.get("published_at"),
        "source": article.get("source") or None,
        "author": article.get("author") or None,
        "editor": article.get("editor") or None,
        "body": text,
        "content_sha256": content_sha256(article["title"], article.get("subtitle") or None, text),
        "edition": article.get("edition") or None,
        "regions": list(article.get("regions") or []),
        "encoding": article.get("encoding"),
        "flags": list(article.get("flags") or []),
        "damaged": is_damaged(article.get("facts") or facts_of(article.get("flags") or [])),
        "fetched_at": article.get("fetched_at") or now,
        "first_seen_at": now,
    }


def raw_record(article: ItemAdapter) -> RawPageRecord | None:
    if article.get("raw_body") is None:
        return None
    return RawPageRecord(
        url=article["url"],
        status=int(article.get("status") or 200),
        headers=dict(article.get("raw_headers") or {}),
        body=article["raw_body"],
        fetched_at=article.get("fetched_at") or datetime.now(UTC),
    )


class StoragePipeline:
    def __init__(self, db_url: str, batch_size: int, store_raw: bool, stats: Any) -> None:
        self.db_url = db_url
        self.batch_size = max(1, batch_size)
        self.store_raw = store_raw
        self.stats = stats
        self.batch: list[tuple[RawPageRecord | None, dict[str, Any]]] = []
        self.engine: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> StoragePipeline:
        settings = crawler.settings
        return cls(
            settings.get("HARVEST_DB_URL"),
            settings.getint("HARVEST_DB_BATCH_SIZE"),
            settings.getbool("HARVEST_STORE_RAW"),
            crawler.stats,
        )

    def open_spider(self) -> None:
        self.engine = make_engine(self.db_url)
        self.unavailable: ArchiveUnavailable | None = None  # set once the archive cannot be written
        self.unstored: list[str] = []  # URLs of the articles that could not be written
        logger.info("Storing articles in %s", self.engine.url.render_as_string(hide_password=True))

    def close_spider(self) -> None:
        try:
            self.flush()
        except StorageFailed:
            pass  # flush said what happened; the crawl is closing anyway
        finally:
            if self.engine is not None:  # None: open_spider failed (e.g. a schema refused)
                self.engine.dispose()
            if getattr(self, "unavailable", None) is not None:
                logger.error("%d articles were not stored because %s; the next harvest fetches them: %s",
                             len(self.unstored), self.unavailable, " ".join(self.unstored))  # fmt: skip

    def process_item(self, item: Any) -> Any:
        article = ItemAdapter(item)
        row = article_row(article)
        self.batch.append((raw_record(article) if self.store_raw else None, row))
        if len(self.batch) >= self.batch_size:
            self.flush()
        return item

    def flush(self) -> None:
        """Write the open batch in one transaction (retried while the database is locked).

        When the archive cannot be written (disk full, read-only …) the batch is dropped with
        StorageFailed, which stops the crawl; what is not stored is logged by URL and, not
        being in the archive, fetched by the next harvest.
        """
        if not self.batch or self.engine is None:
            return
        batch, self.batch = self.batch, []
        if self.unavailable is not None:  # the crawl is stopping: keep count of what is lost
            self.unstored += [row["url"] for _, row in batch]
            return
        try:
            result = write_retrying(self.engine, lambda: write_batch(self.engine, batch), "the batch")
        except ArchiveUnavailable as error:
            self.unavailable = error
            self.unstored += [row["url"] for _, row in batch]
            logger.error("Stopping the crawl: %s. This batch of %d articles was not stored: %s",
                         error, len(batch), " ".join(row["url"] for _, row in batch))  # fmt: skip
            raise StorageFailed(error.fault, str(error)) from error
        self.stats.inc_value("harvest/storage/new", result.new)
        self.stats.inc_value("harvest/storage/updated", result.updated)
        self.stats.inc_value("harvest/storage/unchanged", result.unchanged)
        self.stats.inc_value("harvest/storage/batches")
        logger.debug("Stored a batch of %d articles (%d new)", len(batch), result.new)
