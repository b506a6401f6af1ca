"""Stage 9: persist articles and their raw pages through SQLAlchemy, a batch per transaction.

The stage gathers HARVEST_DB_BATCH_SIZE rows and hands the batch to the archive's writer thread
(crawler.archive): the reactor never waits for the database. An article is counted (stats
harvest/storage/new|updated|unchanged, hence crawl_runs) only once its batch is committed. While
the writer holds HARVEST_STORE_QUEUE articles, `process_item` waits for room (back-pressure).
A re-checked article whose cleaned text changed is counted `updated` (its old version is kept
in article_revisions); one with the same text is counted `unchanged`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import DropItem
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import CancelledError, Deferred
from twisted.python.failure import Failure

from crawler.archive import Archive, archive_of
from crawler.db.engine import ArchiveUnavailable
from crawler.db.store import BatchResult, RawPageRecord, content_sha256, write_batch
from crawler.facts import facts_of, is_damaged
from crawler.harvest.faults import FaultLedger, StorageFailed
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
    writes_archive: ClassVar[bool] = True  # crawler.archive.stores_articles looks for this

    def __init__(
        self,
        archive: Archive,
        batch_size: int,
        store_raw: bool,
        stats: Any,
        drain_timeout: float,
        stop_crawl: Callable[[StorageFailed], None],
        pause_downloads: Callable[[bool], None],
    ) -> None:
        self.archive = archive
        self.batch_size = max(1, batch_size)
        self.store_raw = store_raw
        self.stats = stats
        self.drain_timeout = drain_timeout
        self.stop_crawl = stop_crawl  # FaultLedger.stop_crawl: closes the spider as storage_failed
        self.pause_downloads = pause_downloads  # True: no new request is sent; False: they are again
        self.batch: list[tuple[RawPageRecord | None, dict[str, Any]]] = []
        self.writing: dict[int, list[str]] = {}  # URLs of the batches handed to the writer, by number
        self.batches = 0
        self.behind = False  # the writer is full: downloads paused, items held (logged once per stall)
        self.unavailable: ArchiveUnavailable | None = None  # set once the archive cannot be written
        self.unstored: list[str] = []  # URLs of the articles that could not be written

    @classmethod
    def from_crawler(cls, crawler: Any) -> StoragePipeline:
        settings = crawler.settings
        ledger = crawler.get_extension(FaultLedger)
        pipeline = cls(
            archive_of(crawler),
            settings.getint("HARVEST_DB_BATCH_SIZE"),
            settings.getbool("HARVEST_STORE_RAW"),
            crawler.stats,
            settings.getfloat("HARVEST_STORE_DRAIN_TIMEOUT"),
            ledger.stop_crawl if ledger is not None else lambda failure: None,
            lambda paused: crawler.engine.pause() if paused else crawler.engine.unpause(),
        )
        crawler.signals.connect(pipeline.flush, signal=signals.spider_idle)  # idle: write what it holds
        return pipeline

    def open_spider(self) -> None:
        self.archive.open()

    async def close_spider(self) -> None:
        """Write the open batch, wait (HARVEST_STORE_DRAIN_TIMEOUT at most) for the writer to finish."""
        self.flush()
        if not await maybe_deferred_to_future(self.archive.drained(self.drain_timeout)):
            waiting = [url for urls in self.writing.values() for url in urls]
            logger.error("%d articles were not stored: the archive did not write them within %.0f s; "
                         "the next harvest fetches them: %s", len(waiting), self.drain_timeout,
                         " ".join(waiting))  # fmt: skip
            self.archive.abandon()
        if self.unavailable is not None:
            logger.error("%d articles were not stored because %s; the next harvest fetches them: %s",
                         len(self.unstored), self.unavailable, " ".join(self.unstored))  # fmt: skip

    def process_item(self, item: Any) -> Any:
        article = ItemAdapter(item)
        row = article_row(article)
        self.batch.append((raw_record(article) if self.store_raw else None, row))
        self.archive.holding = len(self.batch)
        if len(self.batch) >= self.batch_size:
            self.flush()
        room = self.archive.room()
        return item if room is None else self.wait_for_room(room, item)

    async def wait_for_room(self, room: Deferred[None], item: Any) -> Any:
        """The writer is full (a slow or locked database): hold this item until it has room.

        Downloads are paused until the writer is half empty again: the pages in flight finish and
        their items wait here, so memory stays bounded however long the database stalls.
        """
        self.stats.inc_value("harvest/storage/waited")
        if not self.behind:
            self.behind = True
            self.pause_downloads(True)
            logger.warning("Storage is behind: %d articles wait for the archive (HARVEST_STORE_QUEUE); "
                           "downloads are paused until they are written", self.archive.queued)  # fmt: skip
        await maybe_deferred_to_future(room)
        return item

    def caught_up(self) -> None:
        """Downloads go on once the writer holds half of HARVEST_STORE_QUEUE or less."""
        if self.behind and self.archive.queued <= self.archive.queue_size // 2:
            self.behind = False
            self.pause_downloads(False)
            logger.info("Storage caught up: %d articles wait for the archive", self.archive.queued)

    def flush(self) -> None:
        """Hand the open batch to the archive's writer: one transaction, retried there while locked.

        When the archive cannot be written (disk full, read-only, locked for too long …) the batch
        is not stored and the crawl is stopped (StorageFailed, via the fault ledger); what is not
        stored is logged by URL and, not being in the archive, fetched by the next harvest.
        """
        if not self.batch:
            return
        batch, self.batch = self.batch, []
        self.archive.holding = 0
        urls = [row["url"] for _, row in batch]
        if self.unavailable is not None:  # the crawl is stopping: keep count of what is lost
            self.unstored += urls
            return
        self.batches += 1
        number = self.batches
        self.writing[number] = urls
        answer = self.archive.store(lambda engine: write_batch(engine, batch), len(batch), "the batch")
        answer.addCallbacks(self.stored, self.not_stored, callbackArgs=(number,), errbackArgs=(number,))

    def stored(self, result: BatchResult, number: int) -> None:
        urls = self.writing.pop(number)
        self.stats.inc_value("harvest/storage/new", result.new)
        self.stats.inc_value("harvest/storage/updated", result.updated)
        self.stats.inc_value("harvest/storage/unchanged", result.unchanged)
        self.stats.inc_value("harvest/storage/batches")
        logger.debug("Stored a batch of %d articles (%d new)", len(urls), result.new)
        self.caught_up()

    def not_stored(self, failure: Failure, number: int) -> None:
        urls = self.writing.pop(number)
        self.caught_up()
        if isinstance(failure.value, CancelledError):  # the close gave up waiting: logged there
            return
        if not isinstance(failure.value, ArchiveUnavailable):
            logger.error("A batch of %d articles was not stored: %s", len(urls), " ".join(urls),
                         exc_info=failure.value)  # fmt: skip
            self.unstored += urls
            return
        error = failure.value
        assert isinstance(error, ArchiveUnavailable)
        self.unstored += urls
        if self.unavailable is not None:  # a later batch failing the same way: counted, said once
            return
        self.unavailable = error
        logger.error("Stopping the crawl: %s. This batch of %d articles was not stored: %s",
                     error, len(urls), " ".join(urls))  # fmt: skip
        self.stop_crawl(StorageFailed(error.fault, str(error)))
