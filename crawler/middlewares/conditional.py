"""Conditional list fetches: If-None-Match / If-Modified-Since from the validators a page gave.

A 304 answer is dropped here (IgnoreRequest): nothing is parsed, nothing followed. Validators
are saved only after a clean run, so a page is never taken as "seen" while articles it listed
are missing from a run that was killed or lost requests. Validators are read on the reactor and
saved through the archive's writer thread (crawler.archive).
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import CancelledError

from crawler.archive import Archive, archive_of
from crawler.db.engine import ArchiveUnavailable
from crawler.db.state import page_validator, save_validators
from crawler.harvest.runs import is_clean
from crawler.urls import canonical_url

logger = logging.getLogger(__name__)


class ConditionalGetMiddleware:
    def __init__(self, stats: Any, archive: Archive) -> None:
        self.stats = stats
        self.archive = archive
        self.seen: dict[str, tuple[str | None, str | None]] = {}  # list pages of this run only

    @classmethod
    def from_crawler(cls, crawler: Any) -> ConditionalGetMiddleware:
        settings = crawler.settings
        if not settings.getbool("HARVEST_CONDITIONAL_ENABLED"):
            raise NotConfigured("HARVEST_CONDITIONAL_ENABLED is off")
        archive = archive_of(crawler)
        if not archive.stores_articles:
            raise NotConfigured("the storage stage is off: no validators to keep")
        middleware = cls(crawler.stats, archive)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def process_request(self, request: Request) -> None:
        if not request.meta.get("harvest_list") or request.meta.get("harvest_conditional") is not None:
            return
        with self.archive.engine.connect() as conn:
            validator = page_validator(conn, canonical_url(request.url))
        request.meta["harvest_conditional"] = validator is not None
        if validator is None:
            return
        etag, last_modified = validator
        if etag:
            request.headers["If-None-Match"] = etag
        if last_modified:
            request.headers["If-Modified-Since"] = last_modified
        self.stats.inc_value("harvest/conditional/sent")

    def process_response(self, request: Request, response: Response) -> Response:
        if not request.meta.get("harvest_list"):
            return response
        if response.status == 304 and request.meta.get("harvest_conditional"):
            self.stats.inc_value("harvest/conditional/not_modified")
            raise IgnoreRequest(f"not modified since the last clean run: {request.url}")
        if response.status == 200:
            etag = response.headers.get("ETag")
            last_modified = response.headers.get("Last-Modified")
            if etag or last_modified:
                self.seen[canonical_url(request.url)] = (
                    etag.decode("latin-1") if etag else None,
                    last_modified.decode("latin-1") if last_modified else None,
                )
        return response

    async def spider_closed(self, spider: Any, reason: str) -> None:
        if not is_clean(reason, self.stats):
            if self.seen:
                logger.info("Run not clean (%s): list validators not saved", reason)
            return
        if not self.seen:
            return
        seen = dict(self.seen)
        try:
            await maybe_deferred_to_future(
                self.archive.write(lambda engine: save_validators(engine, seen), "the list validators")
            )
        except (ArchiveUnavailable, CancelledError) as error:  # CancelledError: the close gave up waiting
            logger.error("The validators of %d list pages were not saved: %s", len(seen), error)
            return
        logger.info("Saved the validators of %d list pages", len(seen))
