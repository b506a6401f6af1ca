"""Polite retries: Scrapy's RetryMiddleware plus a pause before each retry.

The pause is exponential (HARVEST_RETRY_BACKOFF_BASE × 2^(attempt-1), at most
HARVEST_RETRY_BACKOFF_MAX, with ±25 % jitter) or what the server asked for in `Retry-After`
on 429/503, whichever is longer; while it lasts no request goes to that host at all. A
Retry-After longer than HARVEST_RETRY_AFTER_MAX is obeyed by not retrying in this run.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.response import response_status_message

logger = logging.getLogger(__name__)

RETRY_AFTER_STATUSES = frozenset({429, 503})


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds asked for by a Retry-After header (delta-seconds or HTTP-date); None if absent or bad."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff_seconds(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Exponential backoff before retry number `attempt` (1, 2, …), capped, with ±25 % jitter."""
    delay: float = min(cap, base * 2 ** (attempt - 1))
    return delay * (rng or random).uniform(0.75, 1.25)


class BackoffRetryMiddleware(RetryMiddleware):
    """Replaces scrapy.downloadermiddlewares.retry.RetryMiddleware (same settings, same stats)."""

    def __init__(self, settings: Any, *, base: float, cap: float, retry_after_max: float) -> None:
        super().__init__(settings)
        self.base = base
        self.cap = cap
        self.retry_after_max = retry_after_max
        self.paused_until: dict[str, float] = {}  # host -> time.monotonic() it may be asked again

    @classmethod
    def from_crawler(cls, crawler: Any) -> BackoffRetryMiddleware:
        settings = crawler.settings
        middleware = cls(
            settings,
            base=settings.getfloat("HARVEST_RETRY_BACKOFF_BASE"),
            cap=settings.getfloat("HARVEST_RETRY_BACKOFF_MAX"),
            retry_after_max=settings.getfloat("HARVEST_RETRY_AFTER_MAX"),
        )
        middleware.crawler = crawler
        return middleware

    async def process_request(self, request: Request) -> None:
        """Hold a request while its host is paused."""
        host = urlparse_cached(request).hostname or ""
        wait = self.paused_until.get(host, 0.0) - time.monotonic()
        if wait > 0:
            self.crawler.stats.inc_value("harvest/retry/held")
            await asyncio.sleep(wait)

    # Scrapy 2.19 awaits coroutine middleware methods; RetryMiddleware's annotations give the sync form.
    async def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        asked = None
        if response.status in RETRY_AFTER_STATUSES:
            asked = retry_after_seconds(response.headers.get("Retry-After"))
            if asked is not None and asked > self.retry_after_max:
                self.crawler.stats.inc_value("harvest/retry/retry_after_too_long")
                logger.warning("%s asks to wait %.0f s (more than HARVEST_RETRY_AFTER_MAX): not retrying %s",
                               urlparse_cached(request).hostname, asked, request.url)  # fmt: skip
                return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        if asked is not None:
            self.crawler.stats.inc_value("harvest/retry/retry_after")
        await self.pause(request, retry, asked)
        return retry

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry", False):
            return None
        retry = self._retry(request, exception)
        if retry is None:
            return None
        await self.pause(request, retry, None)
        return retry

    async def pause(self, request: Request, retry: Request, asked: float | None) -> None:
        """Pause the host (all its requests) for the backoff or Retry-After, then let `retry` go."""
        delay = backoff_seconds(retry.meta["retry_times"], self.base, self.cap)
        if asked is not None:
            delay = max(delay, asked)
        host = urlparse_cached(request).hostname or ""
        self.paused_until[host] = max(self.paused_until.get(host, 0.0), time.monotonic() + delay)
        # a sum of seconds: StatsCollector adds any number, its annotation says int
        self.crawler.stats.inc_value("harvest/retry/backoff_seconds", round(delay, 3))  # type: ignore[arg-type]
        logger.debug("Pausing %s for %.2f s before retrying %s", host, delay, request.url)
        await asyncio.sleep(delay)
