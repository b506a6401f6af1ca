"""Fetch only what is new: the known-URL filter, early-stopping walks and the re-check window.

The spider middleware looks every article request up in the archive before it is scheduled
(one indexed query per response, so memory stays flat however large the archive), lets a
walk (a channel's pagination, the e-paper's days) stop once HARVEST_STOP_AFTER_KNOWN_PAGES
list pages in a row offered only stored articles, and queues the articles published in the
last HARVEST_RECHECK_DAYS days again so that corrections are caught.

Stopping early is only safe when the previous run of the spider finished cleanly: a killed
run may have stored the first pages of a walk and never reached the rest. After such a run
every walk goes to its end (stored articles are still skipped, so that costs list pages only).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

from scrapy import Request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response

from crawler.archive import Archive, archive_of
from crawler.db.state import known_urls, last_run, recent_articles
from crawler.harvest.runs import RunRecorder
from crawler.urls import canonical_url

logger = logging.getLogger(__name__)


class IncrementalMiddleware:
    """Spider middleware: drop requests for stored articles, stop exhausted walks, queue re-checks."""

    def __init__(self, crawler: Any, archive: Archive, stop_after: int, recheck_days: float) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.archive = archive  # reads only, on the reactor (WAL: never waits for the writer)
        self.stop_after = stop_after  # 0: never stop a walk early
        self.recheck_days = recheck_days
        self.trusted = False  # the previous run finished cleanly: early stops are safe
        self.streaks: dict[str, int] = {}
        self.stopped: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Any) -> IncrementalMiddleware:
        settings = crawler.settings
        if not settings.getbool("HARVEST_INCREMENTAL_ENABLED"):
            raise NotConfigured("HARVEST_INCREMENTAL_ENABLED is off")
        archive = archive_of(crawler)
        if not archive.stores_articles:
            raise NotConfigured("the storage stage is off: nothing to be incremental against")
        return cls(
            crawler,
            archive,
            settings.getint("HARVEST_STOP_AFTER_KNOWN_PAGES"),
            settings.getfloat("HARVEST_RECHECK_DAYS"),
        )

    # --- start: resume, re-checks ---------------------------------------------------------

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        spider = self.crawler.spider
        recorder = self.crawler.get_extension(RunRecorder)
        current = recorder.run_id if recorder is not None else None
        with self.archive.engine.connect() as conn:
            previous = last_run(conn, spider.name, exclude=current)
            resume_from = last_run(conn, spider.name, exclude=current, clean=True)
        self.trusted = previous is not None and previous.clean
        if not self.trusted and previous is not None:
            logger.info("The last %s run did not finish cleanly: every walk goes to its end", spider.name)
        if resume_from is not None and resume_from.bookmark and hasattr(spider, "resume"):
            spider.resume(resume_from.bookmark)
        async for request in self.recheck_requests(spider):
            yield request
        async for item_or_request in start:
            yield item_or_request

    async def recheck_requests(self, spider: Any) -> AsyncIterator[Request]:
        """Stored articles of this spider published (or first seen) within the re-check window."""
        if self.recheck_days <= 0 or not hasattr(spider, "recheck_request"):
            return
        since = datetime.now(UTC) - timedelta(days=self.recheck_days)
        with self.archive.engine.connect() as conn:
            rows = list(recent_articles(conn, spider.name, since))
        for url, published_at, edition in rows:
            self.stats.inc_value("harvest/incremental/recheck")
            yield spider.recheck_request(url, published_at, edition)

    # --- callbacks' output -----------------------------------------------------------------

    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        articles: list[Request] = []
        steps: list[Request] = []
        async for item_or_request in result:
            if isinstance(item_or_request, Request) and item_or_request.meta.get("harvest_article"):
                articles.append(item_or_request)
            elif isinstance(item_or_request, Request) and item_or_request.meta.get("harvest_step"):
                steps.append(item_or_request)
            else:
                yield item_or_request
        fresh = self.unknown(articles)
        for request in fresh:
            yield request
        meta = response.request.meta if response.request is not None else {}
        if meta.get("harvest_list"):
            self.count_list_page(meta.get("harvest_walk") or canonical_url(response.url), articles, fresh)
        for request in steps:
            if request.meta.get("harvest_walk") in self.stopped:
                self.stats.inc_value("harvest/incremental/walk_step_skipped")
                continue
            yield request

    def unknown(self, requests: list[Request]) -> list[Request]:
        """The requests whose article is not stored yet (re-checks always pass)."""
        asked = [canonical_url(r.url) for r in requests if not r.meta.get("harvest_recheck")]
        if not asked:
            return requests
        with self.archive.engine.connect() as conn:
            known = known_urls(conn, asked)
        fresh = [r for r in requests if r.meta.get("harvest_recheck") or canonical_url(r.url) not in known]
        self.stats.inc_value("harvest/incremental/known", len(requests) - len(fresh))
        return fresh

    def count_list_page(self, walk: str, articles: list[Request], fresh: list[Request]) -> None:
        """One more list page of `walk`: stop the walk after enough pages of stored articles only."""
        only_known = bool(articles) and not fresh
        self.streaks[walk] = self.streaks.get(walk, 0) + 1 if only_known else 0
        if (
            self.trusted
            and self.stop_after > 0
            and self.streaks[walk] >= self.stop_after
            and walk not in self.stopped
        ):
            self.stopped.add(walk)
            self.stats.inc_value("harvest/incremental/walk_stopped")
            logger.info("Stopping walk %s: %d list pages in a row offered only stored articles",
                        walk, self.streaks[walk])  # fmt: skip


class WalkStopMiddleware:
    """Downloader middleware: drop a walk's further steps (older e-paper days…) once it stopped.

    The e-paper's days are all scheduled at the start; the decision to skip one is made when
    it is about to be sent, after the newer days have been seen.
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> WalkStopMiddleware:
        if not crawler.settings.getbool("HARVEST_INCREMENTAL_ENABLED"):
            raise NotConfigured("HARVEST_INCREMENTAL_ENABLED is off")
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if not request.meta.get("harvest_step"):
            return
        incremental = self.crawler.get_spider_middleware(IncrementalMiddleware)
        if incremental is not None and request.meta.get("harvest_walk") in incremental.stopped:
            self.crawler.stats.inc_value("harvest/incremental/walk_step_skipped")
            raise IgnoreRequest(f"walk {request.meta['harvest_walk']} stopped: only stored articles")
