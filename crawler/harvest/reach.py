"""Fail fast where nothing can succeed: hosts that do not resolve or refuse every connection.

`UnreachableHosts` (a downloader middleware, seeing every attempt before the retry middleware
does) counts failed attempts by network kind under `harvest/net/failed/<kind>` (dns, connect,
timeout). Once HARVEST_UNREACHABLE_AFTER attempts to a host failed with a DNS or connection
error and the host never answered, the host is given up: its requests are no longer retried
and the rest are refused at once (counted as `unreachable` pages). When every host the spider
tried is given up and none ever answered, the spider closes as `unreachable`: its run is then
`failed` (crawler.harvest.health) within seconds instead of after every URL's retries. The
requests already queued for a given-up host lose their politeness delay, so they end at once.

A DNS lookup error is not retried for a host that never answered (a name that does not
resolve now rarely resolves two seconds later), and at most HARVEST_DNS_RETRY_TIMES times for
one that did (a resolver's hiccup).
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from scrapy import Request, signals
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    NotConfigured,
)
from scrapy.http import Response
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import error as tx_error

from crawler.harvest.faults import Refused
from crawler.harvest.health import NETWORK_PREFIX

logger = logging.getLogger(__name__)

CLOSE_REASON = "unreachable"


def network_kind(exception: BaseException) -> str | None:
    """dns, connect or timeout for a failed attempt's exception; None for anything else."""
    if isinstance(exception, (CannotResolveHostError, tx_error.DNSLookupError)):
        return "dns"
    if isinstance(exception, (DownloadTimeoutError, tx_error.TimeoutError)):
        return "timeout"
    if isinstance(exception, (DownloadConnectionRefusedError, tx_error.ConnectError)):  # TCP timeout too
        return "connect"
    return None


class UnreachableHosts:
    def __init__(self, crawler: Any, after: int, dns_retries: int) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.after = after
        self.dns_retries = dns_retries
        self.answered: set[str] = set()  # hosts that answered at least once
        self.failures: Counter[str] = Counter()  # DNS/connect failures of hosts that never answered
        self.closing = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> UnreachableHosts:
        settings = crawler.settings
        after = settings.getint("HARVEST_UNREACHABLE_AFTER")
        if after <= 0:
            raise NotConfigured("HARVEST_UNREACHABLE_AFTER is 0")
        middleware = cls(crawler, after, settings.getint("HARVEST_DNS_RETRY_TIMES"))
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def given_up(self, host: str) -> bool:
        return host not in self.answered and self.failures[host] >= self.after

    def process_request(self, request: Request) -> None:
        host = urlparse_cached(request).hostname or ""
        if self.given_up(host):
            raise Refused("unreachable", f"{host} never answered ({self.failures[host]} attempts failed)")

    def process_response(self, request: Request, response: Response) -> Response:
        self.answered.add(urlparse_cached(request).hostname or "")
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        kind = network_kind(exception)
        if kind is None:
            return
        self.stats.inc_value(NETWORK_PREFIX + kind)
        host = urlparse_cached(request).hostname or ""
        retried = request.meta.get("retry_times", 0)
        if kind == "dns" and (host not in self.answered or retried >= self.dns_retries):
            request.meta["dont_retry"] = True
        if kind == "timeout" or host in self.answered:
            return
        self.failures[host] += 1
        if self.failures[host] < self.after:
            return
        request.meta["dont_retry"] = True
        if self.failures[host] == self.after:
            logger.error("Giving up %s: %d attempts failed (%s), it never answered", host, self.after, kind)
            self.drain(request)
        if not self.answered and not self.closing and self.crawler.engine is not None:
            self.closing = True
            logger.error("No host of this source answered: closing the spider as %r", CLOSE_REASON)
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=CLOSE_REASON))

    def drain(self, request: Request) -> None:
        """No more politeness delay for a given-up host: its queued requests fail at once.

        (Requests already past process_request wait in the host's download slot, AutoThrottle's
        delay apart; the extension adjusts `slot.delay` the same way.)
        """
        downloader = self.crawler.engine.downloader if self.crawler.engine is not None else None
        if downloader is None:
            return
        slot = downloader.slots.get(downloader.get_slot_key(request))
        if slot is not None:
            slot.delay = 0.0

    def spider_closed(self, spider: Any) -> None:
        self.stats.set_value("harvest/net/hosts_given_up", sum(map(self.given_up, self.failures)))
