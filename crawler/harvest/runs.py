"""The `crawl_runs` table, kept by an extension: one row per spider run.

The row is inserted when the spider opens, its counters are refreshed every
HARVEST_RUN_UPDATE_INTERVAL seconds, and it is completed when the spider closes. A run killed
outright keeps `finished_at` and `finish_reason` NULL; Ctrl-C / SIGTERM closes it as `shutdown`.
On closing, the run's health verdict (crawler.harvest.health) is judged against the same
spider's recent `ok` runs and stored with it (`verdict`, `health`), and put in the stats
(`harvest/run/verdict`) for `scrapy harvest` to report.
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
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError

from crawler.db import CrawlRun, make_engine
from crawler.db.engine import database_fault
from crawler.db.state import start_run, update_run
from crawler.harvest.health import VERDICT_STAT, Thresholds, health_of, judge

logger = logging.getLogger(__name__)

STORAGE_PIPELINE = "pipelines.storage.StoragePipeline"
_REASON_DETAIL = re.compile(r"\s*:.*$", re.DOTALL)


def stores_articles(settings: Any) -> bool:
    """Whether this crawl writes to the archive (`scrapy extract` does not)."""
    return settings.getdict("ITEM_PIPELINES").get(STORAGE_PIPELINE) is not None


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
    def __init__(self, crawler: Any, db_url: str, interval: float, thresholds: Thresholds) -> None:
        self.crawler = crawler
        self.thresholds = thresholds
        self.stats = crawler.stats
        self.db_url = db_url
        self.interval = interval
        self.engine: Engine | None = None
        self.run_id: int | None = None
        self.dropped: Counter[str] = Counter()
        self.loop: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> RunRecorder:
        settings = crawler.settings
        if not settings.getbool("HARVEST_RUNS_ENABLED"):
            raise NotConfigured("HARVEST_RUNS_ENABLED is off")
        if not stores_articles(settings):
            raise NotConfigured("the storage stage is off: no run to record")
        recorder = cls(
            crawler,
            settings.get("HARVEST_DB_URL"),
            settings.getfloat("HARVEST_RUN_UPDATE_INTERVAL"),
            Thresholds.from_settings(settings),
        )
        crawler.signals.connect(recorder.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(recorder.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(recorder.item_dropped, signal=signals.item_dropped)
        return recorder

    def spider_opened(self, spider: Any) -> None:
        self.engine = make_engine(self.db_url)
        arguments = spider.arguments() if hasattr(spider, "arguments") else {}
        try:
            self.run_id = start_run(
                self.engine,
                spider=spider.name,
                started_at=datetime.now(UTC),
                arguments=arguments,
                pid=os.getpid(),
                host=socket.gethostname(),
            )
        except OperationalError as error:
            if (fault := database_fault(error)) is None:
                raise
            logger.error("This run is not recorded in crawl_runs: the archive is %s", fault[1])
            self.engine.dispose()
            self.engine = None
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
        if self.engine is not None and self.run_id is not None:
            self.write(**run_counters(self.stats, self.dropped))

    def write(self, **fields: Any) -> None:
        """Update the run's row; a database fault (locked, full, read-only) is logged, not raised."""
        assert self.engine is not None and self.run_id is not None
        try:
            update_run(self.engine, self.run_id, **fields)
        except OperationalError as error:
            if (fault := database_fault(error)) is None:
                raise
            logger.error("crawl_runs.id=%d not updated: the archive is %s", self.run_id, fault[1])

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.engine is None or self.run_id is None:
            return
        clean = is_clean(reason, self.stats)
        try:
            health = health_of(self.stats.get_stats(), self.dropped)
            verdict, reasons = judge(health, self.recent_health(spider.name), self.thresholds)
            health["reasons"] = reasons
            self.stats.set_value(VERDICT_STAT, verdict)
            log = logger.warning if verdict != "ok" else logger.info
            log("Health of this run: %s%s", verdict, f" ({'; '.join(reasons)})" if reasons else "")
            self.write(
                finished_at=datetime.now(UTC),
                finish_reason=reason,
                clean=clean,
                bookmark=spider.bookmark() if clean and hasattr(spider, "bookmark") else None,
                verdict=verdict,
                health=health,
                **run_counters(self.stats, self.dropped),
            )
        finally:
            self.engine.dispose()

    def recent_health(self, spider: str) -> list[dict[str, Any]]:
        """The health of the spider's last HARVEST_HEALTH_HISTORY `ok` runs: the yardstick."""
        assert self.engine is not None
        query = (
            select(CrawlRun.health)
            .where(CrawlRun.spider == spider, CrawlRun.verdict == "ok", CrawlRun.id != self.run_id)
            .order_by(CrawlRun.id.desc())
            .limit(self.thresholds.history)
        )
        with self.engine.connect() as conn:
            return [health for (health,) in conn.execute(query) if health]
