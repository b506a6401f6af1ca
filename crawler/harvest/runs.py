"""The `crawl_runs` table, kept by an extension: one row per spider run.

The row is inserted when the spider opens, its counters are refreshed every
HARVEST_RUN_UPDATE_INTERVAL seconds, and it is completed when the spider closes. A run killed
outright keeps `finished_at` and `finish_reason` NULL; Ctrl-C / SIGTERM closes it as `shutdown`.
On closing, the run's health verdict (crawler.harvest.health) is judged against the same
spider's recent `ok` runs and stored with it (`verdict`, `health`), and put in the stats
(`harvest/run/verdict`) for `scrapy harvest` to report. The row is written through the crawl's
archive (crawler.archive), on its writer thread: a locked database never stalls the reactor.
"""

from __future__ import annotations

import logging
import os
import re
import socket
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.defer import maybe_deferred_to_future
from sqlalchemy import select
from twisted.internet.defer import CancelledError
from twisted.python.failure import Failure

from crawler.archive import Archive, archive_of
from crawler.db import CrawlRun
from crawler.db.engine import ArchiveUnavailable
from crawler.db.state import start_run, update_run
from crawler.harvest.health import VERDICT_STAT, Thresholds, health_of, judge

logger = logging.getLogger(__name__)

_REASON_DETAIL = re.compile(r"\s*:.*$", re.DOTALL)


def is_clean(reason: str | None, stats: Any) -> bool:
    """A run whose bookmarks can be trusted: it finished by itself and logged no error."""
    return reason == "finished" and not stats.get_value("log_count/ERROR", 0)


def drop_reason(exception: BaseException) -> str:
    """A DropItem reason without its detail ("no body: http://…" -> "no body")."""
    text = str(exception) or type(exception).__name__
    return _REASON_DETAIL.sub("", text)[:100] or type(exception).__name__


ERRORS_PREFIX = "harvest/errors/"  # crawler.harvest.faults.STATS_PREFIX


def error_kinds(stats: Any) -> dict[str, int]:
    """Failed pages by kind (timeout, truncated, too_large …) from a crawl's stats."""
    return {
        key[len(ERRORS_PREFIX) :]: value
        for key, value in sorted(stats.get_stats().items())
        if key.startswith(ERRORS_PREFIX)
    }


def run_counters(stats: Any, dropped: Counter[str]) -> dict[str, Any]:
    """The crawl_runs counters from a crawl's stats.

    Until crawl_runs has a column of its own for them, the failed pages by kind are kept in
    `dropped` as `errors/<kind>` (beside the items dropped by reason).
    """
    value = stats.get_value
    return {
        "pages_fetched": value("downloader/response_count", 0),  # 304s included
        "not_modified": value("harvest/conditional/not_modified", 0),
        "known_skipped": value("harvest/incremental/known", 0),
        "articles_new": value("harvest/storage/new", 0),
        "articles_updated": value("harvest/storage/updated", 0),
        "articles_unchanged": value("harvest/storage/unchanged", 0),
        "dropped": {**dict(dropped), **{f"errors/{k}": n for k, n in error_kinds(stats).items()}},
        "errors": value("log_count/ERROR", 0),
    }


