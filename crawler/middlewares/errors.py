"""Failed requests counted and explained: every request gets an errback that reports to the ledger.

Scrapy ends a failed request in one of several places (the download handler, the retry
middleware giving up, the redirect or compression middleware raising, the HTTP error filter);
all of them reach the request's errback. Requests the spiders send without one get
`FailedRequestMiddleware.failed`, which hands the failure to the fault ledger
(crawler.harvest.faults): counted under `harvest/errors/<kind>`, logged once with the URL. The
crawl goes on with the other pages.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware
from twisted.python.failure import Failure

from crawler.harvest.faults import FaultLedger


class FailedRequestMiddleware(BaseSpiderMiddleware):
    """Spider middleware: give each request without an errback one that reports its failure."""

    def __init__(self, crawler: Any, ledger: FaultLedger) -> None:
        super().__init__(crawler)
        self.ledger = ledger

    @classmethod
    def from_crawler(cls, crawler: Any) -> FailedRequestMiddleware:
        ledger = crawler.get_extension(FaultLedger)
        if ledger is None:
            raise NotConfigured("the fault ledger (HARVEST_ERRORS_ENABLED) is off")
        return cls(crawler, ledger)

    def get_processed_request(self, request: Request, response: Response | None) -> Request:
        if request.errback is None:
            request.errback = self.failed  # redirects and retries copy it along
        return request

    def failed(self, failure: Failure) -> None:
        """The request failed for good: count and log it once; nothing comes out of it."""
        request = getattr(failure, "request", None)
        if request is not None and failure.value is not None:
            self.ledger.failure(request, failure.value)
