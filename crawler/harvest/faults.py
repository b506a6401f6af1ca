"""Every broken thing the web serves, counted by kind and explained once: the fault ledger.

A faulty page costs that page and nothing more. Whatever refused it (a download setting, a
redirect limit, an offsite or date bound, the extractor's limits) ends up here: the ledger
counts it under `harvest/errors/<kind>` (once per page, however many retries it took) and
logs one line with the URL. Faults that may heal by themselves (timeouts, truncated bodies,
lost connections, a broken gzip, 5xx) are logged as errors, so the run is not clean and the
next harvest walks every list again to find those pages; refusals that will not heal (too
large, too deep, binary, undecodable, redirect loops, offsite, traps) are warnings.

The kinds, what causes each and the setting that governs it are listed in docs/reliability.md.
"""

from __future__ import annotations

import gzip
import logging
import re
import zlib
from collections import Counter
from dataclasses import dataclass
from typing import Any

from scrapy import Request, signals
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    DropItem,
    IgnoreRequest,
    NotConfigured,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import error as tx_error
from twisted.web.client import ResponseFailed  # the public re-export (twisted.web.client.__all__)

logger = logging.getLogger(__name__)

STATS_PREFIX = "harvest/errors/"
# Kinds whose pages may be fine next time: logged as errors (the run is not clean).
TRANSIENT = frozenset({"timeout", "truncated", "connection", "decompression", "server_error", "other"})


class Refused(IgnoreRequest):
    """A request refused by one of our bounds; `kind` is the error kind it counts as."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind


class FaultyPage(DropItem):
    """An item dropped because its page is unusable (binary, undecodable, too large or deep)."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind


class StorageFailed(DropItem):
    """The archive cannot be written (`kind`: full, read-only …): the crawl stops."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind


@dataclass(frozen=True)
class Fault:
    kind: str
    reason: str
    logged: bool = False  # Scrapy already logged a warning naming the URL: count only


def classify(exception: BaseException) -> Fault | None:
    """The error kind of a failed request's exception; None for requests skipped on purpose."""
    text = str(exception) or type(exception).__name__
    if isinstance(exception, Refused):
        return Fault(exception.kind, text)
    if isinstance(exception, HttpError):
        status = exception.response.status
        kind = "server_error" if status >= 500 or status == 429 else "http_status"
        return Fault(kind, f"HTTP {status}")
    if isinstance(exception, IgnoreRequest):
        if "max redirections" in text:
            return Fault("redirect_loop", "redirected too many times (REDIRECT_MAX_TIMES)")
        if "DOWNLOAD_MAXSIZE" in text:
            return Fault("too_large", "larger than DOWNLOAD_MAXSIZE once decompressed", logged=True)
        return None  # 304 not modified, robots.txt, a stopped walk: skipped, not failed
    if isinstance(exception, (DownloadTimeoutError, tx_error.TimeoutError)):
        return Fault("timeout", "no complete answer within DOWNLOAD_TIMEOUT")
    if isinstance(exception, ResponseDataLossError):
        return Fault("truncated", "the body ended before its announced length")
    if isinstance(exception, DownloadCancelledError):
        return Fault("too_large", "larger than DOWNLOAD_MAXSIZE", logged=True)
    if isinstance(exception, (zlib.error, gzip.BadGzipFile, EOFError)):
        return Fault("decompression", f"Content-Encoding does not decode: {text}")
    if isinstance(
        exception,
        (
            DownloadFailedError,
            DownloadConnectionRefusedError,
            CannotResolveHostError,
            ResponseFailed,
            tx_error.ConnectError,
            tx_error.ConnectionLost,
            tx_error.ConnectionDone,
        ),
    ):
        return Fault("connection", f"connection failed: {_twisted_reason(text)}")
    return Fault("other", f"{type(exception).__name__}: {text}")


_FAILURE_REPR = re.compile(r"<twisted\.python\.failure\.Failure [\w.]+\.(\w+): ([^>]*)>")


def _twisted_reason(text: str) -> str:
    """`ConnectionDone: Connection was closed cleanly.` out of a repr of wrapped Twisted failures."""
    found = _FAILURE_REPR.search(text)
    return f"{found[1]}: {found[2].strip()}" if found else text[:200]


def origin_url(request: Request) -> str:
    """The URL a request was made for, before any redirect."""
    urls: list[str] = request.meta.get("redirect_urls") or [request.url]
    return urls[0]


class FaultLedger:
    """Extension: counts each faulty page once by kind, logs it once with its URL."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.seen: set[tuple[str, str]] = set()
        self.counts: Counter[str] = Counter()
        self.stopping = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> FaultLedger:
        if not crawler.settings.getbool("HARVEST_ERRORS_ENABLED"):
            raise NotConfigured("HARVEST_ERRORS_ENABLED is off")
        ledger = cls(crawler)
        crawler.signals.connect(ledger.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(ledger.request_dropped, signal=signals.request_dropped)
        return ledger

    def record(self, kind: str, url: str, reason: str, *, log: bool = True) -> bool:
        """Count a faulty page (once per kind and URL) and log it; False if it was counted already."""
        if (kind, url) in self.seen:
            return False
        self.seen.add((kind, url))
        self.counts[kind] += 1
        self.stats.inc_value(STATS_PREFIX + kind)
        if log:
            level = logging.ERROR if kind in TRANSIENT else logging.WARNING
            logger.log(level, "Page failed (%s): %s: %s", kind, url, reason)
        return True

    def failure(self, request: Request, exception: BaseException) -> Fault | None:
        """Record a request's final failure; return its fault (None: not a fault)."""
        fault = classify(exception)
        if fault is not None:
            retries = request.meta.get("retry_times", 0)
            reason = f"{fault.reason} (after {retries} retries)" if retries else fault.reason
            self.record(fault.kind, origin_url(request), reason, log=not fault.logged)
        return fault

    def item_dropped(self, item: Any, exception: BaseException, response: Any = None) -> None:
        """Pages the extract stage refused (Scrapy logged the drop with its URL); a dead archive."""
        if isinstance(exception, StorageFailed):
            self.stop_crawl(exception)
        elif isinstance(exception, FaultyPage):
            url = item.get("url", "") if hasattr(item, "get") else ""
            self.record(exception.kind, str(url), str(exception), log=False)

    def request_dropped(self, request: Request) -> None:
        """A redirect chain that came back to a URL already in it: the duplicate filter's catch."""
        chain = request.meta.get("redirect_urls") or []
        if request.url in chain:
            self.record("redirect_loop", chain[0], f"redirects in a loop back to {request.url}")

    def stop_crawl(self, failure: StorageFailed) -> None:
        """The archive cannot be written: close the spider (once) as `storage_failed`."""
        self.stats.inc_value(f"harvest/storage/failed/{failure.kind}")
        if self.stopping or self.crawler.engine is None:
            return
        self.stopping = True
        deferred_from_coro(self.crawler.engine.close_spider_async(reason="storage_failed"))