class RunRecorder:
    def __init__(self, crawler: Any, archive: Archive, interval: float, thresholds: Thresholds) -> None:
        self.crawler = crawler
        self.thresholds = thresholds
        self.stats = crawler.stats
        self.archive = archive
        self.interval = interval
        self.run_id: int | None = None
        self.dropped: Counter[str] = Counter()
        self.loop: Any = None
        self.refreshing = False  # a refresh is with the writer: the next one waits its turn

    @classmethod
    def from_crawler(cls, crawler: Any) -> RunRecorder:
        settings = crawler.settings
        if not settings.getbool("HARVEST_RUNS_ENABLED"):
            raise NotConfigured("HARVEST_RUNS_ENABLED is off")
        archive = archive_of(crawler)
        if not archive.stores_articles:
            raise NotConfigured("the storage stage is off: no run to record")
        recorder = cls(
            crawler,
            archive,
            settings.getfloat("HARVEST_RUN_UPDATE_INTERVAL"),
            Thresholds.from_settings(settings),
        )
        crawler.signals.connect(recorder.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(recorder.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(recorder.item_dropped, signal=signals.item_dropped)
        return recorder

    async def spider_opened(self, spider: Any) -> None:
        fields = {
            "spider": spider.name,
            "started_at": datetime.now(UTC),
            "arguments": spider.arguments() if hasattr(spider, "arguments") else {},
            "pid": os.getpid(),
            "host": socket.gethostname(),
        }
        try:
            self.run_id = await maybe_deferred_to_future(
                self.archive.write(lambda engine: start_run(engine, **fields), "the run record", retries=0)
            )
        except ArchiveUnavailable as error:
            logger.error("This run is not recorded in crawl_runs: %s", error)
            return
        self.stats.set_value("harvest/run/id", self.run_id)
        logger.info("Recording this run as crawl_runs.id=%d", self.run_id)
        if self.interval > 0:
            self.loop = create_looping_call(self.refresh)
            self.loop.start(self.interval, now=False)

    def item_dropped(self, item: Any, exception: BaseException) -> None:
        self.dropped[drop_reason(exception)] += 1

    def refresh(self) -> None:
        """Write the counters so far: a run killed later still shows how far it got."""
        if self.run_id is None or self.refreshing:
            return
        self.refreshing = True
        written = self.write(retries=0, **run_counters(self.stats, self.dropped))
        written.addBoth(lambda _: setattr(self, "refreshing", False))

    def write(self, *, retries: int | None = None, **fields: Any) -> Any:
        """Update the run's row (a Deferred); a database fault (locked, full, read-only) is logged."""
        assert self.run_id is not None
        run_id = self.run_id
        written = self.archive.write(lambda engine: update_run(engine, run_id, **fields), "the run record",
                                     retries=retries)  # fmt: skip
        written.addErrback(self.not_written, run_id)
        return written

    @staticmethod
    def not_written(failure: Failure, run_id: int) -> None:
        if not isinstance(failure.value, ArchiveUnavailable | CancelledError):  # Cancelled: the close gave up
            failure.raiseException()
        logger.error("crawl_runs.id=%d not updated: %s", run_id, failure.value)

    async def spider_closed(self, spider: Any, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.run_id is None:
            return
        clean = is_clean(reason, self.stats)
        health = health_of(self.stats.get_stats(), self.dropped)
        verdict, reasons = judge(health, self.recent_health(spider.name), self.thresholds)
        health["reasons"] = reasons
        self.stats.set_value(VERDICT_STAT, verdict)
        log = logger.warning if verdict != "ok" else logger.info
        log("Health of this run: %s%s", verdict, f" ({'; '.join(reasons)})" if reasons else "")
        await maybe_deferred_to_future(
            self.write(
                finished_at=datetime.now(UTC),
                finish_reason=reason,
                clean=clean,
                bookmark=spider.bookmark() if clean and hasattr(spider, "bookmark") else None,
                verdict=verdict,
                health=health,
                **run_counters(self.stats, self.dropped),
            )
        )

    def recent_health(self, spider: str) -> list[dict[str, Any]]:
        """The health of the spider's last HARVEST_HEALTH_HISTORY `ok` runs: the yardstick."""
        query = (
            select(CrawlRun.health)
            .where(CrawlRun.spider == spider, CrawlRun.verdict == "ok", CrawlRun.id != self.run_id)
            .order_by(CrawlRun.id.desc())
            .limit(self.thresholds.history)
        )
        with self.archive.engine.connect() as conn:
            return [health for (health,) in conn.execute(query) if health]
